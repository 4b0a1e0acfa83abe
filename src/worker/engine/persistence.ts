import { type PixelCNN, type SavedModel, saveModel } from '../../model';
import { formatBytes } from '../../model/memory';
import { CheckpointHistory, memoryCheckpointStorage } from '../checkpoints';
import { errorText } from '../errors';
import type { EngineEvent } from '../protocol';
import type { EngineDeps } from './deps';
import type { ModelSlot } from './modelSlot';

/**
 * Persistence: the model saved in this browser, the training history
 * (checkpoints), the file a user exports, and the claim on browser storage
 * that decides whether this tab writes at all. It knows when the current
 * weights were last saved or checkpointed, not how they came to change.
 */
export interface PersistenceDeps {
  emit(event: EngineEvent, transfer?: Transferable[]): void;
  /** Where the model and the history are kept (the history in memory without `checkpoints`), the claim on browser storage, and its room. */
  storage: Pick<EngineDeps, 'store' | 'checkpoints' | 'claimStorage' | 'checkClaim' | 'storageEstimate'>;
  /** Writes the images in use again (after the site's data was cleared). */
  keepData(): Promise<void>;
  /** The model in use (null before the first), its steps and origin, and what is recorded with its weights. */
  slot: Pick<ModelSlot, 'model' | 'steps' | 'origin' | 'meta'>;
  /** The held-out bits/dim of the weights after `steps` steps, when they were scored. */
  heldOutScore(steps: number): number | null;
  /** Whether the app ships a model the history offers to go back to. */
  shipsModels: boolean;
}

/** Steps between saves to browser storage while training… */
const SAVE_EVERY = 50;
/** …and the longest wait between them: with the step under way, a reload or crash loses at most about 5 s of work. */
const SAVE_INTERVAL_MS = 4_000;
/** While training, a checkpoint joins the history at the first evaluation this long after the last one. */
const CHECKPOINT_INTERVAL_MS = 120_000;
/** Between checks, while no save is due, that the site's data was not cleared under the app (a training run's saves find out by themselves). */
const CLAIM_CHECK_MS = 3_000;

export class Persistence {
  /** False while another tab owns browser storage: nothing is written, and the history lives in memory. */
  private writing = true;
  private readonly savedHistory: CheckpointHistory;
  private readonly localHistory = new CheckpointHistory(memoryCheckpointStorage());
  /** Whether the current weights are already in the history. */
  checkpointed = false;
  /** Whether the current weights changed since they were last saved. */
  private unsaved = false;
  private saveRequested = false;
  private lastSaveTime = 0;
  private lastCheckpointTime = 0;
  /** The steps of the model last saved by this engine, when it saved one. */
  private savedSteps: number | null = null;
  /** Whether the page shows a save problem (a `saveProblem` event), taken back by the next write that succeeds. */
  private problemShown = false;
  /** While everything is written again after the site's data was cleared. */
  private rewriting = false;

  constructor(private readonly deps: PersistenceDeps) {
    this.savedHistory = new CheckpointHistory(deps.storage.checkpoints ?? memoryCheckpointStorage());
  }

  /** Whether this tab writes browser storage. */
  get saving(): boolean {
    return this.writing;
  }

  /** At start-up: saves when `saving` (the page's lock says this tab may), claiming storage first. */
  async start(saving: boolean): Promise<void> {
    this.writing = saving;
    if (saving) await this.claimStorage();
  }

  /**
   * Checks every few seconds, when `idle` and through `enqueue` (after the
   * requests under way), that the site's data was not cleared while no save
   * was due, so a model at rest is written again before a reload could lose
   * it (writeRefused).
   */
  watchClaim(idle: () => boolean, enqueue: (job: () => Promise<void>) => void): void {
    const check = this.deps.storage.checkClaim;
    if (!check) return;
    const timer = setInterval(() => {
      if (!this.writing || this.rewriting || !idle()) return;
      enqueue(async () => {
        try {
          await check();
        } catch (error) {
          // A failed read says nothing about the claim: the next check or write tries again.
          await this.writeRefused(error);
        }
      });
    }, CLAIM_CHECK_MS);
    (timer as unknown as { unref?: () => void }).unref?.();
  }

  /** Gains or gives up browser storage; false when it was so already. */
  async setSaving(saving: boolean): Promise<boolean> {
    if (saving === this.writing) return false;
    this.writing = saving;
    if (saving) await this.claimStorage();
    return true;
  }

  /** A training step changed the weights: neither saved nor in the history now. */
  weightsChanged(): void {
    this.checkpointed = false;
    this.unsaved = true;
  }

  /** `saveNow`: saves at once, or at the next step while training runs. */
  async saveNow(training: boolean): Promise<void> {
    if (training) this.saveRequested = true;
    else if (this.unsaved) await this.persist();
  }

  /** While training: whether the step just taken should be saved. */
  saveDue(step: number, now: number): boolean {
    return step % SAVE_EVERY === 0 || this.saveRequested || now - this.lastSaveTime >= SAVE_INTERVAL_MS;
  }

  /** While training: whether a scored step should join the history. */
  checkpointDue(now: number): boolean {
    return now - this.lastCheckpointTime >= CHECKPOINT_INTERVAL_MS;
  }

  /** The saved history while this tab owns storage; otherwise this tab's own, in memory. */
  history(): CheckpointHistory {
    return this.writing ? this.savedHistory : this.localHistory;
  }

  /** Saves the model in this browser (while this tab owns storage); a failure is a notice. */
  async persist(): Promise<void> {
    const model = this.requireModel();
    if (!this.writing) return;
    const steps = this.deps.slot.steps;
    let saved: SavedModel | null = null;
    try {
      saved = await saveModel(model, this.deps.slot.meta({ savedAt: new Date().toISOString() }));
      await this.deps.storage.store.save(saved);
      this.unsaved = false;
      this.saveRequested = false;
      this.lastSaveTime = performance.now();
      this.savedSteps = steps;
      this.wrote();
    } catch (error) {
      if (await this.writeRefused(error)) return;
      // A full disk is tried again at the next save, not at every step.
      this.saveRequested = false;
      this.lastSaveTime = performance.now();
      if (isStorageFull(error) && saved) return this.storageFull(`The model at step ${steps.toLocaleString('en-US')}`, saved);
      this.deps.emit({ type: 'notice', message: `The model could not be saved in this browser: ${errorText(error)}` });
    }
  }

  /** Adds the current weights to the history, unless they are there already; a failure is a notice. */
  async checkpoint(note: string): Promise<void> {
    const model = this.deps.slot.model;
    if (!model || this.checkpointed) return;
    const steps = this.deps.slot.steps;
    let saved: SavedModel | null = null;
    try {
      saved = await saveModel(model, this.deps.slot.meta({ savedAt: new Date().toISOString() }));
      await this.history().add(saved, { steps, heldOutBitsPerDim: this.deps.heldOutScore(steps), origin: this.deps.slot.origin, note });
      this.checkpointed = true;
      this.lastCheckpointTime = performance.now();
      if (this.writing) this.wrote();
      await this.emitCheckpoints();
    } catch (error) {
      if (await this.writeRefused(error)) return;
      // Tried again at the next evaluation due, not at every one.
      this.lastCheckpointTime = performance.now();
      if (isStorageFull(error) && saved) return this.storageFull(`A checkpoint of step ${steps.toLocaleString('en-US')} (${note})`, saved);
      this.deps.emit({ type: 'notice', message: `A checkpoint could not be kept in this browser: ${errorText(error)}` });
    }
  }

  /**
   * Deletes checkpoint `id` from the history (to make room in browser
   * storage, say). The room it frees may be what a save lacked: the model is
   * saved again when it changed since its last save (at the next step while
   * `training`).
   */
  async deleteCheckpoint(id: number, training: boolean): Promise<void> {
    await this.history().remove(id);
    await this.emitCheckpoints();
    await this.saveNow(training);
  }

  async emitCheckpoints(): Promise<void> {
    try {
      const list = await this.history().listing(this.deps.slot.model?.config ?? null, this.deps.shipsModels);
      this.deps.emit({ type: 'checkpoints', list });
      // What the stored index had missing or of the wrong kind, said once (checkpoints.ts, readCheckpointIndex).
      const dropped = this.history().readNotice();
      if (dropped) this.deps.emit({ type: 'notice', message: dropped });
    } catch (error) {
      this.deps.emit({ type: 'notice', message: `The checkpoint history could not be read: ${errorText(error)}` });
    }
  }

  /** The model as a file to download (the `exported` event). */
  async exportModel(): Promise<void> {
    const model = this.requireModel();
    const steps = this.deps.slot.steps;
    const saved = await saveModel(model, this.deps.slot.meta({ exportedAt: new Date().toISOString() }));
    const { width, height, colorChannels } = model.config;
    const fileName = `pixelcnn-${width}x${height}${colorChannels === 3 ? '-rgb' : ''}-${steps}steps.json`;
    this.deps.emit({ type: 'exported', text: JSON.stringify(saved), fileName });
  }

  /**
   * True when a write was refused because another tab's engine claimed
   * storage since: this engine then stops writing, and tells its page once
   * (which usually knows already, from its lock).
   */
  storageTaken(error: unknown): boolean {
    if (!(error instanceof Error) || error.name !== 'StorageTakenError') return false;
    if (this.writing) this.deps.emit({ type: 'storageTaken' });
    this.writing = false;
    return true;
  }

  /**
   * True when a write was refused for a reason handled here: another tab's
   * engine claimed storage (storageTaken), or the browser's data for the
   * site was cleared while the app ran. Then the model, the images and the
   * history are all still in memory: the claim is made again, the model and
   * images are written again at once, the history starts afresh, and the user
   * is told what happened and what was kept.
   */
  async writeRefused(error: unknown): Promise<boolean> {
    if (this.storageTaken(error)) return true;
    if (!(error instanceof Error) || error.name !== 'StorageClearedError' || this.rewriting || !this.writing) return false;
    this.rewriting = true;
    try {
      await this.claimStorage();
      this.unsaved = true;
      this.checkpointed = false;
      await this.persist();
      await this.deps.keepData();
      await this.emitCheckpoints();
    } finally {
      this.rewriting = false;
    }
    const steps = this.deps.slot.steps.toLocaleString('en-US');
    const kept = this.unsaved
      ? `The model is still here, at step ${steps}, but it could not be saved again: export it (Model panel) to keep it.`
      : `The model is still here, at step ${steps}, and was saved again with your images; the History starts afresh.`;
    this.deps.emit({
      type: 'notice',
      message: `This site's data was cleared in the browser while the app was open, which deleted the saved model, the History and your saved images. ${kept}`,
    });
    return true;
  }

  /**
   * A write the browser refused for want of room: what was not saved, how
   * much it needs, what is kept, and what makes room, as a lasting
   * `saveProblem` until a write goes through.
   */
  private async storageFull(what: string, saved: SavedModel): Promise<void> {
    const kept =
      this.savedSteps === null ? 'Nothing saved before is lost' : `The model saved before, at step ${this.savedSteps.toLocaleString('en-US')}, is kept`;
    this.problemShown = true;
    this.deps.emit({
      type: 'saveProblem',
      message:
        `${what} could not be saved in this browser: its storage for this site is full. Saving it needs about ${await this.room(JSON.stringify(saved).length)}. ` +
        `${kept}, and training goes on. To make room, export the model to a file (Model panel) or delete old entries in History.`,
    });
  }

  /** "12 MB (this browser lets the site use 1.2 GB, and 1.2 GB of it is in use)": what a write needs, and the room there is when the browser says. */
  async room(bytes: number): Promise<string> {
    try {
      const estimate = await this.deps.storage.storageEstimate?.();
      if (estimate && estimate.quota > 0) {
        return `${formatBytes(bytes)} (this browser lets the site use ${formatBytes(estimate.quota)}, and ${formatBytes(estimate.usage)} of it is in use)`;
      }
    } catch {
      // How much room there is only helps the sentence; it is left out when the browser does not say.
    }
    return formatBytes(bytes);
  }

  /** A write went through: a save problem shown is over. */
  private wrote(): void {
    if (!this.problemShown) return;
    this.problemShown = false;
    this.deps.emit({ type: 'saveProblem', message: null });
  }

  /** Makes this tab the one that writes; a tab that cannot claim storage saves as before. */
  private async claimStorage(): Promise<void> {
    try {
      await this.deps.storage.claimStorage?.();
    } catch (error) {
      this.deps.emit({ type: 'notice', message: `This tab could not claim browser storage (${errorText(error)}); it saves as before.` });
    }
  }

  private requireModel(): PixelCNN {
    const model = this.deps.slot.model;
    if (!model) throw new Error('The engine is still starting; try again in a moment.');
    return model;
  }
}

/** Whether a write failed for want of room in browser storage. */
export function isStorageFull(error: unknown): boolean {
  return error instanceof Error && (error.name === 'StorageFullError' || error.name === 'QuotaExceededError');
}
