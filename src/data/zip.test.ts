import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { ZipError, extractZip, isJunkPath } from './zip';
import { jpegHeader, pngHeader } from './testFixtures';

const png = pngHeader(8, 8);
const jpeg = jpegHeader(8, 8);

function names(files: { name: string }[]): string[] {
  return files.map((f) => f.name).sort();
}

/** Rewrites the compression method of every central-directory record (fflate can only write 0 or 8). */
function withCompressionMethod(zip: Uint8Array, method: number): Uint8Array {
  const out = zip.slice();
  for (let i = 0; i + 4 <= out.length; i++) {
    if (out[i] === 0x50 && out[i + 1] === 0x4b && out[i + 2] === 0x01 && out[i + 3] === 0x02) {
      out[i + 10] = method & 0xff;
      out[i + 11] = method >>> 8;
    }
  }
  return out;
}

describe('isJunkPath', () => {
  it.each(['__MACOSX/photos/._a.png', 'photos/.DS_Store', 'photos/._a.png', 'Thumbs.db', 'a/desktop.ini', '.git/config', 'a/.hidden/b.png'])(
    'treats %s as junk',
    (path) => expect(isJunkPath(path)).toBe(true),
  );
  it.each(['photos/a.png', 'a.b/c.png', 'my__MACOSX_notes/a.png'])('keeps %s', (path) => expect(isJunkPath(path)).toBe(false));
});

describe('extractZip', () => {
  const archive = zipSync({
    photos: {
      cats: { 'tabby.png': png },
      dogs: { 'rex.jpg': jpeg, deep: { er: { 'pup.png': png } } },
      'notes.txt': strToU8('not a picture'),
      '.DS_Store': new Uint8Array([0, 0, 0, 1]),
      'Thumbs.db': new Uint8Array([1, 2, 3]),
      'misnamed.jpg': png, // content wins over the extension
    },
    __MACOSX: { photos: { '._tabby.png': new Uint8Array([0, 5, 22, 7]) } },
    'empty-folder': {},
  });

  it('returns images with their folder paths, prefixed by the zip name', () => {
    const { files } = extractZip('drop/pets.zip', archive);
    expect(names(files)).toEqual([
      'drop/pets.zip/photos/cats/tabby.png',
      'drop/pets.zip/photos/dogs/deep/er/pup.png',
      'drop/pets.zip/photos/dogs/rex.jpg',
      'drop/pets.zip/photos/misnamed.jpg',
    ]);
    const tabby = files.find((f) => f.name.endsWith('tabby.png'));
    expect(Array.from(tabby?.bytes as Uint8Array)).toEqual(Array.from(png));
  });

  it('reports non-images with a reason and silently ignores clutter and folders', () => {
    const { skipped, ignored } = extractZip('pets.zip', archive);
    expect(skipped).toEqual([{ name: 'pets.zip/photos/notes.txt', reason: 'not an image (.txt file)' }]);
    expect(ignored).toBe(3); // .DS_Store, Thumbs.db, __MACOSX/…/._tabby.png
  });

  it('does not open a zip inside the zip', () => {
    const inner = zipSync({ 'a.png': png });
    const { files, skipped } = extractZip('outer.zip', zipSync({ 'inner.zip': inner, 'b.png': png }));
    expect(names(files)).toEqual(['outer.zip/b.png']);
    expect(skipped[0].name).toBe('outer.zip/inner.zip');
    expect(skipped[0].reason).toMatch(/zip inside a zip/);
  });

  it('normalises Windows-style backslash paths', () => {
    const { files } = extractZip('win.zip', zipSync({ 'dir\\sub\\c.png': png }));
    expect(names(files)).toEqual(['win.zip/dir/sub/c.png']);
  });

  it('skips entries that use a compression method it cannot inflate', () => {
    const zip = withCompressionMethod(zipSync({ 'a.png': png }), 14);
    const { files, skipped } = extractZip('lzma.zip', zip);
    expect(files).toEqual([]);
    expect(skipped).toEqual([
      {
        name: 'lzma.zip/a.png',
        reason: 'compressed with an unsupported zip method (LZMA); re-create the zip with standard Deflate compression',
      },
    ]);
  });

  it('throws a ZipError naming the file for a corrupt or truncated zip', () => {
    const truncated = archive.subarray(0, Math.floor(archive.length / 2));
    expect(() => extractZip('broken.zip', truncated)).toThrow(ZipError);
    expect(() => extractZip('broken.zip', truncated)).toThrow(/"broken\.zip" is not a readable zip archive/);
    const garbage = Uint8Array.from([0x50, 0x4b, 0x03, 0x04, ...new Array(64).fill(7)]);
    expect(() => extractZip('garbage.zip', garbage)).toThrow(/"garbage\.zip" .*corrupt or truncated/);
  });

  it('refuses a zip that would expand beyond the size cap (zip bomb)', () => {
    // 4 MB of zeros deflates to a few kilobytes.
    const bomb = zipSync({ 'zeros.bmp': new Uint8Array(4 * 1024 * 1024) });
    expect(bomb.length).toBeLessThan(64 * 1024);
    expect(() => extractZip('bomb.zip', bomb, { maxTotalBytes: 1024 * 1024, maxEntries: 100 })).toThrow(
      '"bomb.zip" would expand to more than 1 MB, which is too large to open in the browser; drop a smaller selection of images.',
    );
  });

  it('refuses a zip with too many entries', () => {
    const many = zipSync(Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`f${i}.png`, png])));
    expect(() => extractZip('many.zip', many, { maxTotalBytes: 1e9, maxEntries: 5 })).toThrow(/"many\.zip" lists more than 5 entries/);
    expect(extractZip('many.zip', many, { maxTotalBytes: 1e9, maxEntries: 6 }).files).toHaveLength(6);
  });

  it('handles an empty zip', () => {
    expect(extractZip('empty.zip', zipSync({}))).toEqual({ files: [], skipped: [], ignored: 0 });
  });
});

describe('extractZip and paths that climb out', () => {
  it('lists an entry with ".." in its path as skipped, with the reason, instead of dropping it unreported', () => {
    const archive = zipSync({ '../evil.png': png, 'a/../../b.png': png, 'ok.png': png });
    const contents = extractZip('x.zip', archive);
    expect(names(contents.files)).toEqual(['x.zip/ok.png']);
    expect(contents.skipped.map((s) => s.name).sort()).toEqual(['x.zip/../evil.png', 'x.zip/a/../../b.png']);
    for (const entry of contents.skipped) expect(entry.reason).toContain('climbs out of the zip ("..")');
    expect(contents.ignored).toBe(0);
  });
});
