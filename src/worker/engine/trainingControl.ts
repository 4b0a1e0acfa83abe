import * as tf from '@tensorflow/tfjs';
import { type PixelCNNConfig, evaluateBitsPerDim, parseSavedModel, seededRandom } from '../../model';
import { noClassLabel } from '../../model/config';
import { dropLabelsWith } from '../../model/labelDropout';
import { type MemoryBackend, memoryProblem } from '../../model/memory';
import { listNames } from '../../data/classes';
import { sampleLabelledBatch } from '../../data/split';
import { HelperPool, type StartHelper } from '../dataParallel/pool';
import { DivergenceWatch } from '../divergence';
import { UserFacingError, errorText, fatalEngineProblem } from '../errors';
import type { EngineEvent, ErrorContext } from '../protocol';
import { yieldToMessages } from '../samplingSession';
import { DEFAULT_TRAIN_SETTINGS, TRAIN_SETTINGS, type TrainSettings, defaultTrainingCores, settingsProblem } from '../settings';
import { DivergenceError, type SharedBatch, type TrainingArithmetic } from '../trainer';
import type { SamplerFn } from '../samplingSession';
import type { StoredCheckpoint } from '../checkpoints';
import type { Datasets, LoadedData } from './datasets';
import { LearningTimeline } from './learningTimeline';
import type { ModelSlot } from './modelSlot';
import type { Persistence } from './persistence';

/**
 * Training control: the settings, the loop that trains in the background
 * (step, report, score the held-out images, save, checkpoint, watch for
 * divergence, and go back to the best checkpoint after a diverging step),
 * single steps, the helper workers that share each batch, and the learning
 * timeline's strips between steps (learningTimeline.ts).
 */
export interface TrainingDeps {
  emit(event: EngineEvent, transfer?: Transferable[]): void;
  slot: Pick<ModelSlot, 'model' | 'trainer' | 'steps' | 'classNames' | 'guidance' | 'require' | 'adoptDataClassNames' | 'installSaved'>;
  datasets: Pick<Datasets, 'data' | 'require' | 'mismatch'>;
  persistence: Pick<Persistence, 'persist' | 'checkpoint' | 'checkpointed' | 'weightsChanged' | 'saveDue' | 'checkpointDue' | 'history' | 'emitCheckpoints'>;
  /** The backend whose memory budget applies (the running one). */
  memoryBackend(): MemoryBackend;
  /** What must happen before the first step (a first visit's backend trial, lateTrial.ts). */
  beforeTraining(): Promise<void>;
  /** Stops the grid drawing now, before the model goes back to a checkpoint. */
  stopSampling(): Promise<void>;
  announceModel(): Promise<void>;
  /** Reports a failure; a fatal one ends the engine (Engine.fail). */
  fail(context: ErrorContext, error: unknown): void;
  /** Helper workers that share every batch (EngineDeps.trainingHelpers). */
  helpers?: { start: StartHelper; cores?: number; backends?: string[] };
  /** How the learning timeline's strips are sampled; the incremental sampler unless a test swaps it. */
  sampler?: SamplerFn;
}

/** Steps between held-out evaluations while training. */
const EVALUATE_EVERY = 25;
/** The shortest time between two `trainStep` reports while training runs (the last step is always reported). */
const REPORT_INTERVAL_MS = 50;
/** Held-out images used per evaluation: enough for a stable number, cheap enough to run often. */
const EVALUATION_IMAGES = 64;

export class TrainingControl {
  private current: TrainSettings = DEFAULT_TRAIN_SETTINGS;
  private training = false;
  private loop: Promise<void> | null = null;
  private batchRandom = seededRandom(12345);
  private watch: DivergenceWatch | null = null;
  private lastEvaluation: { step: number; bits: number } | null = null;
  /** The helper workers, once training first shares a batch. */
  private helperPool: HelperPool | null = null;
  /** The cores last announced to the page (a `trainingCores` event). */
  private announcedCores = 0;
  /** The strips of the model's progress drawn while training. */
  private readonly timeline: LearningTimeline;
  /** The arithmetic last announced (a `trainingArithmetic` event). */
  private announcedArithmetic: TrainingArithmetic | null = null;
  /** The pace of the last training run (its smoothed time per step), with the model and batch size it trained. */
  private pace: { config: PixelCNNConfig; batchSize: number; msPerStep: number } | null = null;

  constructor(private readonly deps: TrainingDeps) {
    this.timeline = new LearningTimeline({
      emit: deps.emit,
      slot: deps.slot,
      everySeconds: () => this.current.stripEverySeconds ?? TRAIN_SETTINGS.stripEverySeconds.default,
      sampler: deps.sampler,
    });
  }

  get settings(): TrainSettings {
    return this.current;
  }

  get running(): boolean {
    return this.training;
  }

  /** The pace training last ran at here, or null before any run (what a proposed start's speed is scaled from). */
  get measuredPace(): { config: PixelCNNConfig; batchSize: number; msPerStep: number } | null {
    return this.pace;
  }

  /** Takes `settings` for the next steps, once checked (their limits, and that a step fits in memory with the current model). */
  use(settings: TrainSettings): void {
    const checked = checkTrainSettings(settings);
    const model = this.deps.slot.model;
    if (model) {
      const tooBig = memoryProblem(model.config, checked.batchSize, this.deps.memoryBackend());
      if (tooBig) throw new UserFacingError('training', tooBig);
    }
    this.current = checked;
  }

  /** Settings changed while training may run: the learning rate and the cores apply at once. */
  update(settings: TrainSettings): void {
    this.use(settings);
    this.deps.slot.trainer?.setLearningRate(this.current.learningRate);
    this.announceCores();
  }

  /** Other weights: a new watch for divergence, no score yet, and a new learning timeline. */
  modelChanged(levels: number): void {
    this.watch = new DivergenceWatch(levels);
    this.lastEvaluation = null;
    this.timeline.reset();
  }

  /** Other data, other losses: a rise is no sign of divergence, and the last score was on other images. */
  dataChanged(): void {
    this.watch?.reset();
    this.lastEvaluation = null;
  }

  /** The held-out bits/dim after `steps` steps, when the weights of that step were scored. */
  scoreAt(steps: number): number | null {
    return this.lastEvaluation?.step === steps ? this.lastEvaluation.bits : null;
  }

  /** Stops the loop after its step, without waiting (the engine is dead, or a diverged run is being undone). */
  halt(): void {
    this.training = false;
  }

  async start(): Promise<void> {
    this.deps.slot.require();
    this.requireFittingData();
    this.deps.slot.trainer?.setLearningRate(this.current.learningRate);
    if (this.training) return;
    await this.deps.beforeTraining();
    // The weights training starts from join the history (scored, when there is held-out data), so a run can be undone.
    if (!this.deps.persistence.checkpointed) {
      if (this.lastEvaluation?.step !== this.deps.slot.trainer?.steps) await this.evaluate();
      await this.deps.persistence.checkpoint('before training');
    }
    // The score training starts from is the guard's first reference (divergence.ts).
    if (this.lastEvaluation && this.lastEvaluation.step === this.deps.slot.trainer?.steps) this.watch?.addHeldOut(this.lastEvaluation.bits);
    this.training = true;
    this.deps.emit({ type: 'training', running: true });
    this.loop = this.run();
  }

  async pause(): Promise<void> {
    this.training = false;
    await this.loop;
    this.loop = null;
  }

  async singleStep(): Promise<void> {
    this.deps.slot.require();
    await this.pause();
    await this.deps.beforeTraining();
    this.deps.slot.trainer?.setLearningRate(this.current.learningRate);
    let bits: number;
    try {
      bits = await this.trainOneBatch();
    } catch (error) {
      if (error instanceof DivergenceError) throw new UserFacingError('training', error.message);
      throw error;
    }
    // Saved before it is announced, so a reload after the counter moves keeps the step.
    await this.deps.persistence.persist();
    this.deps.emit({ type: 'trainStep', step: this.deps.slot.steps, bitsPerDim: bits, stepsPerSecond: 0 });
    await this.evaluate();
    await this.deps.announceModel();
  }

  /** Scores the held-out images and reports it; returns the bits/dim, or null when there is nothing to score on. */
  async evaluate(): Promise<number | null> {
    const data = this.deps.datasets.data;
    const trainer = this.deps.slot.trainer;
    if (!data || !trainer || data.test.count === 0) return null;
    const { test } = data;
    const model = this.deps.slot.require();
    const { classes } = model.config;
    // A conditional model is scored with the held-out images' labels, so only on data whose classes fit it.
    if (this.deps.datasets.mismatch(classes) !== null) return null;
    const count = Math.min(EVALUATION_IMAGES, test.count);
    const perImage = test.width * test.height * test.channels;
    const labels = classes > 0 ? test.labels?.subarray(0, count) : undefined;
    const bits = await evaluateBitsPerDim(model, test.pixels.subarray(0, count * perImage), count, Math.min(16, this.current.batchSize), labels);
    this.deps.emit({ type: 'evaluation', step: trainer.steps, testBitsPerDim: bits });
    this.lastEvaluation = { step: trainer.steps, bits };
    return bits;
  }

  /** Tells the page how many cores train, and how the steps' arithmetic runs, when that changed. */
  announceCores(): void {
    const arithmetic = this.deps.slot.trainer?.arithmetic;
    if (arithmetic && arithmetic !== this.announcedArithmetic) {
      this.announcedArithmetic = arithmetic;
      this.deps.emit({ type: 'trainingArithmetic', arithmetic });
    }
    const cores = this.fitHelpers();
    if (cores === this.announcedCores) return;
    this.announcedCores = cores;
    this.deps.emit({ type: 'trainingCores', cores });
  }

  private async run(): Promise<void> {
    let reason: string | undefined;
    let diverged = false;
    let stepsPerSecond = 0;
    let lastReport = -Infinity;
    /** The last step's report, when it has not been sent yet. */
    let unreported: Extract<EngineEvent, { type: 'trainStep' }> | null = null;
    const { persistence } = this.deps;
    const running = () => this.training;
    try {
      // The learning timeline's strip of the weights training starts from.
      await this.timeline.begin(running);
      let lastTime = performance.now();
      while (this.training) {
        const bits = await this.trainOneBatch();
        const now = performance.now();
        const rate = 1000 / Math.max(1e-3, now - lastTime);
        stepsPerSecond = stepsPerSecond === 0 ? rate : 0.8 * stepsPerSecond + 0.2 * rate;
        lastTime = now;
        this.pace = { config: this.deps.slot.require().config, batchSize: this.current.batchSize, msPerStep: 1000 / stepsPerSecond };
        const step = this.deps.slot.steps;
        // A small model's steps on the SIMD kernels come faster than the page can draw them: it hears of them at a readable pace.
        unreported = { type: 'trainStep', step, bitsPerDim: bits, stepsPerSecond };
        if (now - lastReport >= REPORT_INTERVAL_MS || step % EVALUATE_EVERY === 0) {
          this.deps.emit(unreported);
          unreported = null;
          lastReport = now;
        }
        const exploded = this.watch?.addTraining(bits);
        if (exploded) throw new DivergenceError(exploded.message, exploded.message);
        if (step % EVALUATE_EVERY === 0) {
          const heldOut = await this.evaluate();
          const explodedHeldOut = heldOut === null ? null : this.watch?.addHeldOut(heldOut);
          if (explodedHeldOut) throw new DivergenceError(explodedHeldOut.message, explodedHeldOut.message);
          if (heldOut !== null && persistence.checkpointDue(now)) await persistence.checkpoint('while training');
        }
        if (persistence.saveDue(step, now)) await persistence.persist();
        // Steps per second counts training alone: the time a strip took is left out.
        const beforeStrip = performance.now();
        if (await this.timeline.afterStep(running)) lastTime += performance.now() - beforeStrip;
        await yieldToMessages();
      }
    } catch (error) {
      // The last step is reported before anything that follows it: a step heard after a going-back would read as training on from there.
      if (unreported) this.deps.emit(unreported);
      unreported = null;
      // A dead engine saves nothing more: the page restarts it on the last saved model.
      if (fatalEngineProblem(error)) return this.deps.fail('training', error);
      // Reported once, as the reason training stopped (the 'training' event below).
      diverged = error instanceof DivergenceError;
      reason = error instanceof DivergenceError ? await this.recover(error.problem) : `Training stopped: ${errorText(error)}`;
    }
    this.training = false;
    this.timeline.end();
    if (unreported) this.deps.emit(unreported);
    try {
      await this.evaluate();
      await persistence.persist();
      await persistence.checkpoint('training paused');
      await this.deps.announceModel();
    } catch (error) {
      // What follows a stop (the score, the save) can fail as a step can: a dead engine is restarted on the last save, and anything else is said.
      if (fatalEngineProblem(error)) return this.deps.fail('training', error);
      const after = `After training stopped, the model could not be scored or saved: ${errorText(error)}`;
      reason = reason ? `${reason} ${after}` : after;
    }
    this.deps.emit({ type: 'training', running: false, reason });
    // Said when it is shown as the reason, so the notice does not fade before training is seen to stop.
    if (diverged && reason) this.deps.emit({ type: 'notice', message: reason });
  }

  /**
   * After a diverging step: puts back the best checkpoint of this
   * architecture (saved weights, not the wreck), and returns the sentence
   * saying so (the reason training stopped, and a notice).
   */
  private async recover(problem: string): Promise<string> {
    const { slot, persistence } = this.deps;
    const stoppedAt = slot.steps;
    const config = slot.require().config;
    let best: StoredCheckpoint | null;
    try {
      best = await persistence.history().best(config);
      const saved = best && (await persistence.history().read(best.id));
      if (best && saved) {
        this.training = false;
        await this.deps.stopSampling();
        slot.installSaved(parseSavedModel(saved));
        persistence.checkpointed = true;
        await persistence.persist();
        await this.deps.announceModel();
        await persistence.emitCheckpoints();
      } else best = null;
    } catch (error) {
      best = null;
      problem += ` (the best checkpoint could not be read back: ${errorText(error)})`;
    }
    const score = best?.heldOutBitsPerDim != null ? `, ${best.heldOutBitsPerDim.toFixed(3)} bits/dim held out` : '';
    const at = stoppedAt.toLocaleString('en-US');
    return best
      ? `Training stopped at step ${at}: ${problem}. The model went back to its best checkpoint (step ${best.steps.toLocaleString('en-US')}${score}). Try a smaller learning rate.`
      : `Training stopped at step ${at}: ${problem}. There was no checkpoint to go back to; use History to restore the shipped model, or try a smaller learning rate.`;
  }

  private async trainOneBatch(): Promise<number> {
    const data = this.requireFittingData();
    const batchSize = this.current.batchSize;
    const { pixels, labels: datasetLabels } = sampleLabelledBatch(data.train, batchSize, this.batchRandom);
    // requireFittingData made sure a conditional model has a label for every image.
    const { config } = this.deps.slot.require();
    const conditional = config.classes > 0 && datasetLabels !== null;
    // A model with a "no class" row learns it from the labels label dropout replaces.
    const noClass = noClassLabel(config);
    const labels = !conditional ? undefined : noClass !== null ? dropLabelsWith(datasetLabels, config.labelDropout, noClass, this.batchRandom) : datasetLabels;
    const batch: SharedBatch = { pixels: Int32Array.from(pixels), count: batchSize, labels, pool: this.sharingPool() };
    const bits = await this.deps.slot.trainer!.step(batch);
    this.announceCores();
    this.deps.persistence.weightsChanged();
    return bits;
  }

  /** The data, checked to fit a conditional model; a trained model that takes new class names says so. */
  private requireFittingData(): LoadedData {
    const { datasets, slot } = this.deps;
    const data = datasets.require();
    const problem = datasets.mismatch(slot.require().config.classes);
    if (problem) throw new UserFacingError('training', problem);
    const before = slot.classNames;
    if (slot.adoptDataClassNames() && slot.steps > 0) {
      this.deps.emit({
        type: 'notice',
        message: `The model's classes were called ${listNames(before)}; trained on this dataset, they are now ${listNames(slot.classNames)}.`,
      });
    }
    return data;
  }

  /**
   * Starts or stops helper workers to fit the backend and the Cores setting,
   * and returns the cores that compute each batch now: one off the backends
   * that share batches (their helpers are closed), else the chosen count
   * (every core by default) less any helper lost since it was chosen.
   */
  private fitHelpers(): number {
    const helpers = this.deps.helpers;
    if (!helpers || !(helpers.backends ?? ['wasm']).includes(tf.getBackend())) {
      // The engine moved to a GPU backend: the helpers would only hold memory.
      if (this.helperPool && this.helperPool.size > 0) void this.helperPool.close();
      return 1;
    }
    this.helperPool ??= new HelperPool(helpers.start, (message) => {
      this.deps.emit({ type: 'notice', message });
      this.announceCores();
    });
    this.helperPool.setCount((this.current.workers ?? defaultTrainingCores(helpers.cores)) - 1);
    return 1 + this.helperPool.target;
  }

  /** The helpers that share the batch, or undefined when the engine trains alone. */
  private sharingPool(): HelperPool | undefined {
    return this.fitHelpers() > 1 && this.helperPool ? this.helperPool : undefined;
  }
}

/** The settings, checked against their declarations (TRAIN_SETTINGS, the same limits the Training panel's fields have). */
function checkTrainSettings(settings: TrainSettings): TrainSettings {
  const problem = settingsProblem(TRAIN_SETTINGS, settings, ['workers', 'stripEverySeconds']);
  if (problem) throw new UserFacingError('training', problem);
  const { learningRate, batchSize, workers, stripEverySeconds } = settings;
  return {
    learningRate,
    batchSize,
    ...(workers === undefined ? {} : { workers }),
    ...(stripEverySeconds === undefined ? {} : { stripEverySeconds }),
  };
}
