import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import type { MaskRegion, MaskType } from '../../model/masks';

/**
 * WGSL programs for the masked convolutions of PixelCNN and the Gated
 * PixelCNN (stride 1, 'same' zero padding, HWIO weights), run by
 * tfjs-backend-webgpu's runWebGPUProgram.
 *
 * The mask is never read. Its shape (masks.ts `tapKind`, the table in
 * docs/ARCHITECTURES.md) is baked into the code as three pieces, each
 * present or not (`regionLayout`), with c = (k-1)/2:
 *   full rows      the first `fullRows` kernel rows at full width, open for
 *                  every channel pair: c rows for 'causal' and vertical A,
 *                  c + 1 for vertical B (the centre row too), none for
 *                  'horizontal';
 *   left of centre the centre row's c taps left of the centre, open for
 *                  every pair: 'causal' and 'horizontal';
 *   grouped centre the centre tap over the channels the colour-group rule
 *                  opens: 'causal' and 'horizontal', for mask B always and
 *                  for mask A only with more than one group.
 * The loops run over these pieces only; closed taps are never visited.
 * Groups are contiguous, so at the centre an output channel of group g reads
 * the input channels of groups < g (mask A) or <= g (mask B), a prefix of
 * them, and an input channel feeds a suffix of the output channels.
 *
 * Everything baked in (kernel size, region, mask type, groups, channel
 * counts) is in the shaderKey, because tfjs caches pipelines by shaderKey and
 * input ranks. Batch, height and width come from the shape uniforms tfjs
 * provides.
 *
 * One invocation computes four neighbouring elements along the output's
 * channel axis (its "lanes"), so each input value it loads serves four
 * products. Channel counts need not be multiples of 4: the last group's
 * spare lanes read a valid channel (clamped) and are not written. Dispatch is
 * flat, in 64-wide workgroups; `size: true` gives the output length, from
 * which the invocation count follows.
 */

/** The static specialisation of a masked convolution. */
export interface MaskedConvSpec {
  kernelSize: number;
  region: MaskRegion;
  maskType: MaskType;
  colorChannels: number;
  inChannels: number;
  outChannels: number;
}

const WORKGROUP = 64;

function key(name: string, spec: MaskedConvSpec): string {
  const { kernelSize, region, maskType, colorChannels, inChannels, outChannels } = spec;
  return `pixelcnn_${name}_k${kernelSize}_${region}_${maskType}_g${colorChannels}_${inChannels}x${outChannels}`;
}

/** The pieces of a region's open taps the programs loop over (see the top of this file). */
export interface RegionLayout {
  /** Kernel rows [0, fullRows) are open at full width for every channel pair. */
  fullRows: number;
  /** The centre row's taps left of the centre are open for every channel pair. */
  leftOfCentre: boolean;
  /** The centre tap is open for the channel pairs the colour-group rule opens, and for some pair. */
  groupedCentre: boolean;
}

export function regionLayout(spec: Pick<MaskedConvSpec, 'kernelSize' | 'region' | 'maskType' | 'colorChannels'>): RegionLayout {
  const { kernelSize, region, maskType, colorChannels } = spec;
  const centre = (kernelSize - 1) / 2;
  // The grouped centre opens a pair for mask B always, for mask A only between two different groups.
  const centreUsed = maskType === 'B' || colorChannels > 1;
  switch (region) {
    case 'causal':
      return { fullRows: centre, leftOfCentre: centre > 0, groupedCentre: centreUsed };
    case 'horizontal':
      return { fullRows: 0, leftOfCentre: centre > 0, groupedCentre: centreUsed };
    case 'vertical':
      return { fullRows: maskType === 'A' ? centre : centre + 1, leftOfCentre: false, groupedCentre: false };
    default:
      throw new Error(`Masked convolution: unknown mask region '${String(region)}'.`);
  }
}

/**
 * Module-scope constants shared by the three programs. Prefixed so they
 * cannot clash with the names tfjs generates around the user code.
 */
function constants(spec: MaskedConvSpec): string {
  const { kernelSize, colorChannels, inChannels, outChannels } = spec;
  return `
    const MC_K : i32 = ${kernelSize};
    const MC_C : i32 = ${(kernelSize - 1) / 2};
    const MC_FULL_ROWS : i32 = ${regionLayout(spec).fullRows};
    const MC_CIN : i32 = ${inChannels};
    const MC_COUT : i32 = ${outChannels};
    const MC_CIN_G : i32 = ${inChannels / colorChannels};
    const MC_COUT_G : i32 = ${outChannels / colorChannels};
  `;
}

const LANES = 4;

/**
 * WGSL for the lanes of an invocation: channels first..first+3 along an axis
 * of `count`, clamped so spare lanes read a valid channel, and the store of
 * the valid ones to the output from flat index `base` (= element of lane 0).
 */
const laneSnippet = `
    fn lanes(first : i32, count : i32) -> vec4<i32> {
      return min(vec4<i32>(first) + vec4<i32>(0, 1, 2, 3), vec4<i32>(count - 1));
    }
    fn storeLanes(base : i32, first : i32, count : i32, value : vec4<f32>) {
      setOutputAtIndex(base, value.x);
      if (first + 1 < count) { setOutputAtIndex(base + 1, value.y); }
      if (first + 2 < count) { setOutputAtIndex(base + 2, value.z); }
      if (first + 3 < count) { setOutputAtIndex(base + 3, value.w); }
    }
`;

/** The four lanes' values of `buffer` at `base` + lane offsets. */
function gather4(buffer: string, base: string, offsets: string): string {
  return `vec4<f32>(${buffer}[${base} + ${offsets}.x], ${buffer}[${base} + ${offsets}.y], ${buffer}[${base} + ${offsets}.z], ${buffer}[${base} + ${offsets}.w])`;
}

/**
 * A statement that statically uses every named buffer. WebGPU's automatic
 * bind-group layout drops bindings the entry point never references, and
 * tfjs binds every input, so a program whose mask leaves nothing open (1×1
 * mask A, one group) must still mention them. `index < 0` never holds.
 */
function touch(names: string[]): string {
  return `if (index < 0) { ${names.map((n) => `setOutputAtIndex(0, ${n}[0]);`).join(' ')} }`;
}

abstract class MaskedConvProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  abstract variableNames: string[];
  workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  size = true;

  constructor(
    protected readonly spec: MaskedConvSpec,
    name: string,
    outputShape: number[],
  ) {
    this.outputShape = outputShape;
    this.shaderKey = key(name, spec);
    this.dispatchLayout = { x: outputShape.map((_, i) => i) };
    const channels = outputShape[outputShape.length - 1];
    const invocations = (outputShape.reduce((a, b) => a * b, 1) / channels) * Math.ceil(channels / LANES);
    this.dispatch = [Math.ceil(invocations / WORKGROUP), 1, 1];
  }

  abstract getUserCode(): string;
}

/** y[b,i,j,o] = bias[o] + Σ_open taps (r,s), open channels ci: x[b, i+r-c, j+s-c, ci] · w[r,s,ci,o]. */
export class MaskedConvForwardProgram extends MaskedConvProgram {
  variableNames = ['x', 'w', 'bias'];

  constructor(spec: MaskedConvSpec, xShape: [number, number, number, number]) {
    super(spec, 'fwd', [xShape[0], xShape[1], xShape[2], spec.outChannels]);
  }

  getUserCode(): string {
    const { maskType } = this.spec;
    const { fullRows, leftOfCentre, groupedCentre } = regionLayout(this.spec);
    // At the centre, output group g reads input channels [0, (g or g+1)·CIN_G): a per-lane bound.
    const centreEnds = maskType === 'A' ? '(o / MC_COUT_G) * MC_CIN_G' : '(o / MC_COUT_G + 1) * MC_CIN_G';
    return `
    ${constants(this.spec)}
    const MC_GROUPS : i32 = ${Math.ceil(this.spec.outChannels / LANES)};
    ${laneSnippet}
    // One off-centre tap: Σ over all input channels at input pixel (xRow, xCol), for output channels o.
    fn tapSum(b : i32, xRow : i32, xCol : i32, r : i32, s : i32, o : vec4<i32>) -> vec4<f32> {
      let xBase = ((b * uniforms.xShape.y + xRow) * uniforms.xShape.z + xCol) * MC_CIN;
      var wRow = (r * MC_K + s) * MC_CIN * MC_COUT;
      var acc = vec4<f32>(0.0);
      for (var ci = 0; ci < MC_CIN; ci++) {
        acc += x[xBase + ci] * ${gather4('w', 'wRow', 'o')};
        wRow += MC_COUT;
      }
      return acc;
    }
    // The centre tap: lane l sums input channels [0, ends[l]); ends grow with o, so lane w bounds the loop.
    fn centreSum(b : i32, row : i32, col : i32, o : vec4<i32>) -> vec4<f32> {
      let ends = ${centreEnds};
      let xBase = ((b * uniforms.xShape.y + row) * uniforms.xShape.z + col) * MC_CIN;
      var wRow = (MC_C * MC_K + MC_C) * MC_CIN * MC_COUT;
      var acc = vec4<f32>(0.0);
      for (var ci = 0; ci < ends.w; ci++) {
        acc += select(vec4<f32>(0.0), x[xBase + ci] * ${gather4('w', 'wRow', 'o')}, vec4<i32>(ci) < ends);
        wRow += MC_COUT;
      }
      return acc;
    }

    ${main('index')} {
      if (index >= uniforms.size / MC_COUT * MC_GROUPS) { return; }
      ${touch(['x', 'w'])}
      let height = uniforms.xShape.y;
      let width = uniforms.xShape.z;
      let first = (index % MC_GROUPS) * ${LANES};
      let pixel = index / MC_GROUPS;
      let o = lanes(first, MC_COUT);
      let col = pixel % width;
      let row = (pixel / width) % height;
      let b = pixel / (width * height);
      var acc = ${gather4('bias', '0', 'o')};
      ${
        fullRows > 0
          ? `
      // Full rows (r <= MC_C, so never below the image), full width; input rows above the image and
      // columns outside it are zero padding.
      for (var r = max(0, MC_C - row); r < MC_FULL_ROWS; r++) {
        for (var s = max(0, MC_C - col); s < min(MC_K, width + MC_C - col); s++) {
          acc += tapSum(b, row + r - MC_C, col + s - MC_C, r, s, o);
        }
      }`
          : ''
      }
      ${
        leftOfCentre
          ? `
      // The centre row, left of the centre.
      for (var s = max(0, MC_C - col); s < MC_C; s++) {
        acc += tapSum(b, row, col + s - MC_C, MC_C, s, o);
      }`
          : ''
      }
      ${groupedCentre ? 'acc += centreSum(b, row, col, o);' : ''}
      storeLanes(pixel * MC_COUT + first, first, MC_COUT, acc);
    }
  `;
  }
}

/**
 * dx[b,p,q,ci] = Σ_open taps (r,s), open channels o: dy[b, p+c-r, q+c-s, o] · w[r,s,ci,o]:
 * the forward pass read backwards, over the same taps.
 */
export class MaskedConvInputGradProgram extends MaskedConvProgram {
  variableNames = ['dy', 'w'];

  constructor(spec: MaskedConvSpec, dyShape: [number, number, number, number]) {
    super(spec, 'dx', [dyShape[0], dyShape[1], dyShape[2], spec.inChannels]);
  }

  getUserCode(): string {
    const { maskType } = this.spec;
    const { fullRows, leftOfCentre, groupedCentre } = regionLayout(this.spec);
    // At the centre, input group g feeds output channels [(g+1 or g)·COUT_G, COUT): a per-lane start.
    const centreStarts = maskType === 'A' ? '(ci / MC_CIN_G + 1) * MC_COUT_G' : '(ci / MC_CIN_G) * MC_COUT_G';
    return `
    ${constants(this.spec)}
    const MC_GROUPS : i32 = ${Math.ceil(this.spec.inChannels / LANES)};
    ${laneSnippet}
    // One off-centre tap: Σ over all output channels of dy at pixel (dyRow, dyCol), for input channels ci.
    fn tapSum(b : i32, dyRow : i32, dyCol : i32, r : i32, s : i32, ci : vec4<i32>) -> vec4<f32> {
      let dyBase = ((b * uniforms.dyShape.y + dyRow) * uniforms.dyShape.z + dyCol) * MC_COUT;
      let wRows = (vec4<i32>((r * MC_K + s) * MC_CIN) + ci) * MC_COUT;
      var acc = vec4<f32>(0.0);
      for (var o = 0; o < MC_COUT; o++) {
        acc += dy[dyBase + o] * ${gather4('w', 'o', 'wRows')};
      }
      return acc;
    }
    // The centre tap: lane l sums output channels [starts[l], COUT); starts grow with ci, so lane x bounds the loop.
    fn centreSum(b : i32, row : i32, col : i32, ci : vec4<i32>) -> vec4<f32> {
      let starts = ${centreStarts};
      let dyBase = ((b * uniforms.dyShape.y + row) * uniforms.dyShape.z + col) * MC_COUT;
      let wRows = (vec4<i32>((MC_C * MC_K + MC_C) * MC_CIN) + ci) * MC_COUT;
      var acc = vec4<f32>(0.0);
      for (var o = starts.x; o < MC_COUT; o++) {
        acc += select(vec4<f32>(0.0), dy[dyBase + o] * ${gather4('w', 'o', 'wRows')}, vec4<i32>(o) >= starts);
      }
      return acc;
    }

    ${main('index')} {
      if (index >= uniforms.size / MC_CIN * MC_GROUPS) { return; }
      ${touch(['dy', 'w'])}
      let height = uniforms.dyShape.y;
      let width = uniforms.dyShape.z;
      let first = (index % MC_GROUPS) * ${LANES};
      let pixel = index / MC_GROUPS;
      let ci = lanes(first, MC_CIN);
      let col = pixel % width;
      let row = (pixel / width) % height;
      let b = pixel / (width * height);
      var acc = vec4<f32>(0.0);
      ${
        fullRows > 0
          ? `
      // Full-row taps carried this pixel to outputs in its row and below it (r <= MC_C, so never above
      // it); dy rows past the image and columns outside it are zero.
      for (var r = max(0, row + MC_C - height + 1); r < MC_FULL_ROWS; r++) {
        for (var s = max(0, col + MC_C - width + 1); s < min(MC_K, col + MC_C + 1); s++) {
          acc += tapSum(b, row + MC_C - r, col + MC_C - s, r, s, ci);
        }
      }`
          : ''
      }
      ${
        leftOfCentre
          ? `
      // Taps left of the centre carried it to outputs on its right.
      for (var s = max(0, col + MC_C - width + 1); s < MC_C; s++) {
        acc += tapSum(b, row, col + MC_C - s, MC_C, s, ci);
      }`
          : ''
      }
      ${groupedCentre ? 'acc += centreSum(b, row, col, ci);' : ''}
      storeLanes(pixel * MC_CIN + first, first, MC_CIN, acc);
    }
  `;
  }
}

/**
 * dW[r,s,ci,o] = Σ_{b,p,q} x[b, p+r-c, q+s-c, ci] · dy[b,p,q,o] on open taps
 * and open centre channel pairs, exactly 0 elsewhere (what ⊙ mask would give).
 * Each invocation reduces over the batch and the pixels whose shifted input
 * lies inside the image; closed taps store zeros at once.
 */
export class MaskedConvWeightGradProgram extends MaskedConvProgram {
  variableNames = ['x', 'dy'];

  constructor(spec: MaskedConvSpec) {
    super(spec, 'dw', [spec.kernelSize, spec.kernelSize, spec.inChannels, spec.outChannels]);
  }

  getUserCode(): string {
    const { leftOfCentre, groupedCentre } = regionLayout(this.spec);
    const centreOpen = this.spec.maskType === 'A' ? 'vec4<i32>(ci / MC_CIN_G) < o / MC_COUT_G' : 'vec4<i32>(ci / MC_CIN_G) <= o / MC_COUT_G';
    return `
    ${constants(this.spec)}
    const MC_GROUPS : i32 = ${Math.ceil(this.spec.outChannels / LANES)};
    ${laneSnippet}
    ${main('index')} {
      if (index >= uniforms.size / MC_COUT * MC_GROUPS) { return; }
      ${touch(['x', 'dy'])}
      let first = (index % MC_GROUPS) * ${LANES};
      let weightRow = index / MC_GROUPS; // (tap, ci)
      let o = lanes(first, MC_COUT);
      let ci = weightRow % MC_CIN;
      let tap = weightRow / MC_CIN;
      let r = tap / MC_K;
      let s = tap % MC_K;
      var laneOpen = vec4<bool>(${leftOfCentre ? 'r < MC_FULL_ROWS || (r == MC_C && s < MC_C)' : 'r < MC_FULL_ROWS'});
      ${groupedCentre ? `if (r == MC_C && s == MC_C) { laneOpen = ${centreOpen}; }` : ''}
      let outAt = weightRow * MC_COUT + first;
      if (!any(laneOpen)) {
        storeLanes(outAt, first, MC_COUT, vec4<f32>(0.0));
        return;
      }
      let batch = uniforms.xShape.x;
      let height = uniforms.xShape.y;
      let width = uniforms.xShape.z;
      let dr = r - MC_C;
      let ds = s - MC_C;
      var acc = vec4<f32>(0.0);
      for (var b = 0; b < batch; b++) {
        for (var p = max(0, -dr); p < min(height, height - dr); p++) {
          let xRow = (b * height + p + dr) * width + ds;
          let dyRow = (b * height + p) * width;
          for (var q = max(0, -ds); q < min(width, width - ds); q++) {
            let dyAt = (dyRow + q) * MC_COUT;
            acc += x[(xRow + q) * MC_CIN + ci] * ${gather4('dy', 'dyAt', 'o')};
          }
        }
      }
      storeLanes(outAt, first, MC_COUT, select(vec4<f32>(0.0), acc, laneOpen));
    }
  `;
  }
}

/** tfjs's user-code entry point: `main` receives the flat invocation index. */
function main(indexName: string): string {
  return `fn main(${indexName} : i32)`;
}
