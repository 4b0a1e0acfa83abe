import { type PixelCNNConfig, type SavedModel, ModelFileError, loadWeights, modelFromSaved, describeConfig, sameArchitecture } from '../../model';
import { readSavedModel } from '../../model/modelFile';
import { modelFileSizeProblem } from '../../model/memory';
import { UserFacingError } from '../errors';
import type { EngineEvent } from '../protocol';
import { factsOf, type ModelSlot } from './modelSlot';
import type { Persistence } from './persistence';
import { metaNotices } from './readNotices';

/**
 * A model file the user brings: read and checked, then put in place of the
 * current model, which joins the history first. A file of the same
 * architecture loads its weights into the model; one of another
 * architecture replaces the model once the user agrees (the page asks,
 * saying what would be discarded), and the data follows its geometry.
 */
export interface ModelImportDeps {
  emit(event: EngineEvent, transfer?: Transferable[]): void;
  slot: Pick<ModelSlot, 'require' | 'install'>;
  persistence: Pick<Persistence, 'checkpoint' | 'persist'>;
  /** Why a model of `config` does not fit in memory with the training batch, or null when it does. */
  memoryProblem(config: PixelCNNConfig): string | null;
  /** Stops everything that uses the model, before it changes (Engine.quiesce). */
  quiesce(): Promise<void>;
  announceModel(): Promise<void>;
  /** Fits the data in use to the model when its geometry changed. */
  refitData(previous: PixelCNNConfig, now: PixelCNNConfig): Promise<void>;
}

export class ModelImport {
  constructor(private readonly deps: ModelImportDeps) {}

  /** `switchArchitecture`: a file of another architecture replaces the model (the user agreed); otherwise the page is asked first. */
  async importModel(text: string, fileName: string, switchArchitecture = false): Promise<void> {
    const { slot, persistence } = this.deps;
    const model = slot.require();
    // Text as long as the file's bytes (a model file is ASCII JSON): refused before it is parsed.
    const tooLarge = modelFileSizeProblem(fileName, text.length);
    if (tooLarge) throw new UserFacingError('import', `${tooLarge} Nothing was changed.`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new UserFacingError('import', `“${fileName}” is not a model file: it is not valid JSON. Nothing was changed.`);
    }
    let read: ReturnType<typeof readSavedModel>;
    try {
      read = readSavedModel(json);
      const saved = read.saved;
      if (!sameArchitecture(saved.config, model.config)) {
        await this.importOtherArchitecture(saved, fileName, switchArchitecture);
        // Said once the model is in (not while the page asks whether to switch).
        if (switchArchitecture) this.sayDropped(read);
        return;
      }
      await this.deps.quiesce();
      await persistence.checkpoint('before importing a file');
      // The same architecture: the file's weights go into the model in place.
      loadWeights(model, saved);
      slot.install(model, 'imported', factsOf(saved));
    } catch (error) {
      if (error instanceof ModelFileError) {
        throw new UserFacingError('import', `Could not import “${fileName}”: ${error.message} Nothing was changed.`);
      }
      throw error;
    }
    await persistence.persist();
    await this.deps.announceModel();
    this.deps.emit({ type: 'notice', message: `Imported “${fileName}”.` });
    this.sayDropped(read);
  }

  /** A notice for each part of the file's meta that was dropped (readNotices.ts). */
  private sayDropped(read: { droppedMeta: string[]; missingMeta: string[] }): void {
    for (const message of metaNotices('The model file', read)) this.deps.emit({ type: 'notice', message });
  }

  /**
   * A model file of another architecture: without the user's word, the page
   * is asked (it says what would be discarded); with it, the file's model
   * replaces the current one, which stays in the history, and the dataset
   * follows its geometry.
   */
  private async importOtherArchitecture(saved: SavedModel, fileName: string, agreed: boolean): Promise<void> {
    const tooBig = this.deps.memoryProblem(saved.config);
    if (tooBig) throw new UserFacingError('import', `Could not import “${fileName}”: ${tooBig} Nothing was changed.`);
    // Built first, so a file whose weights do not fit its own config is refused before anything is offered.
    const model = modelFromSaved(saved);
    if (!agreed) {
      model.dispose();
      this.deps.emit({ type: 'importNeedsSwitch', fileName, config: saved.config, steps: saved.meta.steps ?? 0 });
      return;
    }
    const previous = this.deps.slot.require().config;
    await this.deps.quiesce();
    await this.deps.persistence.checkpoint('before importing a file');
    this.deps.slot.install(model, 'imported', factsOf(saved));
    await this.deps.persistence.persist();
    await this.deps.announceModel();
    await this.deps.refitData(previous, saved.config);
    this.deps.emit({ type: 'notice', message: `Imported “${fileName}”: the model is now a ${describeConfig(saved.config)}.` });
  }
}
