/**
 * The trained digit classifier, kept on disk so a second `npm run eval`
 * reuses it. A file's name is a key of everything that decides the weights:
 * the settings, the training images and labels, and the backend that trained
 * it. A stale file is therefore never read, only left behind.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { SavedTensor } from '../model/serialize';
import { crc32 } from '../node/png';
import {
  type ClassifierSettings,
  type DigitClassifier,
  type LabelledImages,
  type TrainProgress,
  accuracy,
  classify,
  createClassifier,
  loadClassifierWeights,
  saveClassifierWeights,
  trainClassifier,
} from './classifier';

export const CLASSIFIER_CACHE_DIR = path.join('.cache', 'eval');

interface CachedClassifier {
  format: 'pixelcnn-studio-digit-classifier';
  key: string;
  settings: ClassifierSettings;
  backend: string;
  heldOutAccuracy: number;
  trainSeconds: number;
  tensors: SavedTensor[];
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}

/** A file-name-safe key of the settings, the training data and the backend. */
export function classifierKey(settings: ClassifierSettings, train: LabelledImages, backend: string): string {
  const text = new TextEncoder().encode(JSON.stringify({ settings, backend, width: train.width, height: train.height, count: train.count }));
  const labels = new Uint8Array(train.labels.buffer, train.labels.byteOffset, train.labels.byteLength);
  return `${hex(crc32(text))}-${hex(crc32(train.pixels))}-${hex(crc32(labels))}`;
}

export interface ReadyClassifier {
  classifier: DigitClassifier;
  heldOutAccuracy: number;
  /** True when it was read from the cache rather than trained now. */
  cached: boolean;
  file: string;
  trainSeconds: number;
}

/**
 * The classifier for these settings and data: read from `cacheDir` when a
 * file with its key is there, otherwise trained on `train`, scored on
 * `test`, and written there.
 */
export async function loadOrTrainClassifier(
  cacheDir: string,
  settings: ClassifierSettings,
  train: LabelledImages,
  test: LabelledImages,
  backend: string,
  onProgress?: (progress: TrainProgress) => void,
): Promise<ReadyClassifier> {
  const key = classifierKey(settings, train, backend);
  const file = path.join(cacheDir, `digit-classifier-${key}.json`);
  if (fs.existsSync(file)) {
    try {
      const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as CachedClassifier;
      if (saved.format === 'pixelcnn-studio-digit-classifier' && saved.key === key) {
        const classifier = createClassifier(settings, train.width, train.height);
        try {
          loadClassifierWeights(classifier, saved.tensors);
        } catch (error) {
          classifier.dispose();
          throw error;
        }
        return { classifier, heldOutAccuracy: saved.heldOutAccuracy, cached: true, file, trainSeconds: saved.trainSeconds };
      }
    } catch {
      // An unreadable cache file is retrained over.
    }
  }
  const started = performance.now();
  const classifier = await trainClassifier(train, settings, onProgress);
  const trainSeconds = (performance.now() - started) / 1000;
  const heldOutAccuracy = accuracy(await classify(classifier, test), test.labels, settings.classes);
  const saved: CachedClassifier = {
    format: 'pixelcnn-studio-digit-classifier',
    key,
    settings,
    backend,
    heldOutAccuracy,
    trainSeconds,
    tensors: await saveClassifierWeights(classifier),
  };
  fs.mkdirSync(cacheDir, { recursive: true });
  const partial = `${file}.partial`;
  fs.writeFileSync(partial, JSON.stringify(saved));
  fs.renameSync(partial, file);
  return { classifier, heldOutAccuracy, cached: false, file, trainSeconds };
}
