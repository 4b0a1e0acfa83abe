import { gatedNetworkFromFile } from './gatedNetwork';
import { sampleGatedNetwork } from './gatedIncrementalSampler';
import type { SavedModel } from './modelFile';
import type { SampleOptions, SampleResult } from './sampling';

/**
 * Samples the model in a model file with no tfjs: its values go straight
 * from the file into the incremental sampler, whose products run in the
 * WebAssembly SIMD kernels. So a first visit can draw the shipped model
 * while tfjs is still loading. It draws what `sampleIncremental` draws for
 * the same model built from the file (the same seed gives the same images).
 *
 * Null when the architecture is not supported yet: only the Gated PixelCNN,
 * the shipped models' architecture. Throws ModelFileError, naming the
 * tensor, when the file's values do not fit its config.
 */
export function fileSampler(saved: SavedModel): ((options: SampleOptions) => Promise<SampleResult>) | null {
  if (saved.config.architecture !== 'gated') return null;
  const network = gatedNetworkFromFile(saved);
  return (options) => sampleGatedNetwork(network, options, 'auto');
}
