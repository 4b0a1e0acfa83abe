import { exportModel, restoreCheckpoint } from './actions';
import type { ErrorContext } from '../worker/protocol';
import { useStudio } from './store';

/**
 * What a crashed panel (or a crashed page) offers in its place: save the
 * model to a file, go back to a checkpoint or to the shipped model, reload.
 * Each goes through the actions and the engine, never through the panel that
 * crashed, and resolves to a sentence saying how it went, for the fallback
 * to show beside its buttons (the panel that would show the error is the
 * one that is gone).
 */

/** The reason a request failed, as the engine client left it in the store, or a plain fallback. */
function failure(context: ErrorContext, what: string): string {
  const message = useStudio.getState().errors[context] ?? useStudio.getState().errors.worker;
  return message ? `${what}: ${message}` : `${what}; the engine did not answer.`;
}

/** Downloads the model the engine holds, which is the one saved in this browser (or newer). */
export async function exportForRecovery(): Promise<string> {
  return (await exportModel()) ? 'The model file is downloading.' : failure('export', 'The model could not be exported');
}

/** Goes back to a checkpoint of the history, or to the model shipped with the app. */
export async function restoreForRecovery(target: number | 'pretrained'): Promise<string> {
  const done = await restoreCheckpoint(target);
  if (done) return target === 'pretrained' ? 'The shipped model is back.' : 'The checkpoint is back.';
  return failure('model', target === 'pretrained' ? 'The shipped model could not be restored' : 'The checkpoint could not be restored');
}

/** Loads the page again; what is saved comes back, and a start that failed is followed by a safe one (safeStart.ts). */
export function reloadPage(): void {
  globalThis.location?.reload();
}
