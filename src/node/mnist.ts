/**
 * The built-in MNIST digits as the Node scripts and tests read them: the file
 * `npm run prepare-data` writes, with the labels from the description beside
 * it, split exactly as the app splits it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { mnistLabelsOf, parseMnist } from '../data/mnist';
import { splitDataset } from '../data/split';
import type { ImageDataset } from '../data/types';

export function readMnistSplit(root: string, levels = 256): { train: ImageDataset; test: ImageDataset } {
  const file = path.join(root, 'public', 'data', 'mnist-28x28.bin');
  const metaFile = path.join(root, 'public', 'data', 'mnist-28x28.json');
  if (!fs.existsSync(file)) throw new Error(`${file} is missing; run npm run prepare-data`);
  const labels = fs.existsSync(metaFile) ? mnistLabelsOf(fs.readFileSync(metaFile, 'utf8')) : undefined;
  return splitDataset(parseMnist(new Uint8Array(fs.readFileSync(file)), levels, labels));
}
