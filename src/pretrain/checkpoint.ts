/**
 * A pretraining checkpoint: the weights, Adam's moments and the step count,
 * in one JSON file. With the pure schedule (schedule.ts) that is everything
 * a stopped run needs to continue as if it had never stopped.
 */
import * as tf from '@tensorflow/tfjs';
import { type SavedModel, type SavedTensor, decodeFloat32, encodeFloat32, loadWeights, parseSavedModel, saveModel } from '../model/serialize';
import type { PixelCNN } from '../model/pixelcnn';
import type { AdamMoments, KernelTrainer } from '../model/simd/training/kernelTrainer';
import type { PretrainSettings } from './schedule';

export const CHECKPOINT_FORMAT = 'pixelcnn-studio-pretrain-checkpoint';

export interface Checkpoint {
  format: typeof CHECKPOINT_FORMAT;
  settings: PretrainSettings;
  /** Steps completed. */
  step: number;
  /** Training time spent before this checkpoint, for the progress bar and the card. */
  elapsedSeconds: number;
  /** Bits/dim of every step so far, for the loss curve of the run. */
  trainBits: number[];
  model: SavedModel;
  /** tf.Optimizer.getWeights(), in its order (Adam matches moments to variables by position). */
  optimizer: SavedTensor[];
}

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

export async function makeCheckpoint(
  model: PixelCNN,
  optimizer: tf.Optimizer,
  settings: PretrainSettings,
  progress: { step: number; elapsedSeconds: number; trainBits: number[] },
): Promise<Checkpoint> {
  const weights = await optimizer.getWeights();
  const optimizerState: SavedTensor[] = [];
  for (const { name, tensor } of weights) {
    const values = (await tensor.data()) as Float32Array;
    optimizerState.push({ name, shape: tensor.shape, data: encodeFloat32(Float32Array.from(values)) });
  }
  // getWeights returns fresh handles to the iteration count; the moments are the optimizer's own.
  const iterations = weights.find((w) => w.name === 'iter');
  iterations?.tensor.dispose();
  return { format: CHECKPOINT_FORMAT, settings, ...progress, model: await saveModel(model), optimizer: optimizerState };
}

/**
 * A checkpoint of a run trained by the SIMD kernel trainer: its weights go to
 * `model` first, and its Adam state is written as tfjs's getWeights lays it
 * out (the step count, then every first moment, then every second), so
 * either engine can resume it.
 */
export async function makeKernelCheckpoint(
  model: PixelCNN,
  kernels: KernelTrainer,
  settings: PretrainSettings,
  progress: { step: number; elapsedSeconds: number; trainBits: number[] },
): Promise<Checkpoint> {
  kernels.writeTo(model);
  const { iterations, first, second } = kernels.optimizerState();
  const moments = (values: Float32Array[], suffix: string): SavedTensor[] =>
    model.variables.map((v, i) => ({ name: `${v.name}/${suffix}`, shape: v.shape, data: encodeFloat32(values[i]) }));
  const optimizer = [{ name: 'iter', shape: [], data: encodeFloat32(Float32Array.of(iterations)) }, ...moments(first, 'm'), ...moments(second, 'v')];
  return { format: CHECKPOINT_FORMAT, settings, ...progress, model: await saveModel(model), optimizer };
}

/** The Adam state a checkpoint holds, for the kernel trainer (no moments yet: a run checkpointed before its first step). */
export function checkpointMoments(checkpoint: Checkpoint): AdamMoments | null {
  const iter = checkpoint.optimizer.find((t) => t.name === 'iter');
  const moments = checkpoint.optimizer.filter((t) => t.name !== 'iter').map((t) => decodeFloat32(t.data, t.name));
  if (!iter || moments.length === 0) return null;
  const half = moments.length / 2;
  return { iterations: decodeFloat32(iter.data, 'iter')[0], first: moments.slice(0, half), second: moments.slice(half) };
}

/** Same settings, compared field by field, so a resumed run cannot silently change course. */
export function settingsDiffer(a: PretrainSettings, b: PretrainSettings): string | null {
  // Neither where a run started (init: only its first step reads it) nor the guidance its model records changes a step.
  const flat = (s: PretrainSettings): Record<string, unknown> => ({ ...s.config, ...s, config: undefined, init: undefined, guidance: undefined });
  const fa = flat(a);
  const fb = flat(b);
  for (const key of new Set([...Object.keys(fa), ...Object.keys(fb)])) {
    if (fa[key] !== fb[key]) return `${key} is ${String(fb[key])} in the checkpoint but ${String(fa[key])} now`;
  }
  return null;
}

/** Parses a checkpoint file's JSON; throws CheckpointError naming what is wrong. */
export function parseCheckpoint(json: unknown): Checkpoint {
  const c = json as Partial<Checkpoint> | null;
  if (!c || c.format !== CHECKPOINT_FORMAT) throw new CheckpointError('not a pretraining checkpoint');
  if (!Number.isInteger(c.step) || !Array.isArray(c.trainBits) || !Array.isArray(c.optimizer) || !c.settings) {
    throw new CheckpointError('the checkpoint is incomplete (step, trainBits, optimizer or settings missing)');
  }
  return { ...(c as Checkpoint), model: parseSavedModel(c.model) };
}

/** Puts the checkpoint's weights into `model` and its moments into `optimizer`. */
export async function restoreCheckpoint(checkpoint: Checkpoint, model: PixelCNN, optimizer: tf.Optimizer): Promise<void> {
  loadWeights(model, checkpoint.model);
  const weights = checkpoint.optimizer.map(({ name, shape, data }) => ({ name, tensor: tf.tensor(decodeFloat32(data, name), shape) }));
  // setWeights copies the moments into new variables; the decoded tensors are ours to free.
  await optimizer.setWeights(weights);
  tf.dispose(weights.map((w) => w.tensor));
}
