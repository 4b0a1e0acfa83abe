/**
 * The built-in datasets, declared once: what the Dataset panel offers, where
 * `npm run prepare-data` writes each one (public/data/), and the pretrained
 * model shipped for it (public/models/). Every file path is relative to the
 * app's base URL. Plain data and a parser, no tfjs, so the page, the engine
 * and the Node scripts all read the same list.
 *
 * Each dataset is raw bytes (count × height × width × channels, row-major,
 * 0..255; the digits' gzipped, see mnist.ts) with a JSON description beside
 * it whose `labels` string holds one class digit per image and whose
 * `classNames` names them. The digits are laid out so that the app's split
 * holds out standard MNIST test digits only (src/node/mnist.ts, builtinDigits).
 */
import { AppFileError, type FetchAppFileOptions, fetchAppFile } from './appFiles';
import { MNIST_CREDIT, MNIST_META_URL, MNIST_URL, digitLabels, loadMnist, parseMnist } from './mnist';
import { quantiseArray } from './quantise';
import type { ChannelCount, ImageDataset } from './types';

export type BuiltinDatasetId = 'digits' | 'icons';

export interface BuiltinDataset {
  id: BuiltinDatasetId;
  /** The choice in the Dataset panel. */
  title: string;
  /** How the dataset reads once loaded, e.g. "MNIST digits (built in)". */
  label: string;
  /** One sentence for the Dataset panel: what the images are. */
  about: string;
  width: number;
  height: number;
  channels: ChannelCount;
  dataPath: string;
  metaPath: string;
  modelPath: string;
  cardPath: string;
  /** The source and its licence, shown in the app. */
  credit: string;
  /** The command that writes the data: what to run when it is missing. */
  prepare: string;
}

export const BUILTIN_DATASETS: Readonly<Record<BuiltinDatasetId, BuiltinDataset>> = {
  digits: {
    id: 'digits',
    title: 'Digits',
    label: 'MNIST digits (built in)',
    about:
      '12,000 handwritten digits from the standard MNIST split, 28×28 grayscale, in 10 classes (0–9): 10,800 training digits, and 1,200 test digits held out.',
    width: 28,
    height: 28,
    channels: 1,
    dataPath: MNIST_URL,
    metaPath: MNIST_META_URL,
    modelPath: 'models/mnist-pixelcnn.json',
    cardPath: 'models/mnist-pixelcnn.card.json',
    credit: MNIST_CREDIT,
    prepare: 'npm run prepare-data',
  },
  icons: {
    id: 'icons',
    title: 'Colour icons',
    label: 'Colour icons (built in)',
    about: '1,906 emoji, 16×16 RGB on white, in 9 classes (the emoji categories: faces, people, animals, food, …).',
    width: 16,
    height: 16,
    channels: 3,
    dataPath: 'data/icons-16x16.bin',
    metaPath: 'data/icons-16x16.json',
    modelPath: 'models/icons-pixelcnn.json',
    cardPath: 'models/icons-pixelcnn.card.json',
    credit: 'Colour icons: Twemoji by Twitter, Inc and other contributors (CC-BY 4.0), via the emoji-datasource-twitter npm package (MIT).',
    prepare: 'npm run prepare-data',
  },
};

export const BUILTIN_DATASET_IDS = Object.keys(BUILTIN_DATASETS) as BuiltinDatasetId[];

export function isBuiltinDatasetId(value: unknown): value is BuiltinDatasetId {
  return typeof value === 'string' && Object.hasOwn(BUILTIN_DATASETS, value);
}

export class BuiltinDataError extends Error {
  override name = 'BuiltinDataError';
}

function damaged(set: BuiltinDataset, what: string): BuiltinDataError {
  return new BuiltinDataError(`The built-in ${set.title.toLowerCase()} are damaged: ${what}; delete public/data and run ${set.prepare}`);
}

/**
 * A built-in dataset from its bytes and the text of its description,
 * quantised to `levels`, with its classes when the description has labels.
 */
export function parseBuiltin(id: BuiltinDatasetId, bytes: Uint8Array, metaText: string | null, levels = 256): ImageDataset {
  const set = BUILTIN_DATASETS[id];
  let meta: { labels?: unknown; classNames?: unknown } = {};
  if (metaText !== null) {
    try {
      meta = JSON.parse(metaText) as typeof meta;
    } catch {
      throw damaged(set, 'its description is not valid JSON');
    }
  }
  const labels = typeof meta.labels === 'string' ? meta.labels : undefined;
  if (id === 'digits') return parseMnist(bytes, levels, labels);
  const size = set.width * set.height * set.channels;
  if (bytes.length === 0 || bytes.length % size !== 0) {
    throw damaged(set, `${bytes.length} bytes is not a whole number of ${set.width}×${set.height}×${set.channels} images`);
  }
  const count = bytes.length / size;
  const dataset: ImageDataset = { width: set.width, height: set.height, channels: set.channels, levels, count, pixels: quantiseArray(bytes, levels) };
  if (labels !== undefined) {
    const names = meta.classNames;
    if (!Array.isArray(names) || names.length === 0 || names.length > 10 || !names.every((n) => typeof n === 'string')) {
      throw damaged(set, 'its description has labels but no list of up to 10 class names');
    }
    if (labels.length !== count || !/^[0-9]*$/.test(labels) || [...labels].some((c) => c.charCodeAt(0) - 48 >= names.length)) {
      throw damaged(set, `expected ${count} labels below ${names.length}, got ${labels.length} characters`);
    }
    dataset.labels = digitLabels(labels);
    dataset.classNames = [...(names as string[])];
  }
  return dataset;
}

/**
 * Fetches a built-in dataset with its description. A missing file (404, or
 * the dev server's HTML fallback page) says which command makes it.
 */
export async function loadBuiltin(id: BuiltinDatasetId, levels = 256, options: FetchAppFileOptions = {}): Promise<ImageDataset> {
  const set = BUILTIN_DATASETS[id];
  if (id === 'digits') return loadMnist(set.dataPath, levels, options, set.metaPath);
  let bytes: ArrayBuffer | null;
  let meta: ArrayBuffer | null;
  try {
    [bytes, meta] = await Promise.all([fetchAppFile(set.dataPath, options), fetchAppFile(set.metaPath, options)]);
  } catch (error) {
    if (error instanceof AppFileError) throw new BuiltinDataError(`The built-in ${set.title.toLowerCase()} could not be loaded (${error.message})`);
    throw error;
  }
  if (!bytes) throw new BuiltinDataError(`The built-in ${set.title.toLowerCase()} are missing; run ${set.prepare}`);
  return parseBuiltin(id, new Uint8Array(bytes), meta ? new TextDecoder().decode(meta) : null, levels);
}
