import * as tf from '@tensorflow/tfjs';

/** Unit tests run on the tfjs CPU backend under Node: real kernels, small shapes. */
export async function useCpuBackend(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
}
