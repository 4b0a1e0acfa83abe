import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { ImageDecodeError, UNDECODABLE_REASON } from './decode';
import { importImages } from './importImages';
import { overCapReason } from './limits';
import { fakeDecoder, gifHeader, jpegHeader, pngHeader, rgbaImage, textBytes, webpLossyHeader } from './testFixtures';
import type { ImageTarget, ImportProgress, InputFile } from './types';

const gray28: ImageTarget = { width: 28, height: 28, channels: 1, levels: 256 };

function file(name: string, bytes: Uint8Array, type?: string): InputFile {
  return { name, bytes, type };
}

describe('importImages', () => {
  it('says so when nothing was dropped', async () => {
    const report = await importImages([], gray28, { decode: fakeDecoder() });
    expect(report).toMatchObject({ dataset: null, accepted: 0, skipped: [], message: 'No files were dropped.' });
  });

  it('keeps the good files of a mixed drop and lists the bad ones with reasons', async () => {
    const decode = fakeDecoder({ 'broken.png': new ImageDecodeError(UNDECODABLE_REASON) });
    const report = await importImages(
      [
        file('b.jpg', jpegHeader(64, 48)),
        file('notes.txt', textBytes('hello'), 'text/plain'),
        file('a.png', pngHeader(28, 28)),
        file('broken.png', pngHeader(10, 10)),
        file('c.webp', webpLossyHeader(30, 30)),
        file('.DS_Store', new Uint8Array(8)),
      ],
      gray28,
      { decode },
    );
    expect(report.accepted).toBe(3);
    expect(report.acceptedNames).toEqual(['a.png', 'b.jpg', 'c.webp']);
    expect(report.skipped).toEqual([
      { name: 'broken.png', reason: 'corrupt or truncated image: could not decode' },
      { name: 'notes.txt', reason: 'not an image (text/plain)' },
    ]);
    expect(report.ignored).toBe(1);
    expect(report.dataset).toMatchObject({ width: 28, height: 28, channels: 1, levels: 256, count: 3 });
    expect(report.dataset?.pixels.length).toBe(3 * 28 * 28);
    expect(report.dataset?.pixels.every((v) => v === 128)).toBe(true); // the fake decoder's flat gray
    expect(report.message).toBe('Imported 3 images as 28×28 grayscale with 256 levels. Skipped 2 files; see the list for reasons.');
  });

  it('converts mixed sizes and modes (gray, colour with alpha, palette-like) to the target format', async () => {
    const target: ImageTarget = { width: 2, height: 2, channels: 3, levels: 16 };
    const decode = fakeDecoder({
      // 4×4 grayscale: left half black, right half white.
      'gray.png': rgbaImage(4, 4, (x) => (x < 2 ? [0, 0, 0] : [255, 255, 255])),
      // 6×2 RGBA, wide: the centre 2×2 is kept; transparent top row becomes white.
      'alpha.png': rgbaImage(6, 2, (x, y) => (x === 0 || x === 5 ? [9, 9, 9] : y === 0 ? [0, 0, 0, 0] : [255, 0, 0])),
      // 1×1 "palette" image: upsampled to 2×2.
      'palette.gif': rgbaImage(1, 1, () => [0, 255, 0]),
    });
    const report = await importImages([file('palette.gif', gifHeader(1, 1)), file('gray.png', pngHeader(4, 4)), file('alpha.png', pngHeader(6, 2))], target, {
      decode,
    });
    expect(report.acceptedNames).toEqual(['alpha.png', 'gray.png', 'palette.gif']);
    const px = Array.from(report.dataset?.pixels ?? []);
    const image = (i: number): number[] => px.slice(i * 12, (i + 1) * 12);
    expect(image(0)).toEqual([15, 15, 15, 15, 15, 15, 15, 0, 0, 15, 0, 0]);
    expect(image(1)).toEqual([0, 0, 0, 15, 15, 15, 0, 0, 0, 15, 15, 15]);
    expect(image(2)).toEqual([0, 15, 0, 0, 15, 0, 0, 15, 0, 0, 15, 0]);
  });

  it('area-averages and quantises real pixel values', async () => {
    // 4×4 with a 2×2 block structure; each 2×2 block averages to a known value.
    const values = [
      [0, 20, 100, 100],
      [40, 60, 100, 100],
      [255, 255, 10, 30],
      [255, 255, 50, 70],
    ];
    const decode = fakeDecoder({ 'x.png': rgbaImage(4, 4, (x, y) => [values[y][x], values[y][x], values[y][x]]) });
    const report = await importImages([file('x.png', pngHeader(4, 4))], { width: 2, height: 2, channels: 1, levels: 256 }, { decode });
    expect(Array.from(report.dataset?.pixels ?? [])).toEqual([30, 100, 255, 40]);
  });

  it('refuses zero-sized images', async () => {
    const decode = fakeDecoder({ 'empty-decode.gif': rgbaImage(0, 0, () => [0, 0, 0]) });
    const report = await importImages([file('zero.png', pngHeader(0, 0)), file('empty-decode.gif', gifHeader(3, 3))], gray28, { decode });
    expect(report.skipped).toEqual([
      { name: 'empty-decode.gif', reason: 'zero-sized image (0×0)' },
      { name: 'zero.png', reason: 'zero-sized image (0×0)' },
    ]);
    expect(decode.calls).toEqual(['empty-decode.gif']); // the header check saved a decode
  });

  it('refuses too-large images before decoding them, and checks the decoder output too', async () => {
    const huge = { width: 9000, height: 10, rgba: new Uint8ClampedArray(0) };
    const decode = fakeDecoder({ 'lying-header.png': huge });
    const report = await importImages(
      [file('huge.png', pngHeader(20000, 20000)), file('lying-header.png', pngHeader(5, 5)), file('ok.png', pngHeader(3, 3))],
      gray28,
      { decode },
    );
    expect(report.acceptedNames).toEqual(['ok.png']);
    expect(report.skipped).toEqual([
      { name: 'huge.png', reason: 'image too large (20000×20000 px; the limit is 8192 px per side and 40 megapixels)' },
      { name: 'lying-header.png', reason: 'image too large (9000×10 px; the limit is 8192 px per side and 40 megapixels)' },
    ]);
    expect(decode.calls).not.toContain('huge.png');
  });

  it('caps the number of files, keeping the first by name', async () => {
    const names = ['f07.png', 'f02.png', 'f05.png', 'f01.png', 'f06.png', 'f03.png', 'f04.png'];
    const decode = fakeDecoder();
    const report = await importImages(
      names.map((n) => file(n, pngHeader(2, 2))),
      gray28,
      { decode, maxFiles: 5 },
    );
    expect(report.acceptedNames).toEqual(['f01.png', 'f02.png', 'f03.png', 'f04.png', 'f05.png']);
    expect(report.skipped).toEqual([
      { name: 'f06.png', reason: 'over the 5-file cap' },
      { name: 'f07.png', reason: 'over the 5-file cap' },
    ]);
    expect(decode.calls).toHaveLength(5);
    expect(overCapReason(5000)).toBe('over the 5,000-file cap');
  });

  it('does not let non-images use up the cap', async () => {
    const report = await importImages([file('a.txt', textBytes('x')), file('b.png', pngHeader(2, 2)), file('c.png', pngHeader(2, 2))], gray28, {
      decode: fakeDecoder(),
      maxFiles: 2,
    });
    expect(report.acceptedNames).toEqual(['b.png', 'c.png']);
  });

  it('explains when none of the files were usable', async () => {
    const report = await importImages(
      [file('a.txt', textBytes('x'), 'text/plain'), file('b.pdf', textBytes('%PDF-1.4')), file('c.png', pngHeader(0, 0))],
      gray28,
      { decode: fakeDecoder() },
    );
    expect(report.dataset).toBeNull();
    expect(report.message).toBe(
      'None of the 3 files were usable images: a.txt — not an image (text/plain); b.pdf — not an image (PDF document); ' + 'c.png — zero-sized image (0×0).',
    );
    const one = await importImages([file('a.txt', textBytes('x'), 'text/plain')], gray28, { decode: fakeDecoder() });
    expect(one.message).toBe('The file was not a usable image: a.txt — not an image (text/plain).');
    const junk = await importImages([file('.DS_Store', new Uint8Array(4))], gray28, { decode: fakeDecoder() });
    expect(junk.message).toMatch(/system file/);
  });

  it('expands zips (keeping folder names) alongside loose files, and survives a corrupt zip', async () => {
    const zip = zipSync({
      set: { '1.png': pngHeader(4, 4), '2.png': pngHeader(4, 4), 'readme.md': strToU8('# hi') },
      __MACOSX: { set: { '._1.png': new Uint8Array(4) } },
    });
    const corrupt = zip.slice(0, 40);
    const report = await importImages([file('digits.zip', zip), file('loose.png', pngHeader(5, 5)), file('bad.zip', corrupt)], gray28, {
      decode: fakeDecoder(),
    });
    expect(report.acceptedNames).toEqual(['digits.zip/set/1.png', 'digits.zip/set/2.png', 'loose.png']);
    expect(report.skipped).toHaveLength(2);
    expect(report.skipped[0].name).toBe('bad.zip');
    expect(report.skipped[0].reason).toMatch(/^"bad\.zip" is not a readable zip archive .*corrupt or truncated$/);
    expect(report.skipped[1]).toEqual({ name: 'digits.zip/set/readme.md', reason: 'not an image (.md file)' });
    expect(report.ignored).toBe(1);
  });

  it('takes the top-level folders of a zip, or of a folder drop, as the classes', async () => {
    const zip = zipSync({
      cats: { '1.png': pngHeader(4, 4), '2.png': pngHeader(4, 4) },
      dogs: { '1.png': pngHeader(4, 4), 'puppies/3.png': pngHeader(4, 4), 'notes.txt': strToU8('x') },
    });
    const fromZip = await importImages([file('pets.zip', zip)], gray28, { decode: fakeDecoder() });
    expect(fromZip.acceptedNames).toEqual(['pets.zip/cats/1.png', 'pets.zip/cats/2.png', 'pets.zip/dogs/1.png', 'pets.zip/dogs/puppies/3.png']);
    expect(fromZip.dataset?.classNames).toEqual(['cats', 'dogs']);
    expect(Array.from(fromZip.dataset!.labels!)).toEqual([0, 0, 1, 1]);
    expect(fromZip.unlabelledReason).toBeUndefined();

    // A folder drop, with a skipped file: labels follow the images that were kept.
    const decode = fakeDecoder({ 'pets/b/broken.png': new ImageDecodeError(UNDECODABLE_REASON) });
    const fromFolder = await importImages(
      [
        file('pets/b/2.png', pngHeader(4, 4)),
        file('pets/b/broken.png', pngHeader(4, 4)),
        file('pets/a/1.png', pngHeader(4, 4)),
        file('pets/c/3.png', pngHeader(4, 4)),
      ],
      gray28,
      { decode },
    );
    expect(fromFolder.acceptedNames).toEqual(['pets/a/1.png', 'pets/b/2.png', 'pets/c/3.png']);
    expect(fromFolder.dataset?.classNames).toEqual(['a', 'b', 'c']);
    expect(Array.from(fromFolder.dataset!.labels!)).toEqual([0, 1, 2]);
  });

  it('gives a drop with an image outside the class folders no classes, and says why', async () => {
    const report = await importImages([file('cats/1.png', pngHeader(4, 4)), file('dogs/1.png', pngHeader(4, 4)), file('loose.png', pngHeader(4, 4))], gray28, {
      decode: fakeDecoder(),
    });
    expect(report.accepted).toBe(3);
    expect(report.dataset?.labels).toBeUndefined();
    expect(report.dataset?.classNames).toBeUndefined();
    expect(report.unlabelledReason).toMatch(/^One image is not in a class folder \(such as loose\.png\)/);
  });

  it('reports a zip with nothing in it', async () => {
    const report = await importImages([file('empty.zip', zipSync({ folder: {} }))], gray28, { decode: fakeDecoder() });
    expect(report.skipped).toEqual([{ name: 'empty.zip', reason: 'the zip archive contains no files (only folders or system files)' }]);
  });

  it('turns unexpected decoder failures into a reason instead of failing the import', async () => {
    const report = await importImages([file('odd.png', pngHeader(2, 2)), file('fine.png', pngHeader(2, 2))], gray28, {
      decode: fakeDecoder({ 'odd.png': new TypeError('weird') }),
    });
    expect(report.acceptedNames).toEqual(['fine.png']);
    expect(report.skipped).toEqual([{ name: 'odd.png', reason: 'corrupt or truncated image: could not decode (weird)' }]);
  });

  it('reports progress through both stages', async () => {
    const events: ImportProgress[] = [];
    await importImages([file('a.png', pngHeader(2, 2)), file('b.txt', textBytes('x'))], gray28, {
      decode: fakeDecoder(),
      onProgress: (p) => events.push(p),
    });
    expect(events).toEqual([
      { stage: 'unpacking', done: 1, total: 2, name: 'a.png' },
      { stage: 'unpacking', done: 2, total: 2, name: 'b.txt' },
      { stage: 'decoding', done: 1, total: 1, name: 'a.png' },
    ]);
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(importImages([file('a.png', pngHeader(2, 2))], gray28, { decode: fakeDecoder(), signal: controller.signal })).rejects.toThrow();
  });

  it('rejects an impossible target', async () => {
    await expect(importImages([], { width: 0, height: 28, channels: 1, levels: 256 })).rejects.toThrow(RangeError);
    await expect(importImages([], { width: 28, height: 28, channels: 1, levels: 1 })).rejects.toThrow(RangeError);
  });
});
