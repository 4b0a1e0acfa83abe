import { classRows, type PixelCNNConfig } from './config';

/**
 * How much memory a model needs for one training step, known before it is
 * built. tfjs-free, so the page can show the same numbers the engine checks.
 *
 * Three parts, all float32:
 * - parameters: every weight tensor at its full k×k size (masked taps
 *   included), its fixed mask, biases, position and class tables, the level
 *   embedding and the gated links;
 * - training state: Adam's two moments per variable, the trainer's two copies
 *   of the weights (the last good ones and the ones before this step), and
 *   during the step the gradients and the weight-gradient intermediates;
 * - activations: what the forward pass keeps for the backward pass, and what
 *   the backward pass makes, per position of the batch (B·H·W of them).
 *
 * The activation factors are tensors of a layer's width kept per position,
 * read off `tf.profile` peaks of training steps (memory.test.ts checks the
 * estimate against measured peaks). The Gated PixelCNN keeps about eight
 * times as much per layer as the PixelCNN: its gates, links and two stacks
 * each leave several full-width tensors on the tape.
 */

const FLOAT_BYTES = 4;

/** Full-width tensors kept per position and layer, per hidden channel. */
const ACTIVATIONS_PER_LAYER: Record<PixelCNNConfig['architecture'], number> = { pixelcnn: 12, gated: 100 };
/** Head-width tensors kept per position (relu, its gradient, the 1×1 products). */
const ACTIVATIONS_PER_HEAD = 10;
/** Logit-width tensors kept per position (logits, softmax, the loss gradient, the embedding's one-hot products). */
const ACTIVATIONS_PER_LOGIT = 9;
/**
 * Copies of the trainable weights alive at the peak besides the weights
 * themselves: Adam's m and v and the trainer's two copies (4), then the
 * gradients with the weight-gradient blocks, padded to k×k and summed, that
 * the step holds until the optimizer has applied them (about 10).
 */
const TRAINING_COPIES = 14;

export interface MemoryEstimate {
  /** Images in the training batch the estimate is for. */
  batchSize: number;
  /** The weights and the fixed masks. */
  parameterBytes: number;
  /** Optimizer moments, weight copies and gradients at the peak of a step. */
  gradientBytes: number;
  /** Activations kept for the backward pass, and the backward pass's own. */
  activationBytes: number;
  totalBytes: number;
}

/** Floats in the trainable variables and in the fixed masks of a config's model. */
export function parameterFloats(config: PixelCNNConfig): { trainable: number; masks: number } {
  const { colorChannels: C, levels, hiddenChannels: p, headChannels: head, inputEmbedding: E, height, width } = config;
  let trainable = E > 0 ? C * levels * E : 0;
  let masks = 0;
  const layer = (k: number, inChannels: number, outChannels: number, options: { position?: boolean; classes?: boolean } = {}) => {
    const weights = k * k * inChannels * outChannels;
    trainable += weights + outChannels;
    masks += weights;
    if (options.position) trainable += (height + width) * outChannels;
    if (options.classes !== false) trainable += classRows(config) * outChannels;
  };
  const input = E > 0 ? C * E : C;
  if (config.architecture === 'gated') {
    for (let l = 0; l < config.layers; l++) {
      const k = l === 0 ? config.firstKernelSize : config.kernelSize;
      const inChannels = l === 0 ? input : p;
      layer(k, inChannels, 2 * p, { position: l === 0 && config.position });
      layer(k, inChannels, 2 * p, { position: l === 0 && config.position });
      trainable += 4 * p * p;
      if (l > 0) layer(1, p, p, { classes: false });
    }
  } else {
    layer(config.firstKernelSize, input, p, { position: config.position });
    for (let l = 1; l < config.layers; l++) layer(config.kernelSize, p, p);
  }
  if (head > 0) layer(1, p, head);
  layer(1, head || p, C * levels);
  return { trainable, masks };
}

/** The memory one training step on `batchSize` images needs, in bytes. */
export function estimateTrainingMemory(config: PixelCNNConfig, batchSize: number): MemoryEstimate {
  const { trainable, masks } = parameterFloats(config);
  const positions = batchSize * config.height * config.width;
  const perPosition =
    config.layers * config.hiddenChannels * ACTIVATIONS_PER_LAYER[config.architecture] +
    config.headChannels * ACTIVATIONS_PER_HEAD +
    config.colorChannels * config.levels * ACTIVATIONS_PER_LOGIT +
    config.colorChannels * Math.max(1, config.inputEmbedding);
  const parameterBytes = (trainable + masks) * FLOAT_BYTES;
  const gradientBytes = trainable * TRAINING_COPIES * FLOAT_BYTES;
  const activationBytes = positions * perPosition * FLOAT_BYTES;
  return { batchSize, parameterBytes, gradientBytes, activationBytes, totalBytes: parameterBytes + gradientBytes + activationBytes };
}

/** The engine's backends, by the names the worker uses. */
export type MemoryBackend = 'webgpu' | 'webgl' | 'wasm' | 'cpu';

const GiB = 2 ** 30;

/**
 * The most a training step may need on each backend, with why. wasm's heap
 * stops at 4 GiB and never shrinks, so fragmentation and the estimate's own
 * error need room; GPU memory is not known to a web page, so the GPU
 * backends get a size most integrated GPUs give a tab; the JS CPU backend
 * keeps tensors as typed arrays in the worker's heap.
 */
export const MEMORY_BUDGETS: Record<MemoryBackend, { bytes: number; why: string }> = {
  wasm: { bytes: 2.5 * GiB, why: "the WebAssembly backend's 4 GB heap, less room for fragmentation" },
  webgpu: { bytes: 2 * GiB, why: 'what a browser tab can usually get from a GPU' },
  webgl: { bytes: 2 * GiB, why: 'what a browser tab can usually get from a GPU' },
  cpu: { bytes: 2 * GiB, why: "what a browser worker's memory can usually hold" },
};

/** "1.2 GB", "340 MB": decimal units, as people read memory sizes. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${Math.round(bytes / 1e6)} MB`;
  return `${Math.max(1, Math.round(bytes / 1e3))} kB`;
}

/**
 * Model files above this size (bytes) are opened only once the user has
 * seen their size and what keeping them costs: the app keeps the model in
 * use in this browser, and each checkpoint of its history takes as much
 * again.
 */
export const LARGE_MODEL_FILE_BYTES = 32e6;

/**
 * The largest model file the app opens at all (bytes): above the file of any
 * model whose training fits MEMORY_BUDGETS (memory.test.ts checks this), so
 * the app opens every model it could have trained and saved.
 */
export const MAX_MODEL_FILE_BYTES = 256e6;

/** Null when a model file of `bytes` may be opened; otherwise a sentence naming its size and the limit. */
export function modelFileSizeProblem(fileName: string, bytes: number): string | null {
  if (bytes <= MAX_MODEL_FILE_BYTES) return null;
  return (
    `“${fileName}” is ${formatBytes(bytes)}; the largest model file the app opens is ${formatBytes(MAX_MODEL_FILE_BYTES)}, ` +
    'more than any model it can train needs.'
  );
}

/**
 * For a model file over LARGE_MODEL_FILE_BYTES, the question to ask before
 * opening it: its size, and the storage it takes with `checkpoints`
 * checkpoints of the same size kept in the history; null for a smaller file.
 */
export function largeModelFileQuestion(fileName: string, bytes: number, checkpoints: number): string | null {
  if (bytes <= LARGE_MODEL_FILE_BYTES) return null;
  return (
    `“${fileName}” is ${formatBytes(bytes)}, more than the ${formatBytes(LARGE_MODEL_FILE_BYTES)} the app opens without asking. ` +
    `The app keeps the model in this browser, and each checkpoint of its history takes as much again: ` +
    `with ${checkpoints} checkpoints, about ${formatBytes(bytes * (1 + checkpoints))} of this browser's storage. Open it?`
  );
}

/** The largest batch size (up to `limit`) whose step fits `budget`, or 0 when not even one image does. */
export function largestFittingBatch(config: PixelCNNConfig, budget: number, limit = 1024): number {
  let low = 0;
  let high = limit;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (estimateTrainingMemory(config, mid).totalBytes <= budget) low = mid;
    else high = mid - 1;
  }
  return low;
}

/** The widest hidden layer (a multiple of the colour channels) that fits `budget` at `batchSize`, or 0. */
export function largestFittingChannels(config: PixelCNNConfig, batchSize: number, budget: number): number {
  const step = config.colorChannels;
  let best = 0;
  for (let p = step; p <= config.hiddenChannels; p += step) {
    if (estimateTrainingMemory({ ...config, hiddenChannels: p }, batchSize).totalBytes <= budget) best = p;
    else break;
  }
  return best;
}

/**
 * Null when a training step of `config` on `batchSize` images fits the
 * backend's budget; otherwise a sentence naming the numbers and a size that
 * fits.
 */
export function memoryProblem(config: PixelCNNConfig, batchSize: number, backend: MemoryBackend): string | null {
  const budget = MEMORY_BUDGETS[backend];
  const estimate = estimateTrainingMemory(config, batchSize);
  if (estimate.totalBytes <= budget.bytes) return null;
  const parts =
    `${formatBytes(estimate.parameterBytes)} of weights, ${formatBytes(estimate.gradientBytes)} of optimizer state and gradients, ` +
    `${formatBytes(estimate.activationBytes)} of activations`;
  const fits: string[] = [];
  const batch = largestFittingBatch(config, budget.bytes, batchSize - 1);
  if (batch > 0) fits.push(`a batch size of ${batch}`);
  const channels = largestFittingChannels(config, batchSize, budget.bytes);
  if (channels > 0) fits.push(`${channels} hidden channels`);
  const suggestion = fits.length > 0 ? ` It would fit with ${fits.join(', or with ')}.` : ' Use smaller images, fewer layers or fewer channels.';
  return (
    `This model needs about ${formatBytes(estimate.totalBytes)} to train on batches of ${batchSize} ` +
    `(${parts}), more than the ${formatBytes(budget.bytes)} allowed on ${backend} (${budget.why}).${suggestion}`
  );
}
