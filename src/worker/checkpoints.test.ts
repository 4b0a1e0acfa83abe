import { describe, expect, it } from 'vitest';
import type { PixelCNNConfig } from '../model/config';
import type { SavedModel } from '../model/serialize';
import { CheckpointHistory, type CheckpointFacts, memoryCheckpointStorage, readCheckpointIndex } from './checkpoints';

const small: PixelCNNConfig = {
  height: 4,
  width: 4,
  colorChannels: 1,
  levels: 4,
  hiddenChannels: 4,
  layers: 2,
  kernelSize: 3,
  headChannels: 0,
  inputEmbedding: 0,
  architecture: 'pixelcnn',
  firstKernelSize: 3,
  position: false,
  classes: 0,
  labelDropout: 0,
};
const wide: PixelCNNConfig = { ...small, hiddenChannels: 8 };

/** A stand-in model file whose step count names it, so a restore can be checked. */
function fakeModel(config: PixelCNNConfig, tag: number): SavedModel {
  return { format: 'pixelcnn-studio-model', version: 1, config, tensors: [], meta: { steps: tag } };
}

const facts = (steps: number, heldOutBitsPerDim: number | null, note = 'training'): CheckpointFacts => ({ steps, heldOutBitsPerDim, origin: 'restored', note });

describe('the checkpoint history', () => {
  it('lists newest first, keeps the last five and the best held-out score, and deletes the weights of the rest', async () => {
    const storage = memoryCheckpointStorage();
    let clock = Date.parse('2026-11-30T10:00:00Z');
    const history = new CheckpointHistory(storage, 5, () => new Date((clock += 60_000)));
    // Held-out scores: the third checkpoint (0.90) is the best, and later ones only get worse.
    const scores = [1.2, 1.0, 0.9, 0.95, 1.1, 1.3, 1.4, 1.5, 2.0];
    for (const [i, score] of scores.entries()) await history.add(fakeModel(small, i + 1), facts((i + 1) * 50, score));

    const entries = await history.entries();
    expect(entries.map((e) => e.id)).toEqual([9, 8, 7, 6, 5, 3]);
    expect(entries.map((e) => e.steps)).toEqual([450, 400, 350, 300, 250, 150]);
    expect(entries[0].savedAt > entries[1].savedAt).toBe(true);
    expect(storage.modelIds()).toEqual([3, 5, 6, 7, 8, 9]);
    expect((await history.best(small))?.id).toBe(3);

    const listing = await history.listing(small, true);
    expect(listing.bestId).toBe(3);
    expect(listing.pretrained).toBe(true);
    expect(listing.entries[0]).toEqual({
      id: 9,
      steps: 450,
      savedAt: '2026-11-30T10:09:00.000Z',
      heldOutBitsPerDim: 2,
      origin: 'restored',
      note: 'training',
      description: 'PixelCNN, 4×4 grayscale, 4 levels, 2 layers of 4 channels, 3×3 kernels',
    });
  });

  it('restores the weights it stored, and nothing once pruned', async () => {
    const history = new CheckpointHistory(memoryCheckpointStorage(), 2);
    await history.add(fakeModel(small, 1), facts(10, null));
    await history.add(fakeModel(small, 2), facts(20, null));
    await history.add(fakeModel(small, 3), facts(30, null));
    expect((await history.read(3))?.meta.steps).toBe(3);
    expect((await history.read(2))?.meta.steps).toBe(2);
    expect(await history.read(1)).toBeNull();
    // With no held-out scores, "best" is the newest of the architecture.
    expect((await history.best(small))?.id).toBe(3);
  });

  it('keeps the best of each recent architecture, and picks the best of the one asked for', async () => {
    const history = new CheckpointHistory(memoryCheckpointStorage(), 3);
    await history.add(fakeModel(small, 1), facts(100, 0.8)); // small's best
    await history.add(fakeModel(small, 2), facts(200, 1.0));
    await history.add(fakeModel(wide, 3), facts(0, null, 'before Reset'));
    await history.add(fakeModel(wide, 4), facts(50, 2.0));
    await history.add(fakeModel(wide, 5), facts(100, 1.5));
    // Recent: 5, 4, 3 (all wide); small is no longer among them, so its best goes too.
    expect((await history.entries()).map((e) => e.id)).toEqual([5, 4, 3]);
    await history.add(fakeModel(small, 6), facts(250, 1.1));
    // Recent: 6, 5, 4; wide's best (5) is recent; small's best among what is left is 6.
    expect((await history.entries()).map((e) => e.id)).toEqual([6, 5, 4]);
    expect((await history.best(wide))?.id).toBe(5);
    expect((await history.best(small))?.id).toBe(6);
    expect((await history.listing(wide, false)).bestId).toBe(5);
  });

  it('reads an unreadable index as an empty history and drops entries it cannot read', async () => {
    const storage = memoryCheckpointStorage();
    await storage.writeIndex('nonsense' as never);
    const history = new CheckpointHistory(storage);
    expect(await history.entries()).toEqual([]);
    await storage.writeIndex([{ id: 1 } as never]);
    expect(await history.entries()).toEqual([]);
    expect((await history.add(fakeModel(small, 1), facts(1, Number.NaN))).heldOutBitsPerDim).toBeNull();
  });
});

describe('the stored index, read entry by entry', () => {
  const good = {
    id: 2,
    steps: 10,
    savedAt: '2026-12-07T08:00:00.000Z',
    heldOutBitsPerDim: 1.5,
    origin: 'new',
    note: 'training paused',
    description: 'PixelCNN',
    config: small,
  };

  it('keeps every entry of its kind as it is', () => {
    expect(readCheckpointIndex([good])).toEqual({ entries: [good], report: { missing: [], wrongKind: [] } });
    expect(readCheckpointIndex(undefined)).toEqual({ entries: [], report: { missing: [], wrongKind: [] } });
  });

  // What a checkpoint cannot be found or listed without: the entry is left out, and named.
  for (const field of ['id', 'config', 'steps', 'savedAt'] as const) {
    it(`leaves out an entry without '${field}', or with one of the wrong kind, naming it`, () => {
      const { [field]: _gone, ...rest } = good;
      const name = field === 'id' ? 'entry 1' : 'checkpoint 2';
      expect(readCheckpointIndex([rest])).toEqual({ entries: [], report: { missing: [`${name}: ${field}`], wrongKind: [] } });
      expect(readCheckpointIndex([{ ...good, [field]: field === 'savedAt' ? 5 : 'five' }])).toEqual({
        entries: [],
        report: { missing: [], wrongKind: [`${name}: ${field}`] },
      });
    });
  }

  // What a checkpoint can be listed without: dropped, named, and the entry kept.
  const fallbacks = {
    heldOutBitsPerDim: null,
    origin: 'restored',
    note: '',
    description: 'PixelCNN, 4×4 grayscale, 4 levels, 2 layers of 4 channels, 3×3 kernels',
  };
  for (const field of ['heldOutBitsPerDim', 'origin', 'note', 'description'] as const) {
    it(`keeps an entry whose '${field}' is of the wrong kind, without it, naming it`, () => {
      const { entries, report } = readCheckpointIndex([{ ...good, [field]: { wrong: true } }]);
      expect(entries).toEqual([{ ...good, [field]: fallbacks[field] }]);
      expect(report).toEqual({ missing: [], wrongKind: [`checkpoint 2: ${field}`] });
    });
  }

  it('reads an index that is not a list, or entries that are not records, as nothing, naming them; a history says so once', async () => {
    expect(readCheckpointIndex('nonsense').report.wrongKind).toEqual(['index']);
    expect(readCheckpointIndex([7, good]).report.wrongKind).toEqual(['entry 1']);
    const storage = memoryCheckpointStorage();
    await storage.writeIndex([good, { ...good, id: 3, note: 4 }] as never);
    const history = new CheckpointHistory(storage);
    expect((await history.entries()).map((e) => e.id)).toEqual([3, 2]);
    expect(history.readNotice()).toBe(
      "The training history had 'checkpoint 3: note' of the wrong kind; checkpoints are listed without it, and one that cannot be found again is left out.",
    );
    await history.entries();
    expect(history.readNotice()).toBeNull();
  });
});
