/**
 * The pretrained MNIST model shipped in public/ (made by `npm run pretrain`),
 * which a first visit starts from. Paths are relative to the app's base URL,
 * like the built-in digits.
 */
import { fetchAppFile } from '../data/appFiles';
import { type SavedModel, parseSavedModel } from '../model/serialize';

export const PRETRAINED_MODEL_PATH = 'models/mnist-pixelcnn.json';
export const PRETRAINED_CARD_PATH = 'models/mnist-pixelcnn.card.json';

/** The shipped model, or null when this build has none; throws when it is there but unreadable. */
export async function loadPretrainedModel(): Promise<SavedModel | null> {
  const bytes = await fetchAppFile(PRETRAINED_MODEL_PATH);
  if (!bytes) return null;
  return parseSavedModel(JSON.parse(new TextDecoder().decode(bytes)));
}
