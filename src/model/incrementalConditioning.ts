/**
 * A layer's terms that depend on no pixel, read once for the incremental
 * samplers: its bias, its position tables and its class table. They are
 * combined into two tables, so that adding all of them to one output is a
 * single pass with two reads (no tfjs here: incrementalSampler.ts reads the
 * values from a model, gatedNetwork.ts from a model file):
 *   byRow[row]                    = bias + position row term,
 *   byColumnAndClass[label][col]  = position column term + class term.
 */
export interface ConstantTerms {
  outChannels: number;
  /** [H, outChannels] row-major. */
  byRow: Float32Array;
  /** [max(classes, 1), W, outChannels] row-major; null when the layer has neither a position nor a class term. */
  byColumnAndClass: Float32Array | null;
  /** W, the stride of a label in byColumnAndClass. */
  columns: number;
}

/** The tables of a layer from its values: bias [n]; position rows [H, n] and columns [W, n]; class table [classes, n]. */
export function constantTerms(
  values: { bias: Float32Array; rows: Float32Array | null; cols: Float32Array | null; classTable: Float32Array | null },
  height: number,
  width: number,
): ConstantTerms {
  const { bias, rows, cols, classTable } = values;
  const n = bias.length;
  const byRow = new Float32Array(height * n);
  for (let r = 0; r < height; r++) for (let o = 0; o < n; o++) byRow[r * n + o] = bias[o] + (rows ? rows[r * n + o] : 0);
  let byColumnAndClass: Float32Array | null = null;
  if (cols || classTable) {
    const labels = classTable ? classTable.length / n : 1;
    byColumnAndClass = new Float32Array(labels * width * n);
    for (let k = 0; k < labels; k++) {
      for (let c = 0; c < width; c++) {
        const at = (k * width + c) * n;
        for (let o = 0; o < n; o++) byColumnAndClass[at + o] = (cols ? cols[c * n + o] : 0) + (classTable ? classTable[k * n + o] : 0);
      }
    }
  }
  return { outChannels: n, byRow, byColumnAndClass, columns: width };
}

/**
 * Adds the layer's constant terms for (label, row, col), output channels
 * [from, from + width), to `target[at …)`; with `also`, adds
 * `also[alsoAt …)` in the same pass.
 */
export function addConstantTerms(
  terms: ConstantTerms,
  target: Float32Array | Float64Array,
  at: number,
  from: number,
  width: number,
  label: number,
  row: number,
  col: number,
  also?: Float32Array,
  alsoAt = 0,
): void {
  const { outChannels: n, byRow, byColumnAndClass } = terms;
  const r = row * n + from;
  if (byColumnAndClass) {
    const k = (label * terms.columns + col) * n + from;
    if (also) for (let o = 0; o < width; o++) target[at + o] += byRow[r + o] + byColumnAndClass[k + o] + also[alsoAt + o];
    else for (let o = 0; o < width; o++) target[at + o] += byRow[r + o] + byColumnAndClass[k + o];
  } else if (also) for (let o = 0; o < width; o++) target[at + o] += byRow[r + o] + also[alsoAt + o];
  else for (let o = 0; o < width; o++) target[at + o] += byRow[r + o];
}
