import { type ImageInspection, type PixelCNN, type PixelCNNConfig, bitsPerDimEach, createPixelCNN, inspectImage, pixelBelief, receptiveField } from '../model';
import type { ImageDataset } from '../data/types';
import { UserFacingError } from './errors';
import type { FieldMap, HeldOutRanking, Inspection, InspectRequest, InspectTarget, PixelPosition, RankedImage } from './inspectProtocol';
import type { EngineEvent } from './protocol';
import type { SampleRun } from './samplingSession';
import { yieldToMessages } from './samplingSession';

/**
 * The engine's side of the inspection views: it answers "what did the model
 * believe at this pixel, what can it see from here, what surprised it" for
 * an image of the last sample grid or a held-out image, and ranks the
 * held-out images by bits/dim in small chunks that let training run between.
 */
export interface InspectorDeps {
  emit(event: EngineEvent, transfer?: Transferable[]): void;
  model(): PixelCNN;
  /** Optimizer steps of the current weights: a cached look is reused only for the same weights. */
  steps(): number;
  /** The latest sampling run (running or finished), or null. */
  sample(): SampleRun | null;
  /** The held-out images, with labels when the model needs and can have them; `problem` says why a conditional model cannot score them. */
  heldOut(): { images: ImageDataset; labels: Int32Array | null; problem: string | null } | null;
  /** A class label's name. */
  className(label: number): string;
}

/**
 * Sub-pixels scored per chunk of the ranking (8 digits of 28×28), each
 * chunk one forward pass, so small images go many to a chunk; at most
 * RANK_CHUNK_MOST images.
 */
const RANK_CHUNK_SUBPIXELS = 8 * 28 * 28;
const RANK_CHUNK_MOST = 64;
/** Most held-out images one ranking scores. */
const MAX_RANKED = 2000;
/** Images shown at each end of the strip. */
const STRIP_LENGTH = 6;

interface Looked {
  image: Int32Array;
  label: number | undefined;
  caption: string | null;
  known: number;
  temperature: number;
}

/** A cheap number that changes when the weights do: the output layer's bias, summed with weights by position. */
async function weightsFingerprint(model: PixelCNN): Promise<string> {
  const bias = (await model.layers[model.layers.length - 1].bias.data()) as Float32Array;
  let sum = 0;
  for (let i = 0; i < bias.length; i++) sum += bias[i] * (i + 1);
  return sum.toPrecision(12);
}

export class Inspector {
  private cache: { key: string; owner: unknown; model: PixelCNN; result: ImageInspection } | null = null;
  private other: { key: string; model: PixelCNN } | null = null;
  private rankRun = 0;

  constructor(private readonly deps: InspectorDeps) {}

  async handle(request: InspectRequest): Promise<void> {
    switch (request.type) {
      case 'setBeliefImage':
        this.deps.sample()?.setBeliefImage(request.image);
        return;
      case 'inspect':
        return this.inspect(request.target, request.pixel, request.field);
      case 'rankHeldOut':
        this.startRanking();
        return;
      default: {
        const unknown: never = request;
        throw new Error(`Unknown inspect request ${JSON.stringify(unknown)}`);
      }
    }
  }

  dispose(): void {
    this.other?.model.dispose();
    this.other = null;
    this.cache = null;
  }

  private look(target: InspectTarget): { looked: Looked; owner: unknown } {
    const model = this.deps.model();
    const { height, width, colorChannels, classes } = model.config;
    const size = height * width * colorChannels;
    if (target.kind === 'sample') {
      const session = this.deps.sample();
      const drawn = session?.drawn();
      if (!session || !drawn?.pixels || drawn.completed === 0) throw new UserFacingError('sampling', 'Nothing has been drawn yet: press Sample first.');
      const count = drawn.pixels.length / size;
      if (!Number.isInteger(target.image) || target.image < 0 || target.image >= count || drawn.pixels.length % size !== 0) {
        throw new UserFacingError('sampling', `There is no sample ${target.image + 1} in the grid of ${count}.`);
      }
      const image = drawn.pixels.slice(target.image * size, (target.image + 1) * size);
      for (let i = drawn.completed; i < size; i++) image[i] = 0;
      const label = drawn.labels ? drawn.labels[target.image] : undefined;
      return {
        owner: session,
        looked: { image, label, caption: drawn.captions?.[target.image] ?? null, known: drawn.completed, temperature: drawn.temperature },
      };
    }
    const data = this.deps.heldOut();
    if (!data || data.images.count === 0) throw new UserFacingError('dataset', 'There are no held-out images yet: load a dataset first.');
    const { images, labels, problem } = data;
    if (!Number.isInteger(target.index) || target.index < 0 || target.index >= images.count) {
      throw new UserFacingError('dataset', `Pick a held-out image from 0 to ${images.count - 1}; got ${target.index}.`);
    }
    if (images.width * images.height * images.channels !== size)
      throw new UserFacingError('dataset', 'The held-out images do not have the model’s size yet; wait for the dataset to reload.');
    if (classes > 0 && !labels) throw new UserFacingError('dataset', problem ?? `This model draws one of ${classes} classes, and these images have none.`);
    const label = labels ? labels[target.index] : undefined;
    const image = Int32Array.from(images.pixels.subarray(target.index * size, (target.index + 1) * size));
    return { owner: images, looked: { image, label, caption: label !== undefined ? this.deps.className(label) : null, known: size, temperature: 1 } };
  }

  private async inspect(target: InspectTarget, pixel: PixelPosition | null, withField: boolean): Promise<void> {
    const model = this.deps.model();
    const { height, width, colorChannels: C, levels, architecture } = model.config;
    if (pixel && !(Number.isInteger(pixel.row) && Number.isInteger(pixel.col) && pixel.row >= 0 && pixel.col >= 0 && pixel.row < height && pixel.col < width)) {
      throw new UserFacingError(
        target.kind === 'sample' ? 'sampling' : 'dataset',
        `Pixel (${pixel.row}, ${pixel.col}) is outside the ${height}×${width} image.`,
      );
    }
    const { looked, owner } = this.look(target);
    const steps = this.deps.steps();
    // Steps alone do not name the weights (an import or a restored checkpoint may have as many): add a small fingerprint.
    const key = `${JSON.stringify(target)}@${steps}:${await weightsFingerprint(model)}/${looked.known}`;
    let result: ImageInspection;
    if (this.cache && this.cache.key === key && this.cache.owner === owner && this.cache.model === model) {
      result = this.cache.result;
    } else {
      result = await inspectImage(model, { pixels: looked.image, label: looked.label });
      this.cache = { key, owner, model, result };
    }
    const size = height * width * C;
    const bits = result.bits.slice();
    let knownBits = 0;
    for (let i = 0; i < size; i++) {
      if (i >= looked.known) bits[i] = 0;
      knownBits += bits[i];
    }

    let belief = null;
    let field: FieldMap | null = null;
    let compare: FieldMap | null = null;
    if (pixel) {
      const first = (pixel.row * width + pixel.col) * C;
      const known = Math.min(C, looked.known - first);
      if (known > 0) {
        belief = pixelBelief(
          result.logits.subarray(first * levels, (first + known) * levels),
          {
            image: target.kind === 'sample' ? target.image : target.index,
            row: pixel.row,
            col: pixel.col,
            channels: C,
            levels,
            temperature: looked.temperature,
            known,
          },
          looked.image.subarray(first, first + C),
        );
      }
      if (withField) {
        const values = await receptiveField(model, { pixels: looked.image, label: looked.label }, pixel.row, pixel.col);
        field = { architecture, source: 'this model', values };
        // The comparison is a bonus: a size the other architecture cannot be built at just leaves it out.
        const other = this.otherArchitecture(model.config);
        if (other) {
          const otherValues = await receptiveField(other, { pixels: looked.image, label: looked.label }, pixel.row, pixel.col);
          compare = {
            architecture: other.config.architecture,
            source: `an untrained ${other.config.architecture === 'gated' ? 'Gated PixelCNN' : 'PixelCNN'} of the same size (random weights: where it can look, not what it learned)`,
            values: otherValues,
          };
        }
      }
    }

    const pixels = Uint8Array.from(looked.image);
    const inspection: Inspection = {
      target,
      width,
      height,
      channels: C,
      levels,
      pixels,
      known: Math.min(size, looked.known),
      caption: looked.caption,
      bits,
      bitsPerDim: knownBits / Math.max(1, Math.min(size, looked.known)),
      pixel,
      belief,
      field,
      compare,
      steps,
    };
    const transfer: Transferable[] = [pixels.buffer, bits.buffer];
    if (belief) transfer.push(belief.probabilities.buffer);
    if (field) transfer.push(field.values.buffer);
    if (compare) transfer.push(compare.values.buffer);
    this.deps.emit({ type: 'inspection', inspection }, transfer);
  }

  /** A small fresh model of the other architecture at the same size, kept while the config stays. */
  private otherArchitecture(config: PixelCNNConfig): PixelCNN | null {
    const otherConfig: PixelCNNConfig = { ...config, architecture: config.architecture === 'gated' ? 'pixelcnn' : 'gated' };
    const key = JSON.stringify(otherConfig);
    if (this.other?.key !== key) {
      this.other?.model.dispose();
      this.other = null;
      try {
        this.other = { key, model: createPixelCNN(otherConfig, 17) };
      } catch {
        return null;
      }
    }
    return this.other.model;
  }

  /**
   * Ranks the held-out images in the background, once they are checked to
   * be rankable (otherwise the request is refused); a failure while it runs
   * ends it with `rankFailed`.
   */
  private startRanking(): void {
    const job = this.rankingJob();
    const run = ++this.rankRun;
    this.rank(run, job).catch((error) => {
      if (run !== this.rankRun) return;
      const message =
        error instanceof UserFacingError ? error.message : `Ranking the held-out images failed: ${error instanceof Error ? error.message : String(error)}`;
      this.deps.emit({ type: 'rankFailed', message });
    });
  }

  /** The model and held-out images a ranking scores; throws, in plain words, when they cannot be ranked. */
  private rankingJob(): { model: PixelCNN; images: ImageDataset; labels: Int32Array | null } {
    const model = this.deps.model();
    const data = this.deps.heldOut();
    if (!data || data.images.count === 0) throw new UserFacingError('dataset', 'There are no held-out images to rank: load a dataset first.');
    const { images, labels, problem } = data;
    const { height, width, colorChannels, classes } = model.config;
    if (images.width * images.height * images.channels !== height * width * colorChannels) {
      throw new UserFacingError('dataset', 'The held-out images do not have the model’s size yet; wait for the dataset to reload.');
    }
    if (classes > 0 && !labels) throw new UserFacingError('dataset', problem ?? `This model draws one of ${classes} classes, and these images have none.`);
    return { model, images, labels };
  }

  /** Scores the held-out images a chunk at a time; a newer run, model or dataset ends an older one. */
  private async rank(run: number, { model, images, labels }: { model: PixelCNN; images: ImageDataset; labels: Int32Array | null }): Promise<void> {
    const { height, width, colorChannels, levels } = model.config;
    const size = height * width * colorChannels;
    const total = Math.min(images.count, MAX_RANKED);
    const scores = new Float32Array(total);
    this.deps.emit({ type: 'rankProgress', done: 0, total });
    const chunkSize = Math.max(1, Math.min(RANK_CHUNK_MOST, Math.floor(RANK_CHUNK_SUBPIXELS / size)));
    for (let start = 0; start < total; start += chunkSize) {
      const n = Math.min(chunkSize, total - start);
      const chunk = await bitsPerDimEach(model, images.pixels.subarray(start * size, (start + n) * size), n, labels?.subarray(start, start + n));
      if (run !== this.rankRun) return;
      if (this.deps.model() !== model || this.deps.heldOut()?.images !== images) {
        throw new UserFacingError('dataset', 'The ranking stopped: the model or the data changed while it ran. Rank again.');
      }
      scores.set(chunk, start);
      this.deps.emit({ type: 'rankProgress', done: start + n, total });
      // Let training steps and other requests run between chunks.
      await yieldToMessages();
    }
    const order = Array.from({ length: total }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
    const entry = (index: number): RankedImage => ({
      index,
      bitsPerDim: scores[index],
      pixels: images.pixels.slice(index * size, (index + 1) * size),
      caption: labels ? this.deps.className(labels[index]) : null,
    });
    const shown = Math.min(STRIP_LENGTH, Math.floor(total / 2) || total);
    const ranking: HeldOutRanking = {
      width,
      height,
      channels: colorChannels,
      levels,
      ranked: total,
      meanBitsPerDim: scores.reduce((a, b) => a + b, 0) / total,
      typical: order.slice(0, shown).map(entry),
      unusual: order.slice(-shown).reverse().map(entry),
      steps: this.deps.steps(),
    };
    this.deps.emit(
      { type: 'ranking', ranking },
      [...ranking.typical, ...ranking.unusual].map((r) => r.pixels.buffer),
    );
  }
}
