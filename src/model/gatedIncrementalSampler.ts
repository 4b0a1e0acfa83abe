import type { GatedNetwork, NetworkLayer } from './gatedNetwork';
import { type IncrementalArithmetic, workspace } from './incrementalArithmetic';
import { writeInputLevel } from './inputLevels';
import { openTaps } from './masks';
import { type SampleOptions, type SampleResult, samplingRun, subPixelAt } from './sampling';

/**
 * Fast generation for the Gated PixelCNN: every activation is computed once,
 * when its inputs become final, as in incrementalSampler.ts for the PixelCNN.
 *
 * The two stacks become final at different times:
 * - the vertical stack at row r sees only rows above r, so when row r starts
 *   its whole row is computed at once, every layer, and so is each layer's
 *   link av·link into the horizontal stack;
 * - the horizontal stack at (r, c), colour group g, depends on the row to the
 *   left, the groups up to g at (r, c), and the link: it is computed when
 *   sub-pixel (r, c, g) is about to be drawn, group g only, every layer, then
 *   the head and the logits of group g.
 *
 * Each computation is a product of a gathered patch of cached activations
 * with a matrix of open-tap weights; closed taps are zero rows of the matrix,
 * so not-yet-computed later groups at the centre add nothing. The products
 * run in WebAssembly SIMD or plain JavaScript (see incrementalArithmetic.ts),
 * on arrays of one workspace, and the parity tests hold both to the
 * reference sampler.
 */

/** A patch × matrix product: [n, rows] · [rows, cols]; `values` moves into the workspace once every matrix is known. */
interface Linear {
  rows: number;
  cols: number;
  values: Float32Array;
}

interface Tap {
  dy: number;
  dx: number;
}

/** Taps side by side in one kernel row: `length` of them from (dy, dx) rightwards. */
interface TapRun {
  dy: number;
  dx: number;
  length: number;
}

const tapRuns = new WeakMap<Tap[], TapRun[]>();

/** `taps` (in kernel order) as runs of neighbours in a row, computed once per tap list. */
function runsOf(taps: Tap[]): TapRun[] {
  let runs = tapRuns.get(taps);
  if (!runs) {
    runs = [];
    for (const tap of taps) {
      const last = runs[runs.length - 1];
      if (last && last.dy === tap.dy && last.dx + last.length === tap.dx) last.length++;
      else runs.push({ dy: tap.dy, dx: tap.dx, length: 1 });
    }
    tapRuns.set(taps, runs);
  }
  return runs;
}

/** The columns [from, from + width) of a masked layer's weight over its open taps, as [taps · inChannels, width]. */
function tapColumns(layer: NetworkLayer, colorChannels: number, from: number, width: number): { taps: Tap[]; values: Float32Array } {
  const { weight, shape } = layer;
  const [k, , cin, cout] = shape;
  const centre = (k - 1) / 2;
  const open = openTaps(layer.maskType, k, colorChannels, layer.region);
  const values = new Float32Array(open.length * cin * width);
  open.forEach(([row, col], t) => {
    const offset = (row * k + col) * cin * cout;
    for (let ci = 0; ci < cin; ci++) {
      const start = offset + ci * cout + from;
      values.set(weight.subarray(start, start + width), (t * cin + ci) * width);
    }
  });
  return { taps: open.map(([row, col]) => ({ dy: row - centre, dx: col - centre })), values };
}

/** A product's gather pattern and open-tap weights, before they become a Linear. */
interface Columns {
  taps: Tap[];
  /** [taps · inChannels (+ folded rows), cols] row-major. */
  values: Float32Array;
  cols: number;
}

/**
 * Folds a residual product into the product that reads its result next.
 * The residual adds r = gated · R (R: [p, q], group g's columns) to h at
 * this position, group g; `next` reads h there through its centre tap, so
 *   next(h) = next(h without r) + gated · (R · next's centre-tap rows of group g).
 * The folded product takes the gated values as p extra patch rows and gives
 * r too, as q extra columns: [patch | gated] · [[next, 0], [R · centre, R]].
 * One matMul instead of two, with the same sums up to rounding.
 */
function foldResidual(next: Columns, inChannels: number, residual: Columns, g: number, q: number): Columns {
  const rows = next.values.length / next.cols;
  const p = residual.values.length / q;
  const cols = next.cols + q;
  const centre = next.taps.findIndex((t) => t.dy === 0 && t.dx === 0);
  const values = new Float32Array((rows + p) * cols);
  for (let i = 0; i < rows; i++) values.set(next.values.subarray(i * next.cols, (i + 1) * next.cols), i * cols);
  const { values: r } = residual;
  const { values: n, cols: nextCols } = next;
  // Row k of R · (next's centre-tap rows of group g), summed in float64 over c, a whole row at a time.
  const sums = new Float64Array(nextCols);
  for (let k = 0; k < p; k++) {
    sums.fill(0);
    for (let c = 0; c < q; c++) {
      const factor = r[k * q + c];
      const row = (centre * inChannels + g * q + c) * nextCols;
      for (let j = 0; j < nextCols; j++) sums[j] += factor * n[row + j];
    }
    const out = (rows + k) * cols;
    values.set(sums, out);
    for (let c = 0; c < q; c++) values[out + nextCols + c] = r[k * q + c];
  }
  return { taps: next.taps, values, cols };
}

/**
 * Samples `network` (its values read from a model, or from a model file) with no tfjs: the products and the
 * gate run in the workspace's arithmetic.
 */
export async function sampleGatedNetwork(network: GatedNetwork, options: SampleOptions, arithmetic: IncrementalArithmetic): Promise<SampleResult> {
  const { height: H, width: W, colorChannels: C, levels, hiddenChannels: p, inputEmbedding: E } = network.config;
  const q = p / C;
  const { embedding } = network;
  const matrices: Linear[] = [];
  const linear = (rows: number, cols: number, data: Float32Array): Linear => {
    const matrix = { rows, cols, values: data };
    matrices.push(matrix);
    return matrix;
  };
  const columnsOf = (layer: NetworkLayer, from: number, width: number): Columns => ({ ...tapColumns(layer, C, from, width), cols: width });
  const product_ = ({ taps, values: data, cols }: Columns) => ({ taps, matrix: linear(data.length / cols, cols, data) });
  const columns = (layer: NetworkLayer, from: number, width: number) => product_(columnsOf(layer, from, width));

  // Group g's residual columns of each layer that has one, folded into the next product that reads h (foldResidual).
  const residuals = network.stacks.map(({ residual }) => (residual ? Array.from({ length: C }, (_, g) => columnsOf(residual, g * q, q)) : null));
  const stacks = network.stacks.map((gated, l) => ({
    vertical: { layer: gated.vertical, ...columns(gated.vertical, 0, 2 * p) },
    // The horizontal stack's group g: its [f | g] columns, and the residual of the layer before, when it has one.
    horizontal: Array.from({ length: C }, (_, g) => {
      const own = columnsOf(gated.horizontal, g * 2 * q, 2 * q);
      const before = l > 0 ? residuals[l - 1] : null;
      return product_(before ? foldResidual(own, p, before[g], g, q) : own);
    }),
    horizontalLayer: gated.horizontal,
    link: linear(2 * p, 2 * p, gated.link),
    residual: gated.residual,
  }));
  const last = residuals[residuals.length - 1];
  const outputs = network.outputs.map((layer, i) => {
    const width = layer.shape[3] / C;
    // The head reads h first: the last layer's residual is folded into it.
    const groups = Array.from({ length: C }, (_, g) => {
      const own = columnsOf(layer, g * width, width);
      return product_(i === 0 && last ? foldResidual(own, p, last[g], g, q) : own);
    });
    return { layer, width, groups };
  });

  return await run();

  async function run(): Promise<SampleResult> {
    const sampling = samplingRun(network, options);
    const { pixels, images, perImage, start, labels, batch: count } = sampling;
    const label = (b: number) => (labels ? labels[b] : 0);
    const cin0 = E > 0 ? C * E : C;
    const plane = count * H * W;
    const L = stacks.length;
    const maxRows = Math.max(...matrices.map((m) => m.rows), p);
    const maxCols = Math.max(...matrices.map((m) => m.cols), 2 * p);
    // Each layer's constant terms (incrementalConditioning.ts), as tables in the workspace for the kernels.
    const termLayers = [...stacks.flatMap((s) => [s.vertical.layer, s.horizontalLayer, ...(s.residual ? [s.residual] : [])]), ...outputs.map((o) => o.layer)];
    // Every matrix, table and cache in one workspace, where the kernels read and write them in place.
    const space = workspace(
      [
        ...matrices.map((m) => m.values.length),
        ...termLayers.flatMap(({ constants: { byRow, byColumnAndClass } }) => [byRow.length, byColumnAndClass?.length ?? 0]),
        maxCols, // zeros: the second term where a layer has only one
        plane * cin0, // x: the network input
        count * W * maxRows, // patch: gathered taps, one row per image (per column of a row for the vertical stack)
        count * W * maxCols, // pre: a product's result
        ...stacks.flatMap(() => [plane * p, count * W * 2 * p, plane * p, plane * p]), // vOut, linkRow, hOut, gatedH
        ...outputs.map((o) => plane * o.width * C), // outputCache
      ],
      arithmetic,
    );
    const arrays = space.arrays.slice();
    for (const matrix of matrices) {
      const values = arrays.shift()!;
      values.set(matrix.values);
      matrix.values = values;
    }
    const terms = new Map(
      termLayers.map((layer) => {
        const { byRow, byColumnAndClass } = layer.constants;
        const [row, columnAndClass] = arrays.splice(0, 2);
        row.set(byRow);
        if (byColumnAndClass) columnAndClass.set(byColumnAndClass);
        return [layer, { byRow: row, byColumnAndClass: byColumnAndClass ? columnAndClass : null }];
      }),
    );
    const [zeros, x, patch, pre] = arrays.splice(0, 4);
    /**
     * Adds layer's constant terms for row `row` (output channels [from, from + width)) to n rows of `target`,
     * `stride` apart from `at` on: the row table to every one; the column-and-class table from `col` on,
     * a column per target row (a whole image row, n = W), or for one column (n = 1).
     */
    const addConstants = (
      layer: NetworkLayer,
      target: Float32Array,
      at: number,
      stride: number,
      n: number,
      from: number,
      width: number,
      b: number,
      row: number,
      col: number,
    ) => {
      const { outChannels: k, columns } = layer.constants;
      const { byRow, byColumnAndClass } = terms.get(layer)!;
      const second = byColumnAndClass ?? zeros;
      const secondAt = byColumnAndClass ? (label(b) * columns + col) * k + from : 0;
      space.addTerms(target, at, stride, byRow, row * k + from, 0, second, secondAt, byColumnAndClass ? k : 0, n, width);
    };
    const vOut = stacks.map((_, l) => arrays[4 * l]);
    const linkRow = stacks.map((_, l) => arrays[4 * l + 1]);
    const hOut = stacks.map((_, l) => arrays[4 * l + 2]);
    const gatedH = stacks.map((_, l) => arrays[4 * l + 3]);
    const outputCache = outputs.map((_, i) => arrays[4 * L + i]);
    const logits = new Float32Array(count * levels);

    /** `source` × matrix for n rows of `source`, into `target`. */
    function product(matrix: Linear, n: number, source: Float32Array = patch, target: Float32Array = pre): Float32Array {
      space.multiply(source, matrix.values, target, n, matrix.rows, matrix.cols);
      return target;
    }

    /**
     * Gathers `taps` of `source` ([count, H, W, channels]) around (row, col) of image b into the patch from `k` on.
     * Taps come a kernel row at a time, so each run of them reads one contiguous stretch of `source`.
     */
    function gather(source: Float32Array, channels: number, taps: Tap[], b: number, row: number, col: number, k: number): void {
      for (const run of runsOf(taps)) {
        const span = run.length * channels;
        const y = row + run.dy;
        const x0 = col + run.dx;
        // The run's taps inside the image: [inside, end).
        const inside = y < 0 || y >= H ? run.length : Math.min(run.length, Math.max(0, -x0));
        const end = y < 0 || y >= H ? run.length : Math.max(inside, Math.min(run.length, W - x0));
        if (inside > 0) patch.fill(0, k, k + inside * channels);
        if (end > inside) space.copy(source, ((b * H + y) * W + x0 + inside) * channels, patch, k + inside * channels, (end - inside) * channels);
        if (end < run.length) patch.fill(0, k + end * channels, k + span);
        k += span;
      }
    }

    /** The vertical stack and its links for the whole of row `row` (only rows above are read). */
    function verticalRow(row: number): void {
      for (const [l, stack] of stacks.entries()) {
        const source = l === 0 ? x : vOut[l - 1];
        const channels = l === 0 ? cin0 : p;
        const rows = stack.vertical.matrix.rows;
        for (let b = 0; b < count; b++) for (let col = 0; col < W; col++) gather(source, channels, stack.vertical.taps, b, row, col, (b * W + col) * rows);
        product(stack.vertical.matrix, count * W);
        // The last layer's gated vertical output feeds nothing (only its link does): it is not computed.
        const feedsNext = l < stacks.length - 1;
        for (let b = 0; b < count; b++) {
          addConstants(stack.vertical.layer, pre, b * W * 2 * p, 2 * p, W, 0, 2 * p, b, row, 0);
          // Group g of each column of the row: f and g from pre, 2p apart column to column, into vOut, p apart.
          if (feedsNext) for (let g = 0; g < C; g++) space.gate(pre, b * W * 2 * p + g * 2 * q, 2 * p, vOut[l], (b * H + row) * W * p + g * q, p, W, q);
        }
        product(stack.link, count * W, pre, linkRow[l]);
        // The horizontal stack's constant terms at this row join its link now, so each step adds one row, not three.
        for (let b = 0; b < count; b++) addConstants(stack.horizontalLayer, linkRow[l], b * W * 2 * p, 2 * p, W, 0, 2 * p, b, row, 0);
      }
    }

    /** Group g at (row, col) of every horizontal layer, the head, and (unless `known`) the logits. */
    function horizontalStep(row: number, col: number, g: number, known: boolean): void {
      const pos = (b: number) => (b * H + row) * W + col;
      /**
       * Runs `matrix` over each image's patch: `gather` fills its first rows; when layer `owing`'s residual
       * is folded in, the gated values of that layer follow, and the product's last q columns are the
       * residual, added to h of that layer here (h = h + residual(gated), group to group).
       */
      const foldedProduct = (matrix: Linear, gatherRows: (b: number, at: number) => void, owing: number | null): Float32Array => {
        for (let b = 0; b < count; b++) {
          gatherRows(b, b * matrix.rows);
          if (owing !== null) space.copy(gatedH[owing], pos(b) * p, patch, b * matrix.rows + matrix.rows - p, p);
        }
        const out = product(matrix, count);
        // Each image's residual: the last q columns of its row of out, added to its position in h, H·W·p apart.
        if (owing !== null) space.addTerms(hOut[owing], pos(0) * p + g * q, H * W * p, out, matrix.cols - q, matrix.cols, zeros, 0, 0, count, q);
        return out;
      };

      /** The layer whose residual product is still owed to h (folded into the next product that reads h). */
      let owing: number | null = null;
      for (const [l, stack] of stacks.entries()) {
        const source = l === 0 ? x : hOut[l - 1];
        const channels = l === 0 ? cin0 : p;
        const { taps, matrix } = stack.horizontal[g];
        const pre = foldedProduct(matrix, (b, at) => gather(source, channels, taps, b, row, col, at), owing);
        const width = matrix.cols;
        // The link and the constant terms (already summed in linkRow), a column W·2p apart image to image.
        space.addTerms(pre, 0, width, linkRow[l], col * 2 * p + g * 2 * q, W * 2 * p, zeros, 0, 0, count, 2 * q);
        // Each image's f and g are `width` apart in pre; its position is H·W·p apart in the target.
        space.gate(pre, 0, width, stack.residual ? gatedH[l] : hOut[l], pos(0) * p + g * q, H * W * p, count, q);
        owing = null;
        if (stack.residual) {
          // h = h + residual(gate(ah)) + bias: h and the bias now, the residual with the next product (foldResidual).
          for (let b = 0; b < count; b++) {
            const at = pos(b) * p + g * q;
            space.copy(hOut[l - 1], at, hOut[l], at, q);
            addConstants(stack.residual, hOut[l], at, 0, 1, g * q, q, b, row, col);
          }
          owing = l;
        }
      }
      let source = hOut[stacks.length - 1];
      let channels = p;
      for (const [i, output] of outputs.entries()) {
        const isLogits = output.layer.role === 'output';
        // A known sub-pixel needs no logits, unless they are where the last residual is owed.
        if (isLogits && known && (i > 0 || owing === null)) return;
        const from = source;
        const reads = channels;
        const matrix = output.groups[g].matrix;
        const pre = foldedProduct(matrix, (b, at) => space.copy(from, pos(b) * reads, patch, at, reads), i === 0 ? owing : null);
        const width = output.width;
        for (let b = 0; b < count; b++) addConstants(output.layer, pre, b * matrix.cols, 0, 1, g * width, width, b, row, col);
        if (isLogits) for (let b = 0; b < count; b++) logits.set(pre.subarray(b * matrix.cols, b * matrix.cols + width), b * levels);
        // Each image's row of pre, activated, into its position of the cache, H·W·width·C apart.
        else space.relu(outputCache[i], pos(0) * width * C + g * width, H * W * width * C, pre, 0, matrix.cols, count, width);
        source = outputCache[i];
        channels = width * C;
      }
    }

    for (let index = 0; index < perImage; index++) {
      const { row, col, channel } = subPixelAt(index, W, C);
      const known = index < start;
      if (!known && options.shouldStop?.()) return { pixels: images, completed: index };
      if (col === 0 && channel === 0) verticalRow(row);
      horizontalStep(row, col, channel, known);
      if (!known) sampling.draw(index, logits);
      for (let b = 0; b < count; b++) {
        const at = b * perImage + index;
        writeInputLevel(x, at, channel, pixels[at], levels, embedding, E);
      }
      if (!known) await options.onSubPixel?.(sampling.step(index));
    }
    return { pixels: images, completed: perImage };
  }
}
