import type { PixelCNN, SampleOptions, SampleResult, SubPixelStep } from '../model';
import type { PixelCNNConfig } from '../model/config';
import { pixelBelief } from '../model/belief';
import type { EngineEvent, SampleSettings } from './protocol';

/**
 * Runs one sampling job for the UI: streams sub-pixels to the page in
 * small batches (one message per ~30 ms, not one per sub-pixel), honours
 * the slow-motion delay between pixels, and stops promptly when asked.
 * It needs of the model only its config, and hands the model to the
 * sampler: a tfjs PixelCNN in the engine, a parsed model file in the
 * worker entry's early first grid (earlyGrid.ts), which loads no tfjs.
 */
export type SamplerFn<M extends SampledModel = PixelCNN> = (model: M, options: SampleOptions) => Promise<SampleResult>;

/** What a session reads of the model it samples. */
export interface SampledModel {
  readonly config: PixelCNNConfig;
}

/** A sampling run as the engine holds it, whatever kind of model it samples. */
export interface SampleRun {
  readonly finished: Promise<void>;
  readonly firstPixels: Promise<void>;
  stop(): void;
  setDelay(delayMs: number): void;
  setBeliefImage(image: number): void;
  drawn(): DrawnImages;
}

/** The images of a run as drawn so far (SamplingSession.drawn). */
export interface DrawnImages {
  pixels: Int32Array | null;
  completed: number;
  labels: Int32Array | null;
  captions: string[] | null;
  temperature: number;
  /** The guidance weight the run samples with. */
  guidance: number;
  /** The run's settings, with its actual image count. */
  settings: SampleSettings;
  columns: number | null;
}

const FLUSH_INTERVAL_MS = 30;
/** At full speed, the live belief chart hears at most once per animation frame. */
const BELIEF_INTERVAL_MS = 16;

/** What a run starts from besides its settings. */
export interface SessionInput {
  /** Known leading sub-pixels of every image (a completion). */
  prefix?: { pixels: Int32Array; length: number };
  /** One class per image, for a conditional model. */
  labels?: Int32Array;
  /** Each image's class name, shown under it; null for an unconditional model. */
  captions?: string[] | null;
  /** Grid columns (one row per class), or null for the usual grid. */
  columns?: number | null;
  /** Send the chosen image's belief (sampleBelief events); true unless a benchmark measures the run without them. */
  belief?: boolean;
  /** Classifier-free guidance weight, resolved against the model (runGuidance); 1 (none) when absent. */
  guidance?: number;
}

/** Gives queued worker messages (Pause, Stop, a new delay) a chance to run. */
export function yieldToMessages(delayMs = 0): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, delayMs));
}

export class SamplingSession<M extends SampledModel = PixelCNN> implements SampleRun {
  private stopRequested = false;
  private delayMs: number;
  /** Which image the live belief chart follows. */
  private beliefImage = 0;
  /** The images so far and how many sub-pixels of each are final. */
  private drawnPixels: Int32Array | null = null;
  private drawnCount = 0;
  /** Wall time spent preparing and sending belief events in this run, in ms (read by the benchmark). */
  beliefMs = 0;
  readonly finished: Promise<void>;
  /** Resolves once the first sampled pixels are sent to the page, or when the run ends without sending any. */
  readonly firstPixels: Promise<void>;
  private firstPixelsSent: () => void = () => undefined;

  constructor(
    private readonly model: M,
    private readonly sampler: SamplerFn<M>,
    private readonly settings: SampleSettings,
    private readonly emit: (event: EngineEvent, transfer?: Transferable[]) => void,
    private readonly input: SessionInput = {},
  ) {
    this.delayMs = settings.delayMs;
    this.firstPixels = new Promise((resolve) => (this.firstPixelsSent = resolve));
    this.finished = this.run();
    this.finished.then(this.firstPixelsSent, this.firstPixelsSent);
  }

  stop(): void {
    this.stopRequested = true;
  }

  setDelay(delayMs: number): void {
    this.delayMs = delayMs;
  }

  setBeliefImage(image: number): void {
    if (Number.isInteger(image) && image >= 0 && image < this.settings.count) this.beliefImage = image;
  }

  /** The images as drawn so far, [count, H, W, C] levels (read-only), and how many sub-pixels of each are final. */
  drawn(): DrawnImages {
    return {
      pixels: this.drawnPixels,
      completed: this.drawnCount,
      labels: this.input.labels ?? null,
      captions: this.input.captions ?? null,
      temperature: this.settings.temperature,
      guidance: this.input.guidance ?? 1,
      settings: this.settings,
      columns: this.input.columns ?? null,
    };
  }

  private async run(): Promise<void> {
    const { prefix, labels, captions = null, columns = null } = this.input;
    const { height, width, colorChannels, levels } = this.model.config;
    const count = this.settings.count;
    const perImage = height * width * colorChannels;
    const prefixLength = prefix ? Math.min(prefix.length, perImage) : 0;
    const initial = new Uint8Array(count * perImage);
    if (prefix) for (let i = 0; i < initial.length; i++) initial[i] = i % perImage < prefixLength ? prefix.pixels[i] : 0;
    this.emit({ type: 'sampleStart', sample: { count, height, width, channels: colorChannels, levels, prefixLength, initial, columns, captions } }, [
      initial.buffer,
    ]);

    const started = performance.now();
    let flushedTo = prefixLength;
    let lastFlush = started;
    let lastYield = started;
    let pixelsSoFar: Int32Array | null = null;

    const flush = (to: number) => {
      if (to <= flushedTo || !pixelsSoFar) return;
      const span = to - flushedTo;
      const values = new Uint8Array(count * span);
      for (let b = 0; b < count; b++) {
        for (let i = 0; i < span; i++) values[b * span + i] = pixelsSoFar[b * perImage + flushedTo + i];
      }
      this.emit({ type: 'samplePixels', from: flushedTo, to, values, elapsedMs: performance.now() - started }, [values.buffer]);
      flushedTo = to;
      lastFlush = performance.now();
      this.firstPixelsSent();
    };

    // The chosen image's logits for the sub-pixels of the current pixel, so R, G and B show side by side.
    const pixelLogits = new Float32Array(colorChannels * levels);
    let lastBelief = -Infinity;
    const sendBelief = (step: SubPixelStep) => {
      const image = this.beliefImage;
      pixelLogits.set(step.logits.subarray(image * levels, (image + 1) * levels), step.channel * levels);
      if (this.delayMs === 0 && performance.now() - lastBelief < BELIEF_INTERVAL_MS) return;
      const first = step.index - step.channel;
      const belief = pixelBelief(
        pixelLogits,
        {
          image,
          row: step.row,
          col: step.col,
          channels: colorChannels,
          levels,
          temperature: this.settings.temperature,
          guidance: this.input.guidance ?? 1,
          known: step.channel + 1,
        },
        step.pixels.subarray(image * perImage + first, image * perImage + first + colorChannels),
      );
      this.emit({ type: 'sampleBelief', belief }, [belief.probabilities.buffer]);
      lastBelief = performance.now();
    };
    const onSubPixel = async (step: SubPixelStep) => {
      pixelsSoFar = step.pixels;
      this.drawnPixels = step.pixels;
      this.drawnCount = step.index + 1;
      if (this.input.belief !== false) {
        const beliefStart = performance.now();
        sendBelief(step);
        this.beliefMs += performance.now() - beliefStart;
      }
      const pixelDone = step.channel === colorChannels - 1;
      const now = performance.now();
      // Slow motion pauses after each pixel; in colour after each of R, G and B, so a pixel is seen with R alone, then R and G.
      if (this.delayMs > 0 && (pixelDone || colorChannels > 1)) {
        flush(step.index + 1);
        await yieldToMessages(this.delayMs);
        lastYield = performance.now();
      } else if (flushedTo === prefixLength || now - lastFlush >= FLUSH_INTERVAL_MS) {
        // The first sub-pixel goes out at once; later ones in batches.
        flush(step.index + 1);
      }
      if (performance.now() - lastYield >= FLUSH_INTERVAL_MS) {
        await yieldToMessages();
        lastYield = performance.now();
      }
    };

    let result: SampleResult;
    try {
      result = await this.sampler(this.model, {
        count,
        seed: this.settings.seed,
        temperature: this.settings.temperature,
        prefix,
        labels,
        guidance: this.input.guidance,
        onSubPixel,
        shouldStop: () => this.stopRequested,
      });
    } catch (error) {
      this.emit({ type: 'sampleDone', completed: flushedTo, total: perImage, elapsedMs: performance.now() - started, stopped: true });
      throw error;
    }
    pixelsSoFar = result.pixels;
    this.drawnPixels = result.pixels;
    this.drawnCount = result.completed;
    flush(result.completed);
    this.emit({
      type: 'sampleDone',
      completed: result.completed,
      total: perImage,
      elapsedMs: performance.now() - started,
      stopped: result.completed < perImage,
    });
  }
}
