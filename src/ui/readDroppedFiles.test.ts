import { describe, expect, it } from 'vitest';
import { readForImport, type NamedFile } from './readDroppedFiles';

/** A file whose bytes arrive a macrotask later, as a disk read does, counting its reads. */
function slowFile(name: string, reads: string[]): NamedFile {
  const file = new File([new Uint8Array([1, 2, 3])], name);
  const read = file.arrayBuffer.bind(file);
  file.arrayBuffer = async () => {
    await new Promise((resolve) => setTimeout(resolve, 0));
    reads.push(name);
    return read();
  };
  return { name, file };
}

describe('reading a drop for import', () => {
  it('reads every file in name order', async () => {
    const reads: string[] = [];
    const { files, leftOut } = await readForImport([slowFile('b.png', reads), slowFile('a.png', reads)], () => undefined);
    expect(files.map((f) => f.name)).toEqual(['a.png', 'b.png']);
    expect(leftOut).toEqual([]);
  });

  it('stops between files when cancelled, and rejects with the reason', async () => {
    const reads: string[] = [];
    const named = Array.from({ length: 200 }, (_, i) => slowFile(`${String(i).padStart(3, '0')}.png`, reads));
    const cancel = new AbortController();
    const reading = readForImport(
      named,
      (done) => {
        if (done === 20) cancel.abort(new Error('cancelled by the user'));
      },
      cancel.signal,
    );
    await expect(reading).rejects.toThrow('cancelled by the user');
    // The reads in flight when it was cancelled finish; no new one starts.
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(reads.length).toBeLessThan(20 + 8);
  });
});
