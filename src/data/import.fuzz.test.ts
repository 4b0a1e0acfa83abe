import { zipSync } from 'fflate';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONFIG_SPEC } from '../model/config';
import { readModelMeta } from '../model/modelMeta';
import { DEFAULT_CONFIG } from '../model/config';
import { check, corruptedBytes, hostileNumber, hostileText, PROTOTYPE_KEYS } from '../test/fuzz';
import { classesFromPaths, MAX_CLASSES } from './classes';
import { ImageDecodeError } from './decode';
import { importImages } from './importImages';
import { imageSizeProblem, MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE } from './limits';
import { type ImageFormat, readImageSize, sniffImageFormat } from './sniff';
import { bmpHeader, gifHeader, jpegHeader, pngHeader, rgbaImage, webpExtendedHeader, webpLosslessHeader, webpLossyHeader } from './testFixtures';
import type { DecodedImage, ImageTarget, InputFile } from './types';
import { extractZip, ZipError } from './zip';

/**
 * Property-based tests of what a drop of files goes through: the image
 * headers, the zip reader, the class folders and the whole import. Whatever
 * the files hold and are called, nothing throws past the import, every file
 * is accounted for, and the dataset it returns is one the engine can take.
 */

const FORMATS: ImageFormat[] = ['png', 'jpeg', 'gif', 'webp', 'bmp'];
const HEADERS = [pngHeader, jpegHeader, gifHeader, bmpHeader, webpLossyHeader, webpLosslessHeader, webpExtendedHeader];

/** A file name or path as a drop or a zip may hold it: hostile folder names, climbs, prototype keys, unicode. */
const pathPart = fc.oneof(
  fc.constantFrom('cats', 'dogs', 'a', '..', '.', '', '__MACOSX', '.hidden', 'x.zip', '.zip', 'Thumbs.db', ...PROTOTYPE_KEYS),
  hostileText().map((text) => text.slice(0, 40)),
);
const path = fc.array(pathPart, { minLength: 1, maxLength: 4 }).map((parts) => parts.join(fc.sample(fc.constantFrom('/', '\\'), 1)[0]));

describe('image headers', () => {
  it('read a size within the limits or none, whatever the bytes, and never throw', () => {
    const header = fc
      .tuple(fc.constantFrom(...HEADERS), fc.integer({ min: 0, max: 70_000 }), fc.integer({ min: 0, max: 70_000 }))
      .chain(([make, w, h]) => corruptedBytes(make(w, h)));
    check(
      fc.property(fc.oneof(header, fc.uint8Array({ maxLength: 64 })), fc.constantFrom(...FORMATS), (bytes, claimed) => {
        const format = sniffImageFormat(bytes);
        for (const as of format ? [format, claimed] : [claimed]) {
          const size = readImageSize(bytes, as);
          if (size === null) continue;
          expect(Number.isInteger(size.width) && size.width >= 0 && Number.isInteger(size.height) && size.height >= 0).toBe(true);
          if (imageSizeProblem(size.width, size.height) === null) {
            expect(size.width >= 1 && size.width <= MAX_IMAGE_SIDE && size.height >= 1 && size.height <= MAX_IMAGE_SIDE).toBe(true);
            expect(size.width * size.height).toBeLessThanOrEqual(MAX_IMAGE_PIXELS);
          }
        }
      }),
    );
  });

  it('refuse a fractional size (found: 5e-324×0.5 passed the check a custom decoder is held to)', () => {
    expect(imageSizeProblem(5e-324, 0.5)).toMatch(/not an image size/);
    expect(imageSizeProblem(2.5, 3)).toMatch(/not an image size/);
    expect(imageSizeProblem(3, 2)).toBeNull();
  });

  it('refuse any size a decoder may report that is not a positive size within the limits', () => {
    check(
      fc.property(hostileNumber(), hostileNumber(), (width, height) => {
        if (imageSizeProblem(width, height) === null) {
          expect(width >= 1 && height >= 1 && width <= MAX_IMAGE_SIDE && height <= MAX_IMAGE_SIDE && width * height <= MAX_IMAGE_PIXELS).toBe(true);
        }
      }),
    );
  });
});

describe('class folders', () => {
  it('give classes the model can take, or none with a reason, for any paths', () => {
    check(
      fc.property(fc.array(path, { maxLength: 40 }), (paths) => {
        const { classes, reason } = classesFromPaths(paths);
        if (!classes) {
          expect(typeof reason).toBe('string');
          return;
        }
        const { labels, classNames } = classes;
        expect(labels.length).toBe(paths.length);
        expect(classNames.length).toBeGreaterThanOrEqual(2);
        expect(classNames.length).toBeLessThanOrEqual(Math.min(MAX_CLASSES, CONFIG_SPEC.classes.range!.max));
        expect(new Set(classNames).size).toBe(classNames.length);
        for (const label of labels) expect(label >= 0 && label < classNames.length).toBe(true);
        // A model of that many classes keeps the names in its file (readModelMeta drops names it would not keep).
        const config = { ...DEFAULT_CONFIG, classes: classNames.length };
        expect(readModelMeta({ classNames }, config).dropped).toEqual([]);
      }),
    );
  });

  it('take no more than the most classes, from 500 folders or from one', () => {
    const many = Array.from({ length: 500 }, (_, i) => `set/class ${i}/a.png`);
    expect(classesFromPaths(many).classes).toBeNull();
    expect(classesFromPaths(many).reason).toMatch(/500 folders/);
    expect(classesFromPaths(['__proto__/a.png', 'constructor/b.png']).classes?.classNames).toEqual(['__proto__', 'constructor']);
  });
});

/** Stands for an entry called "__proto__" while fflate writes the zip (its writer cannot take that key); the same length, put back after. */
const PROTO_STAND_IN = 'ZZPROTOZZ';

/** A zip of `entries` (path → bytes), stored, as fflate writes one; an entry may be called "__proto__". */
function zipOf(entries: ReadonlyArray<[string, Uint8Array]>): Uint8Array {
  const tree: Record<string, Uint8Array> = {};
  for (const [name, bytes] of entries) tree[name === '__proto__' ? PROTO_STAND_IN : name] = bytes;
  const zip = zipSync(tree, { level: 0 });
  const stand = new TextEncoder().encode(PROTO_STAND_IN);
  const proto = new TextEncoder().encode('__proto__');
  for (let i = 0; i + stand.length <= zip.length; i++) if (stand.every((b, j) => zip[i + j] === b)) zip.set(proto, i);
  return zip;
}

const zipEntries = fc.uniqueArray(fc.tuple(path, fc.constantFrom(pngHeader(2, 2), jpegHeader(3, 1), new Uint8Array([1, 2, 3]))), {
  selector: ([name]) => name,
  maxLength: 8,
});

describe('the zip reader', () => {
  it('opens a zip or refuses it with a ZipError, whatever its bytes', () => {
    const valid = zipOf([
      ['cats/a.png', pngHeader(2, 2)],
      ['dogs/b.jpg', jpegHeader(2, 2)],
    ]);
    check(
      fc.property(corruptedBytes(valid), (bytes) => {
        try {
          const { files, skipped } = extractZip('drop.zip', bytes);
          for (const file of [...files, ...skipped]) expect(file.name.startsWith('drop.zip/')).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(ZipError);
        }
      }),
    );
  });

  it('lists an entry called "__proto__" as skipped (found: it vanished unreported)', () => {
    const { files, skipped } = extractZip('drop.zip', zipOf([['__proto__', pngHeader(2, 2)]]));
    expect(files).toEqual([]);
    expect(skipped).toEqual([{ name: 'drop.zip/__proto__', reason: expect.stringMatching(/__proto__/) as unknown }]);
  });

  it('accounts for every entry, whatever it is called, and opens none outside the zip', () => {
    check(
      fc.property(zipEntries, (entries) => {
        const { files, skipped, ignored } = extractZip('drop.zip', zipOf(entries));
        // Folders end in a slash, or have no name once "." parts and slashes are set aside.
        const isFile = (name: string) => !/[/\\]$/.test(name) && name.split(/[/\\]/).some((part) => part !== '' && part !== '.');
        const nonFolders = entries.filter(([name]) => isFile(name));
        expect(files.length + skipped.length + ignored).toBe(nonFolders.length);
        for (const file of files) expect(file.name.split('/')).not.toContain('..');
      }),
    );
  });
});

/** Stands in for the browser's decoder: a small image for any image file, and now and then a decoder that lies. */
function decoder(lie: 'none' | 'size' | 'bytes' | 'throws'): (file: InputFile) => Promise<DecodedImage> {
  return async (file) => {
    const bytes = file.bytes instanceof Uint8Array ? file.bytes : new Uint8Array(file.bytes);
    if (!sniffImageFormat(bytes)) throw new ImageDecodeError('not an image');
    if (lie === 'size') return { width: NaN, height: -3, rgba: new Uint8ClampedArray(0) };
    if (lie === 'bytes') return { width: 2, height: 2, rgba: new Uint8ClampedArray(5) };
    if (lie === 'throws') throw new TypeError('decoder failed');
    return rgbaImage(2, 2, (x, y) => [x * 200, y * 100, 50, 255]);
  };
}

describe('an import', () => {
  const file = fc.record({
    name: path,
    bytes: fc.oneof(
      fc.constantFrom(...HEADERS).map((make) => make(2, 2)),
      fc.constantFrom(...HEADERS).chain((make) => corruptedBytes(make(3, 2))),
      fc.uint8Array({ maxLength: 32 }),
      zipEntries.map(zipOf),
    ),
  });
  const target: ImageTarget = { width: 3, height: 2, channels: 1, levels: 4 };

  it('never throws, accounts for every file, and returns a dataset the model of its size can take', async () => {
    await check(
      fc.asyncProperty(
        fc.array(file, { maxLength: 12 }),
        fc.constantFrom('none', 'size', 'bytes', 'throws') as fc.Arbitrary<'none' | 'size' | 'bytes' | 'throws'>,
        async (files, lie) => {
          const report = await importImages(files, target, { decode: decoder(lie) });
          expect(report.accepted).toBe(report.acceptedNames.length);
          expect(typeof report.message).toBe('string');
          for (const skip of report.skipped) expect(typeof skip.reason).toBe('string');
          const { dataset } = report;
          if (!dataset) {
            expect(report.accepted).toBe(0);
            return;
          }
          expect(lie).toBe('none');
          expect(dataset.count).toBe(report.accepted);
          expect(dataset.pixels.length).toBe(dataset.count * target.width * target.height * target.channels);
          expect(dataset.pixels.every((level) => level < target.levels)).toBe(true);
          if (dataset.labels) {
            expect(dataset.labels.length).toBe(dataset.count);
            expect(dataset.classNames!.length).toBeGreaterThanOrEqual(2);
            for (const label of dataset.labels) expect(label >= 0 && label < dataset.classNames!.length).toBe(true);
          }
        },
      ),
      0.3,
    );
  });
});
