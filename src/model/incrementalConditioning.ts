import * as tf from '@tensorflow/tfjs';
import type { MaskedLayer } from './layers';

/**
 * A layer's biases that depend on no pixel, read once for the incremental
 * samplers: the position tables and the class table, row-major, and the
 * sum they add to output channels [from, from + width) of image b at (row, col).
 */
export interface ConditioningValues {
  outChannels: number;
  rows: Float32Array | null;
  cols: Float32Array | null;
  classTable: Float32Array | null;
}

/** Copies of the tables, taken synchronously (so a training step in between cannot mix them); read them with `readConditioning`. */
export function snapshotConditioning(layer: MaskedLayer): Array<tf.Tensor | null> {
  return [layer.position ? tf.clone(layer.position.rows) : null, layer.position ? tf.clone(layer.position.cols) : null, layer.classTable ? tf.clone(layer.classTable) : null];
}

export async function readConditioning(layer: MaskedLayer, snapshot: Array<tf.Tensor | null>): Promise<ConditioningValues> {
  const [rows, cols, classTable] = await Promise.all(snapshot.map((t) => (t ? (t.data() as Promise<Float32Array>) : null)));
  return { outChannels: layer.weight.shape[3], rows, cols, classTable };
}

/** Adds the layer's position and class bias for (label, row, col) to `target[at … at + width)`, output channels from `from`. */
export function addConditioning(
  values: ConditioningValues,
  target: Float32Array | Float64Array,
  at: number,
  from: number,
  width: number,
  label: number,
  row: number,
  col: number,
): void {
  const n = values.outChannels;
  if (values.rows && values.cols) {
    const r = row * n + from;
    const c = col * n + from;
    for (let o = 0; o < width; o++) target[at + o] += values.rows[r + o] + values.cols[c + o];
  }
  if (values.classTable) {
    const k = label * n + from;
    for (let o = 0; o < width; o++) target[at + o] += values.classTable[k + o];
  }
}
