import { describeConfig } from '../../model/config';
import { type SavedModel, parseSavedModel } from '../../model/modelFile';
import type { CheckpointHistory } from '../checkpoints';
import { errorText } from '../errors';
import { restoredOrigin } from './modelSlot';

/**
 * A safe start (the page's safeStart.ts found that the last visit's start
 * failed): the model saved in this browser is not restored, since it may be
 * what failed, but kept in the history, one click away. Nothing is deleted.
 */

/** The note a set-aside model carries in the History list. */
export const SET_ASIDE_NOTE = 'set aside after a failed start';

export interface SetAside {
  /** True when the saved model is in the history now, so the model the engine starts with is saved in its place. */
  kept: boolean;
  /** True when nothing was saved, or it is in the history: a new model may be saved. */
  replaceable: boolean;
  /** What became of the saved model, as a sentence for the notice (empty when none was saved). */
  sentence: string;
}

/** Puts the saved model (`stored`, read already; or why it could not be read) in `history`. */
export async function setAsideSavedModel(
  stored: { ok: true; value: SavedModel | null } | { ok: false; error: unknown },
  history: CheckpointHistory,
): Promise<SetAside> {
  if (!stored.ok) return { kept: false, replaceable: false, sentence: `The saved model could not be read (${errorText(stored.error)}); it is left as it was.` };
  if (!stored.value) return { kept: false, replaceable: true, sentence: '' };
  let saved: SavedModel;
  try {
    saved = parseSavedModel(stored.value);
  } catch (error) {
    return { kept: false, replaceable: false, sentence: `The saved model could not be read (${errorText(error)}); it is left as it was.` };
  }
  const steps = saved.meta.steps ?? 0;
  try {
    await history.add(saved, { steps, heldOutBitsPerDim: null, origin: restoredOrigin(saved.meta), note: SET_ASIDE_NOTE });
  } catch (error) {
    return {
      kept: false,
      replaceable: false,
      sentence: `The saved model could not be put in History (${errorText(error)}), so it stays saved and the next visit restores it.`,
    };
  }
  return {
    kept: true,
    replaceable: true,
    sentence: `The model saved in this browser (${describeConfig(saved.config)}, ${steps.toLocaleString('en-US')} steps) is kept in History as "${SET_ASIDE_NOTE}"; its Go back button restores it.`,
  };
}

/** The notice of a safe start: why, and what became of the saved model. */
export function safeStartNotice(reason: string, setAside: SetAside, shipped: boolean): string {
  const start = shipped ? 'this one starts from the shipped model' : 'this one starts from a new model';
  return [`The last visit stopped while starting (${reason.replace(/[.\s]+$/, '')}), so ${start}.`, setAside.sentence].filter((s) => s !== '').join(' ');
}
