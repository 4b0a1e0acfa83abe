/**
 * The built-in datasets as the Node scripts and tests read them: the files
 * `npm run prepare-data` writes, with the labels from the description beside
 * them, split exactly as the app splits them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { BUILTIN_DATASETS, type BuiltinDatasetId, parseBuiltin } from '../data/builtin';
import { splitDataset } from '../data/split';
import type { ImageDataset } from '../data/types';

export function readBuiltinSplit(root: string, id: BuiltinDatasetId, levels = 256): { train: ImageDataset; test: ImageDataset } {
  const set = BUILTIN_DATASETS[id];
  const file = path.join(root, 'public', set.dataPath);
  const metaFile = path.join(root, 'public', set.metaPath);
  if (!fs.existsSync(file)) throw new Error(`${file} is missing; run ${set.prepare}`);
  const meta = fs.existsSync(metaFile) ? fs.readFileSync(metaFile, 'utf8') : null;
  return splitDataset(parseBuiltin(id, new Uint8Array(fs.readFileSync(file)), meta, levels));
}

export function readMnistSplit(root: string, levels = 256): { train: ImageDataset; test: ImageDataset } {
  return readBuiltinSplit(root, 'digits', levels);
}
