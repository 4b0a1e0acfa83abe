import { type PixelCNNConfig, type SavedModel, createPixelCNN, parseSavedModel, saveModel } from '../../model';
import { sameBesidesClasses, withClasses } from '../../model/classTables';
import { describeConfig } from '../../model/config';
import { type MemoryBackend, memoryProblem } from '../../model/memory';
import { BUILTIN_DATASETS, BUILTIN_DATASET_IDS, type BuiltinDatasetId } from '../../data/builtin';
import { listNames } from '../../data/classes';
import { UserFacingError } from '../errors';
import type { BackendInfo, EngineEvent } from '../protocol';
import { type MeasuredSpeed, type StartChoice, type StartProposal, proposeStart } from '../startProposal';
import type { Datasets } from './datasets';
import type { EngineDeps } from './deps';
import type { TrainingControl } from './trainingControl';

/**
 * The start proposed for images the user drops (startProposal.ts): it reads
 * the data's facts, the shipped models' configs and this browser's measured
 * speed, and tells the page (`startProposal`). When the user takes a
 * start from the shipped model, it carries that model to the data's classes
 * (withClasses); the Engine puts the result in use.
 */
export interface StartAdvisorDeps {
  emit(event: EngineEvent): void;
  loadPretrained: EngineDeps['loadPretrained'];
  datasets: Pick<Datasets, 'data' | 'classNames'>;
  training: Pick<TrainingControl, 'measuredPace' | 'settings'>;
  /** The backend in use, with its start-up trial's figures when it has them. */
  backend(): BackendInfo | null;
  memoryBackend(): MemoryBackend;
}

export class StartAdvisor {
  /** The shipped models' configs, read once. */
  private shippedConfigs: Partial<Record<BuiltinDatasetId, PixelCNNConfig>> | null = null;

  constructor(private readonly deps: StartAdvisorDeps) {}

  /** Proposes a start for the user's images in use (none for a built-in set), and tells the page. */
  async propose(): Promise<StartProposal | null> {
    const data = this.deps.datasets.data;
    const facts = data?.facts;
    const proposal =
      data && facts
        ? proposeStart({ ...facts, images: data.accepted, classNames: this.deps.datasets.classNames() }, await this.shipped(), this.speed(), {
            batchSize: this.deps.training.settings.batchSize,
            backend: this.deps.memoryBackend(),
          })
        : null;
    this.deps.emit({ type: 'startProposal', proposal });
    return proposal;
  }

  /** The page no longer shows a proposal (a start was taken). */
  withdraw(): void {
    this.deps.emit({ type: 'startProposal', proposal: null });
  }

  /**
   * The shipped model of `choice.from`, carried to `choice.config`'s classes
   * and named after the data's, as a model file to install; and a sentence
   * saying what became of its classes.
   */
  async shippedStart(choice: StartChoice & { from: BuiltinDatasetId }): Promise<{ saved: SavedModel; said: string }> {
    const file = await this.deps.loadPretrained?.(choice.from);
    const title = BUILTIN_DATASETS[choice.from].title.toLowerCase();
    if (!file) throw new UserFacingError('model', `This copy of the app has no shipped ${title} model to start from.`);
    const shipped = parseSavedModel(file);
    if (!sameBesidesClasses(shipped.config, choice.config)) {
      throw new UserFacingError(
        'model',
        `The shipped ${title} model is ${describeConfig(shipped.config)}; it cannot start a ${describeConfig(choice.config)}.`,
      );
    }
    const tooBig = memoryProblem(choice.config, this.deps.training.settings.batchSize, this.deps.memoryBackend());
    if (tooBig) throw new UserFacingError('model', `${tooBig} Nothing was changed.`);
    const to = this.deps.datasets.classNames() ?? [];
    if (to.length !== choice.config.classes) {
      throw new UserFacingError(
        'model',
        `The start is for ${choice.config.classes} classes, but the images in use have ${to.length}; drop them again for a new proposal.`,
      );
    }
    const from = shipped.meta.classNames ?? Array.from({ length: shipped.config.classes }, (_, i) => String(i));
    const { saved, carry } = withClasses(shipped, await template(choice.config), { from, to });
    const meta = { ...saved.meta, classNames: [...to] };
    const started = carry.startedFrom === 'no-class row' ? 'what the model draws when given no class' : 'the average of its classes';
    const said =
      to.length === 0
        ? `Started from the shipped ${title} model, without its classes.`
        : `Started from the shipped ${title} model with your classes (${listNames(to)})` +
          (carry.started > 0 ? `; ${carry.started === to.length ? 'each' : `${carry.started} of them`} starts from ${started}.` : '.');
    return { saved: { ...saved, meta }, said };
  }

  /** The speed to scale from: training's own pace when it has run, else the backend trial's figure for the chosen backend. */
  private speed(): MeasuredSpeed | null {
    const backend = this.deps.backend();
    const name = backend?.name ?? 'wasm';
    const pace = this.deps.training.measuredPace;
    if (pace) return { ...pace, source: 'training', backend: name };
    const trial = backend?.trial;
    const figure = trial?.figures.find((f) => f.name === trial.chosen && f.outcome === 'timed');
    if (trial && figure?.msPerStep) return { config: trial.config, batchSize: trial.batch, msPerStep: figure.msPerStep, source: 'trial', backend: name };
    return null;
  }

  private async shipped(): Promise<Partial<Record<BuiltinDatasetId, PixelCNNConfig>>> {
    if (this.shippedConfigs) return this.shippedConfigs;
    const configs: Partial<Record<BuiltinDatasetId, PixelCNNConfig>> = {};
    for (const id of BUILTIN_DATASET_IDS) {
      try {
        const file = await this.deps.loadPretrained?.(id);
        if (file) configs[id] = parseSavedModel(file).config;
      } catch {
        // A shipped model that cannot be read is simply not proposed.
      }
    }
    this.shippedConfigs = configs;
    return configs;
  }
}

/** A new model of `config`, saved: the tensors withClasses fills in. */
async function template(config: PixelCNNConfig): Promise<SavedModel> {
  const model = createPixelCNN(config, 1, { initial: 'zeros' });
  try {
    return await saveModel(model);
  } finally {
    model.dispose();
  }
}
