import { type PixelCNNConfig, ConfigError, describeConfig, isConfigShape, sameArchitecture, validateConfig, withLaterFields } from '../model/config';
import { type FieldReport, droppedSentence, emptyReport, isNumber, isRecord, isText, isWholeNumber } from '../model/fields';
import { MODEL_ORIGINS } from '../model/modelMeta';
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

  /** What the last read of the index dropped, and the notice last given for it. */
  private lastReport: FieldReport = emptyReport();
  private lastSaid: string | null = null;

  /** Newest first; an unreadable index reads as an empty history, and what could not be read is kept for readNotice. */
  async entries(): Promise<StoredCheckpoint[]> {
    const { entries, report } = readCheckpointIndex(await this.storage.readIndex());
    this.lastReport = report;
    return entries;
  }

  /** A notice naming what the index had missing or of the wrong kind, once for each such finding; null when there is nothing new to say. */
  readNotice(): string | null {
    const said = droppedSentence(
      'The training history',
      this.lastReport,
      'checkpoints are listed without {them}, and one that cannot be found again is left out',
    );
    if (said === null || said === this.lastSaid) return null;
    this.lastSaid = said;
    return said;
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

/**
 * The stored index read entry by entry (fields.ts): an entry without an id,
 * a readable architecture, a step count or a time cannot be found or listed
 * again and is left out; a score, origin, note or description of the wrong
 * kind is dropped (no score, 'restored', no note, the architecture's own
 * description). Each is named, as "checkpoint 3: note". Never throws.
 */
export function readCheckpointIndex(raw: unknown): { entries: StoredCheckpoint[]; report: FieldReport } {
  const report = emptyReport();
  if (raw === undefined || raw === null) return { entries: [], report };
  if (!Array.isArray(raw)) {
    report.wrongKind.push('index');
    return { entries: [], report };
  }
  const entries: StoredCheckpoint[] = [];
  raw.forEach((value: unknown, i) => {
    if (!isRecord(value)) {
      report.wrongKind.push(`entry ${i + 1}`);
      return;
    }
    const name = isWholeNumber(value.id) ? `checkpoint ${String(value.id)}` : `entry ${i + 1}`;
    const problem = (field: string, given: unknown) => (given === undefined ? report.missing : report.wrongKind).push(`${name}: ${field}`);
    const config = readConfig(value.config);
    const required: Array<[string, boolean]> = [
      ['id', isWholeNumber(value.id)],
      ['config', config !== null],
      ['steps', isWholeNumber(value.steps)],
      ['savedAt', isText(value.savedAt)],
    ];
    const unread = required.filter(([, ok]) => !ok);
    for (const [field] of unread) problem(field, value[field]);
    if (unread.length > 0 || config === null) return;
    const score = value.heldOutBitsPerDim;
    if (score !== null && score !== undefined && !isNumber(score)) problem('heldOutBitsPerDim', score);
    // Indexes written before origins were recorded have none: they read as restored, unremarked.
    if (value.origin !== undefined && !MODEL_ORIGINS.includes(value.origin as ModelOrigin)) problem('origin', value.origin);
    if (!isText(value.note)) problem('note', value.note);
    if (!isText(value.description)) problem('description', value.description);
    entries.push({
      id: value.id as number,
      steps: value.steps as number,
      savedAt: value.savedAt as string,
      heldOutBitsPerDim: isNumber(score) ? (score as number) : null,
      origin: MODEL_ORIGINS.includes(value.origin as ModelOrigin) ? (value.origin as ModelOrigin) : 'restored',
      note: isText(value.note) ? (value.note as string) : '',
      description: isText(value.description) ? (value.description as string) : describeConfig(config),
      config,
    });
  });
  return { entries: entries.sort((a, b) => b.id - a.id), report };
}

/** A checkpoint's architecture, as its model file would read it, or null. */
function readConfig(value: unknown): PixelCNNConfig | null {
  if (!isRecord(value)) return null;
  const config = withLaterFields(value);
  if (!isConfigShape(config)) return null;
  try {
    validateConfig(config);
  } catch (error) {
    if (error instanceof ConfigError) return null;
    throw error;
  }
  return config;
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
