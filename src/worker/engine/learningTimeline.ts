import { sampleIncremental } from '../../model';
import { runGuidance } from '../../model/guidance';
import { errorText, fatalEngineProblem } from '../errors';
import type { EngineEvent, LearningStrip } from '../protocol';
import { type SamplerFn, yieldToMessages } from '../samplingSession';
import type { ModelSlot } from './modelSlot';

/**
 * The learning timeline: while training runs, a strip of the same images
 * (the same seed, one per class for a conditional model) is drawn from the
 * current weights every few seconds of training, and once before the first
 * step, so the page can show the model going from noise to the data. Each
 * strip is drawn between two training steps with the fast sampler, apart
 * from the Sampling panel's grid (it sends no sample events), and sent as a
 * `learningStrip` event.
 *
 * The clock counts training time only: a pause stops it. Replacing the
 * model starts a new timeline (`reset`), whose strips carry a new number.
 */
export interface LearningTimelineDeps {
  emit(event: EngineEvent, transfer?: Transferable[]): void;
  slot: Pick<ModelSlot, 'require' | 'guidance' | 'classNames' | 'steps'>;
  /** Seconds of training between strips; 0: none (TRAIN_SETTINGS.stripEverySeconds). */
  everySeconds(): number;
  /** How images are sampled; the incremental sampler unless a test swaps it. */
  sampler?: SamplerFn;
  /** The clock, in ms; performance.now unless a test steps it by hand. */
  now?: () => number;
}

/** The seed every strip is drawn with, so strips differ only by the weights. */
export const STRIP_SEED = 20_240_611;
/** Images in the strip of an unconditional model. */
export const UNCONDITIONAL_STRIP_IMAGES = 8;
/** A conditional model draws one image per class, of its first classes up to this many. */
export const MAX_STRIP_IMAGES = 16;
/**
 * Strips are at least this many times the last strip's drawing time apart,
 * whatever the interval: a strip never takes more than about a tenth of
 * training time, even for a model that is slow to sample.
 */
const MIN_GAP_PER_DRAW = 10;
/** While a strip is drawn, queued messages (Pause, the Sampling panel's grid) get a turn this often, in ms. */
const YIELD_EVERY_MS = 30;

export class LearningTimeline {
  /**
   * Which timeline the strips belong to; a new one after every reset. It
   * starts at random, so a restarted engine's strips never join the page's
   * timeline of the engine before.
   */
  private timeline = Math.floor(Math.random() * 2 ** 30);
  private strips = 0;
  /** Training time of this timeline before the current run, in ms. */
  private trainedMs = 0;
  /** When the current run started (on the clock), or null while paused. */
  private runStart: number | null = null;
  /** Training time at the last strip, and how long drawing it took (ms). */
  private lastStripAt = 0;
  private lastDrawMs = 0;
  /** A strip failed: no more until the next timeline (the failure was reported once). */
  private broken = false;
  private readonly now: () => number;

  constructor(private readonly deps: LearningTimelineDeps) {
    this.now = deps.now ?? (() => performance.now());
  }

  /** Training time of this timeline so far, in ms. */
  get elapsedMs(): number {
    return this.trainedMs + (this.runStart === null ? 0 : this.now() - this.runStart);
  }

  /** Other weights: a new timeline, which starts with a "before" strip at the next run. */
  reset(): void {
    this.timeline++;
    this.strips = 0;
    this.trainedMs = 0;
    this.runStart = this.runStart === null ? null : this.now();
    this.lastStripAt = 0;
    this.lastDrawMs = 0;
    this.broken = false;
  }

  /** A training run starts: the clock runs, and a new timeline's first strip (the weights before training) is drawn. */
  async begin(running: () => boolean): Promise<void> {
    // The first strip is the weights at the training time the run starts from (0 for a new timeline).
    const at = this.elapsedMs;
    if (this.runStart === null) this.runStart = this.now();
    if (this.strips === 0) await this.draw(running, at);
  }

  /** After a training step: draws a strip when one is due (MIN_GAP_PER_DRAW); true when one was. */
  async afterStep(running: () => boolean): Promise<boolean> {
    const every = this.deps.everySeconds() * 1000;
    if (!(every > 0 && this.elapsedMs - this.lastStripAt >= Math.max(every, MIN_GAP_PER_DRAW * this.lastDrawMs))) return false;
    await this.draw(running, this.elapsedMs);
    return true;
  }

  /** The run ended: the clock stops until the next. */
  end(): void {
    if (this.runStart === null) return;
    this.trainedMs += this.now() - this.runStart;
    this.runStart = null;
  }

  /**
   * Draws a strip from the current weights, labelled with training time
   * `at`, and sends it. A strip cut short
   * by the end of training is not sent. A failure that ends the engine is
   * thrown (the training loop reports it); any other is reported once as an
   * `error`, and training goes on without strips.
   */
  private async draw(running: () => boolean, at: number): Promise<void> {
    if (this.broken || this.deps.everySeconds() === 0) return;
    const timeline = this.timeline;
    try {
      const strip = await this.sample(timeline, at, running);
      // Training stopped, or the model was replaced, while it was drawn.
      if (!strip || timeline !== this.timeline) return;
      this.strips++;
      this.lastStripAt = at;
      this.lastDrawMs = strip.drawMs;
      this.deps.emit({ type: 'learningStrip', strip }, [strip.pixels.buffer]);
    } catch (error) {
      if (fatalEngineProblem(error)) throw error;
      this.broken = true;
      this.deps.emit({ type: 'error', context: 'training', message: `The learning timeline stopped drawing: ${errorText(error)}` });
    }
  }

  private async sample(timeline: number, elapsedMs: number, running: () => boolean): Promise<LearningStrip | null> {
    const { slot } = this.deps;
    const model = slot.require();
    const { config } = model;
    const { height, width, colorChannels, levels, classes } = config;
    const count = classes > 0 ? Math.min(classes, MAX_STRIP_IMAGES) : UNCONDITIONAL_STRIP_IMAGES;
    const labels = classes > 0 ? Int32Array.from({ length: count }, (_, i) => i) : undefined;
    const { guidance } = runGuidance(config, slot.guidance, undefined);
    const step = slot.steps;
    const started = this.now();
    let lastYield = started;
    const result = await (this.deps.sampler ?? sampleIncremental)(model, {
      count,
      seed: STRIP_SEED,
      temperature: 1,
      labels,
      guidance,
      shouldStop: () => !running() || timeline !== this.timeline,
      onSubPixel: async () => {
        if (this.now() - lastYield < YIELD_EVERY_MS) return;
        await yieldToMessages();
        lastYield = this.now();
      },
    });
    if (result.completed < height * width * colorChannels) return null;
    return {
      timeline,
      step,
      elapsedMs,
      drawMs: this.now() - started,
      count,
      height,
      width,
      channels: colorChannels,
      levels,
      pixels: Uint8Array.from(result.pixels),
      captions: labels ? Array.from(labels, (label) => slot.classNames[label] ?? String(label)) : null,
      guidance,
    };
  }
}
