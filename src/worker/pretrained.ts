/**
 * The pretrained models shipped in public/ (made by `npm run pretrain`), one
 * per built-in dataset (src/data/builtin.ts names their files); a first visit
 * starts from the digits' model. Paths are relative to the app's base URL,
 * like the built-in data.
 */
import { BUILTIN_DATASETS, type BuiltinDatasetId } from '../data/builtin';
import { fetchAppFile } from '../data/appFiles';
import { type SavedModel, parseSavedModel } from '../model/modelFile';

export const PRETRAINED_MODEL_PATH = BUILTIN_DATASETS.digits.modelPath;
export const PRETRAINED_CARD_PATH = BUILTIN_DATASETS.digits.cardPath;

/** The model shipped for `id`, or null when this build has none; throws when it is there but unreadable. */
export async function loadPretrainedModel(id: BuiltinDatasetId = 'digits'): Promise<SavedModel | null> {
  const bytes = await fetchAppFile(BUILTIN_DATASETS[id].modelPath);
  if (!bytes) return null;
  return parseSavedModel(JSON.parse(new TextDecoder().decode(bytes)));
}
