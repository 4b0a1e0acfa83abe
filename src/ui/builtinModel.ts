import { BUILTIN_DATASETS, type BuiltinDatasetId } from '../data/builtin';
import { stepsBeyondCard } from '../model/card';
import type { ModelSummary } from '../worker/protocol';

/**
 * How the current model stands to a built-in dataset's shipped model, for the
 * choices that would replace it (the Dataset panel, a shared link). The
 * built-in sets differ in size, so an untouched pretrained model of a set's
 * size is its shipped one.
 */

/** Steps the user trained on this model: all of them, or those after a shipped model shipped. */
export function ownSteps(model: ModelSummary): number {
  return model.origin === 'pretrained' ? stepsBeyondCard(model.steps, model.card) : model.steps;
}

/** True when the user has a model of their own (trained here, or imported) that loading a built-in one would replace. */
export function hasOwnModel(model: ModelSummary | null): boolean {
  return model !== null && (model.origin === 'imported' || ownSteps(model) > 0);
}

/** 'shipped': the set's own model, untouched; 'yours': one the user made; 'replaceable': anything else. */
export function modelStanding(model: ModelSummary | null, id: BuiltinDatasetId): 'shipped' | 'yours' | 'replaceable' {
  if (!model) return 'replaceable';
  const set = BUILTIN_DATASETS[id];
  const { config } = model;
  const fits = config.width === set.width && config.height === set.height && config.colorChannels === set.channels;
  if (model.origin === 'pretrained' && fits && ownSteps(model) === 0) return 'shipped';
  return hasOwnModel(model) ? 'yours' : 'replaceable';
}
