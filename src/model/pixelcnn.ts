import { type PixelCNNConfig, validateConfig } from './config';
import { createGatedPixelCNN } from './gatedPixelCNN';
import type { PixelCNN, PixelCNNOptions } from './network';
import { createPlainPixelCNN } from './plainPixelCNN';

/**
 * The factory: a new model for `config`, of the architecture it names (the
 * plain PixelCNN, plainPixelCNN.ts, or the Gated PixelCNN, gatedPixelCNN.ts),
 * after checking the config. The contract both meet is network.ts; its
 * types are exported here too, so a caller that builds a model takes what it
 * needs from one place.
 */

export type { PixelCNN, PixelCNNOptions } from './network';

export function createPixelCNN(config: PixelCNNConfig, seed = 1, options: PixelCNNOptions = {}): PixelCNN {
  validateConfig(config);
  return config.architecture === 'gated' ? createGatedPixelCNN(config, seed, options) : createPlainPixelCNN(config, seed, options);
}
