import type { PixelCNNConfig } from './config';

/** A tiny gray Gated PixelCNN for the sampler tests: 4×5, 6 levels, 3 layers of 4 channels, no extras (tests add them). */
export const TINY_GATED: PixelCNNConfig = {
  architecture: 'gated',
  height: 4,
  width: 5,
  colorChannels: 1,
  levels: 6,
  hiddenChannels: 4,
  layers: 3,
  firstKernelSize: 5,
  kernelSize: 3,
  headChannels: 0,
  inputEmbedding: 0,
  position: false,
  classes: 0,
  labelDropout: 0,
};
