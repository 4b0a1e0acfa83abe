import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readBuiltinSplit } from '../node/mnist';
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
