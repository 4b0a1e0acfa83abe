import type { PixelCNN, SampleOptions, SampleResult, SubPixelStep } from '../model';
import type { EngineEvent, SampleSettings } from './protocol';

/**
 * Runs one sampling job for the UI: streams sub-pixels to the page in
 * small batches (one message per ~30 ms, not one per sub-pixel), honours
 * the slow-motion delay between pixels, and stops promptly when asked.
 */
export type SamplerFn = (model: PixelCNN, options: SampleOptions) => Promise<SampleResult>;

const FLUSH_INTERVAL_MS = 30;

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
}

/** Gives queued worker messages (Pause, Stop, a new delay) a chance to run. */
export function yieldToMessages(delayMs = 0): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, delayMs));
}

export class SamplingSession {
  private stopRequested = false;
  private delayMs: number;
  readonly finished: Promise<void>;

  constructor(
    private readonly model: PixelCNN,
    private readonly sampler: SamplerFn,
    private readonly settings: SampleSettings,
    private readonly emit: (event: EngineEvent, transfer?: Transferable[]) => void,
    private readonly input: SessionInput = {},
  ) {
    this.delayMs = settings.delayMs;
    this.finished = this.run();
  }

  stop(): void {
    this.stopRequested = true;
  }

  setDelay(delayMs: number): void {
    this.delayMs = delayMs;
  }

  private async run(): Promise<void> {
    const { prefix, labels, captions = null, columns = null } = this.input;
    const { height, width, colorChannels, levels } = this.model.config;
    const count = this.settings.count;
    const perImage = height * width * colorChannels;
    const prefixLength = prefix ? Math.min(prefix.length, perImage) : 0;
    const initial = new Uint8Array(count * perImage);
    if (prefix) for (let i = 0; i < initial.length; i++) initial[i] = i % perImage < prefixLength ? prefix.pixels[i] : 0;
    this.emit(
      { type: 'sampleStart', sample: { count, height, width, channels: colorChannels, levels, prefixLength, initial, columns, captions } },
      [initial.buffer],
    );

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
    };

    const onSubPixel = async (step: SubPixelStep) => {
      pixelsSoFar = step.pixels;
      const pixelDone = step.channel === colorChannels - 1;
      const now = performance.now();
      // Slow motion pauses after each pixel; in colour after each of R, G and B, so a pixel is seen with R alone, then R and G.
      if (this.delayMs > 0 && (pixelDone || colorChannels > 1)) {
        flush(step.index + 1);
        await yieldToMessages(this.delayMs);
        lastYield = performance.now();
      } else if (now - lastFlush >= FLUSH_INTERVAL_MS) {
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
        onSubPixel,
        shouldStop: () => this.stopRequested,
      });
    } catch (error) {
      this.emit({ type: 'sampleDone', completed: flushedTo, total: perImage, elapsedMs: performance.now() - started, stopped: true });
      throw error;
    }
    pixelsSoFar = result.pixels;
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
