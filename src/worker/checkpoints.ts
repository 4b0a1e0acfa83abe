import { type PixelCNNConfig, describeConfig, sameArchitecture } from '../model/config';
import type { SavedModel } from '../model/serialize';
import type { CheckpointInfo, CheckpointList, ModelOrigin } from './protocol';

/**
 * A short history of saved weights, so training can be undone: the last few
 * checkpoints, and for each architecture among them the one with the best
 * held-out bits/dim, whenever it was saved. Everything else is pruned.
 *
 * The history keeps a small index (what the History list shows) apart from
 * the weights, so listing it never reads a model. The storage is injected:
 * IndexedDB in the worker (modelStore.ts), memory in tests.
 */
export interface CheckpointStorage {
  readIndex(): Promise<unknown>;
  writeIndex(entries: StoredCheckpoint[]): Promise<void>;
  readModel(id: number): Promise<SavedModel | null>;
  writeModel(id: number, model: SavedModel): Promise<void>;
  deleteModel(id: number): Promise<void>;
}

/** An index entry: what the list shows, and the architecture, to find each architecture's best. */
export interface StoredCheckpoint extends CheckpointInfo {
  config: PixelCNNConfig;
}

/** What is said about a checkpoint when it is taken. */
export interface CheckpointFacts {
  steps: number;
  heldOutBitsPerDim: number | null;
  origin: ModelOrigin;
  /** Why it was taken, as a phrase: "training paused", "before Reset". */
  note: string;
}

/** Checkpoints kept regardless of their score. */
export const KEEP_RECENT = 5;

export class CheckpointHistory {
  constructor(
    private readonly storage: CheckpointStorage,
    private readonly keepRecent = KEEP_RECENT,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Newest first; an unreadable index reads as an empty history. */
  async entries(): Promise<StoredCheckpoint[]> {
    const raw = await this.storage.readIndex();
    if (!Array.isArray(raw)) return [];
    return raw.filter(isStoredCheckpoint).sort((a, b) => b.id - a.id);
  }

  /** Stores `model` as the newest checkpoint and prunes the history; returns its entry. */
  async add(model: SavedModel, facts: CheckpointFacts): Promise<StoredCheckpoint> {
    const entries = await this.entries();
    const entry: StoredCheckpoint = {
      id: (entries[0]?.id ?? 0) + 1,
      steps: facts.steps,
      savedAt: this.now().toISOString(),
      heldOutBitsPerDim: facts.heldOutBitsPerDim !== null && Number.isFinite(facts.heldOutBitsPerDim) ? facts.heldOutBitsPerDim : null,
      origin: facts.origin,
      note: facts.note,
      description: describeConfig(model.config),
      config: { ...model.config },
    };
    // Weights first, then the index that names them: a write cut short leaves an unnamed model, never a name without one.
    await this.storage.writeModel(entry.id, model);
    const all = [entry, ...entries];
    const kept = pruned(all, this.keepRecent);
    await this.storage.writeIndex(kept);
    const keptIds = new Set(kept.map((e) => e.id));
    for (const old of all) if (!keptIds.has(old.id)) await this.storage.deleteModel(old.id);
    return entry;
  }

  /** Deletes checkpoint `id`: its name first, then its weights, so a write cut short leaves an unnamed model, never a name without one. */
  async remove(id: number): Promise<void> {
    const entries = await this.entries();
    if (!entries.some((e) => e.id === id)) return;
    await this.storage.writeIndex(entries.filter((e) => e.id !== id));
    await this.storage.deleteModel(id);
  }

  /** The weights of checkpoint `id`, or null when it is no longer kept. */
  async read(id: number): Promise<SavedModel | null> {
    const entries = await this.entries();
    if (!entries.some((e) => e.id === id)) return null;
    return this.storage.readModel(id);
  }

  /**
   * The checkpoint to go back to for a model of `config`: its best held-out
   * score, or when none was scored, the newest of that architecture.
   */
  async best(config: PixelCNNConfig): Promise<StoredCheckpoint | null> {
    return bestOf((await this.entries()).filter((e) => sameArchitecture(e.config, config)));
  }

  /** What the History list shows, with the best of `current`'s architecture marked. */
  async listing(current: PixelCNNConfig | null, pretrained: boolean): Promise<CheckpointList> {
    const entries = await this.entries();
    const best = current ? bestOf(entries.filter((e) => sameArchitecture(e.config, current))) : null;
    return {
      entries: entries.map(({ config: _config, ...info }) => info),
      bestId: best?.id ?? null,
      pretrained,
    };
  }
}

/** The lowest held-out score (the newer of a tie); with no scores, the newest. Entries come newest first. */
function bestOf(entries: StoredCheckpoint[]): StoredCheckpoint | null {
  let best: StoredCheckpoint | null = null;
  for (const entry of entries) {
    if (entry.heldOutBitsPerDim === null) continue;
    if (!best || entry.heldOutBitsPerDim < best.heldOutBitsPerDim!) best = entry;
  }
  return best ?? entries[0] ?? null;
}

/** The newest `keepRecent`, and the best of each architecture among them (newest first). */
export function pruned(entries: StoredCheckpoint[], keepRecent: number): StoredCheckpoint[] {
  const newestFirst = [...entries].sort((a, b) => b.id - a.id);
  const recent = newestFirst.slice(0, keepRecent);
  const keep = new Set(recent.map((e) => e.id));
  for (const entry of recent) {
    const best = bestOf(newestFirst.filter((e) => sameArchitecture(e.config, entry.config) && e.heldOutBitsPerDim !== null));
    if (best) keep.add(best.id);
  }
  return newestFirst.filter((e) => keep.has(e.id));
}

function isStoredCheckpoint(value: unknown): value is StoredCheckpoint {
  if (typeof value !== 'object' || value === null) return false;
  const e = value as Partial<StoredCheckpoint>;
  return (
    typeof e.id === 'number' &&
    typeof e.steps === 'number' &&
    typeof e.savedAt === 'string' &&
    (e.heldOutBitsPerDim === null || typeof e.heldOutBitsPerDim === 'number') &&
    typeof e.note === 'string' &&
    typeof e.description === 'string' &&
    typeof e.config === 'object' &&
    e.config !== null
  );
}

/** A history kept in memory: for tests, and for a browser without IndexedDB. */
export function memoryCheckpointStorage(): CheckpointStorage & { modelIds(): number[] } {
  let index: StoredCheckpoint[] = [];
  const models = new Map<number, string>();
  return {
    readIndex: async () => structuredClone(index),
    writeIndex: async (entries) => {
      index = structuredClone(entries);
    },
    readModel: async (id) => {
      const text = models.get(id);
      return text ? (JSON.parse(text) as SavedModel) : null;
    },
    writeModel: async (id, model) => {
      models.set(id, JSON.stringify(model));
    },
    deleteModel: async (id) => {
      models.delete(id);
    },
    modelIds: () => [...models.keys()].sort((a, b) => a - b),
  };
}
