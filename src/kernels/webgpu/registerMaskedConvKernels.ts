import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { MASKED_CONV_KERNELS } from '../../model/maskedConv';
import { MASK_REGIONS } from '../../model/masks';
import { MaskedConvForwardProgram, MaskedConvInputGradProgram, MaskedConvWeightGradProgram, type MaskedConvSpec } from './maskedConvPrograms';

/**
 * Registers the WGSL masked-convolution kernels with tfjs for the 'webgpu'
 * backend, under the names maskedConv2d looks for (MASKED_CONV_KERNELS).
 * Explicit rather than on import, so that importing the model never pulls in
 * tfjs-backend-webgpu (unit tests run under Node without it). Call it where
 * the WebGPU backend is set up; calling it again does nothing.
 */

type Shape4D = [number, number, number, number];

function input(inputs: tf.NamedTensorInfoMap, name: string, kernel: string, rank: number): tf.TensorInfo {
  const tensor = inputs[name];
  if (!tensor) throw new Error(`${kernel}: missing input '${name}'.`);
  if (tensor.shape.length !== rank) throw new Error(`${kernel}: '${name}' must have rank ${rank}, got [${tensor.shape}].`);
  if (tensor.dtype !== 'float32') throw new Error(`${kernel}: '${name}' must be float32, got ${tensor.dtype}.`);
  return tensor;
}

/** The static specialisation from the attrs and the weight-shaped dimensions, checked against each other. */
export function specFrom(attrs: tf.NamedAttrMap | undefined, kernel: string, inChannels: number, outChannels: number): MaskedConvSpec {
  const kernelSize = Number(attrs?.kernelSize);
  const maskType = attrs?.maskType === 'A' ? 'A' : attrs?.maskType === 'B' ? 'B' : null;
  const colorChannels = Number(attrs?.colorChannels);
  const region = MASK_REGIONS.find((r) => r === attrs?.region);
  if (!region) {
    throw new Error(`${kernel}: region must be one of ${MASK_REGIONS.map((r) => `'${r}'`).join(', ')}, got ${describe(attrs?.region)}.`);
  }
  if (!Number.isInteger(kernelSize) || kernelSize < 1 || kernelSize % 2 === 0) {
    throw new Error(`${kernel}: kernelSize must be odd and positive, got ${String(attrs?.kernelSize)}.`);
  }
  if (!maskType) throw new Error(`${kernel}: maskType must be 'A' or 'B', got ${String(attrs?.maskType)}.`);
  if (!Number.isInteger(colorChannels) || colorChannels < 1 || inChannels % colorChannels || outChannels % colorChannels) {
    throw new Error(`${kernel}: ${inChannels} → ${outChannels} channels do not split into ${String(attrs?.colorChannels)} colour groups.`);
  }
  return { kernelSize, region, maskType, colorChannels, inChannels, outChannels };
}

/** An attr value as an error message shows it: strings quoted, so '' and 'undefined' read as what they are. */
function describe(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : String(value);
}

function checkWeight(w: tf.TensorInfo, spec: MaskedConvSpec, kernel: string): void {
  const expected = [spec.kernelSize, spec.kernelSize, spec.inChannels, spec.outChannels];
  if (w.shape.some((n, i) => n !== expected[i])) throw new Error(`${kernel}: weight is [${w.shape}], expected [${expected}].`);
}

function checkSameImage(a: tf.TensorInfo, b: tf.TensorInfo, kernel: string): void {
  if (a.shape[0] !== b.shape[0] || a.shape[1] !== b.shape[1] || a.shape[2] !== b.shape[2]) {
    throw new Error(`${kernel}: [${a.shape}] and [${b.shape}] differ in batch or image size.`);
  }
}

const forward: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const name = MASKED_CONV_KERNELS.forward;
  const x = input(inputs, 'x', name, 4);
  const w = input(inputs, 'w', name, 4);
  const bias = input(inputs, 'bias', name, 1);
  const spec = specFrom(attrs, name, x.shape[3], w.shape[3]);
  checkWeight(w, spec, name);
  if (bias.shape[0] !== spec.outChannels) throw new Error(`${name}: bias has ${bias.shape[0]} entries, expected ${spec.outChannels}.`);
  const program = new MaskedConvForwardProgram(spec, x.shape as Shape4D);
  return (backend as WebGPUBackend).runWebGPUProgram(program, [x, w, bias], 'float32');
};

const inputGradient: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const name = MASKED_CONV_KERNELS.inputGradient;
  const dy = input(inputs, 'dy', name, 4);
  const w = input(inputs, 'w', name, 4);
  const spec = specFrom(attrs, name, w.shape[2], dy.shape[3]);
  checkWeight(w, spec, name);
  const program = new MaskedConvInputGradProgram(spec, dy.shape as Shape4D);
  return (backend as WebGPUBackend).runWebGPUProgram(program, [dy, w], 'float32');
};

const weightGradient: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const name = MASKED_CONV_KERNELS.weightGradient;
  const x = input(inputs, 'x', name, 4);
  const dy = input(inputs, 'dy', name, 4);
  checkSameImage(x, dy, name);
  const spec = specFrom(attrs, name, x.shape[3], dy.shape[3]);
  const program = new MaskedConvWeightGradProgram(spec);
  return (backend as WebGPUBackend).runWebGPUProgram(program, [x, dy], 'float32');
};

export function registerMaskedConvKernels(): void {
  const kernels: Array<[string, tf.KernelFunc]> = [
    [MASKED_CONV_KERNELS.forward, forward],
    [MASKED_CONV_KERNELS.inputGradient, inputGradient],
    [MASKED_CONV_KERNELS.weightGradient, weightGradient],
  ];
  for (const [kernelName, kernelFunc] of kernels) {
    if (!tf.getKernel(kernelName, 'webgpu')) tf.registerKernel({ kernelName, backendName: 'webgpu', kernelFunc });
  }
}
