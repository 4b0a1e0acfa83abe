import { describe, expect, it } from 'vitest';
import { readStoredFiles } from './storedFiles';

/** The user's images as browser storage gives them back: each entry read on its own, what does not read left out and named. */
describe('the stored images, read file by file', () => {
  const bytes = new Uint8Array([1, 2, 3]);
  const good = { name: 'cats/a.png', bytes, type: 'image/png' };

  it('keeps every file of its kind, and reads nothing stored as nothing', () => {
    expect(readStoredFiles([good, { name: 'b.png', bytes: bytes.buffer }])).toEqual({
      files: [good, { name: 'b.png', bytes: bytes.buffer }],
      report: { missing: [], wrongKind: [] },
    });
    expect(readStoredFiles(null)).toEqual({ files: null, report: { missing: [], wrongKind: [] } });
    expect(readStoredFiles(undefined).files).toBeNull();
  });

  for (const field of ['name', 'bytes'] as const) {
    it(`leaves out a file without '${field}', or with one of the wrong kind, naming it, and keeps the rest`, () => {
      const { [field]: _gone, ...rest } = good;
      expect(readStoredFiles([rest, good])).toEqual({ files: [good], report: { missing: [`file 1: ${field}`], wrongKind: [] } });
      expect(readStoredFiles([good, { ...good, [field]: 42 }])).toEqual({ files: [good], report: { missing: [], wrongKind: [`file 2: ${field}`] } });
    });
  }

  it('drops a type of the wrong kind, keeping the file; names entries and lists that are not of their kind', () => {
    expect(readStoredFiles([{ ...good, type: 5 }])).toEqual({ files: [{ name: good.name, bytes }], report: { missing: [], wrongKind: ['file 1: type'] } });
    expect(readStoredFiles(['a.png', good]).report.wrongKind).toEqual(['file 1']);
    expect(readStoredFiles({ files: [] })).toEqual({ files: null, report: { missing: [], wrongKind: ['files'] } });
  });
});
