import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import type { MaskType } from '../../model/masks';

/**
 * WGSL programs for PixelCNN's masked convolution (stride 1, 'same' zero
 * padding, HWIO weights), run by tfjs-backend-webgpu's runWebGPUProgram.
 *
 * The mask is never read. Its shape is baked into the code: the loops run
 * over the causal region only (the c = (k-1)/2 rows above the centre at full
 * width, then the centre row up to the centre) and, at the centre tap, over
 * the channels the colour-group rule opens. Groups are contiguous, so at the
 * centre an output channel of group g reads the input channels of groups
 * < g (mask A) or <= g (mask B), a prefix of them, and an input channel
 * feeds a suffix of the output channels. Closed taps are never visited.
 *
 * Everything baked in (kernel size, mask type, groups, channel counts) is in
 * the shaderKey, because tfjs caches pipelines by shaderKey and input ranks.
 * Batch, height and width come from the shape uniforms tfjs provides.
 *
 * One invocation computes one output element, in a flat dispatch of 64-wide
 * workgroups; `size: true` gives the output length to bounds-check against.
 */

/** The static specialisation of a masked convolution. */
export interface MaskedConvSpec {
  kernelSize: number;
  maskType: MaskType;
  colorChannels: number;
  inChannels: number;
  outChannels: number;
}

const WORKGROUP = 64;

function key(name: string, spec: MaskedConvSpec): string {
  const { kernelSize, maskType, colorChannels, inChannels, outChannels } = spec;
  return `pixelcnn_${name}_k${kernelSize}_${maskType}_g${colorChannels}_${inChannels}x${outChannels}`;
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
    const MC_CIN : i32 = ${inChannels};
    const MC_COUT : i32 = ${outChannels};
    const MC_CIN_G : i32 = ${inChannels / colorChannels};
    const MC_COUT_G : i32 = ${outChannels / colorChannels};
  `;
}

/** Whether the centre tap is open for some channel pair: mask B always, mask A only with more than one group. */
function centreUsed(spec: MaskedConvSpec): boolean {
  return spec.maskType === 'B' || spec.colorChannels > 1;
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
    const length = outputShape.reduce((a, b) => a * b, 1);
    this.dispatch = [Math.ceil(length / WORKGROUP), 1, 1];
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
    const { kernelSize, maskType } = this.spec;
    const rowsAbove = kernelSize > 1;
    // At the centre, output group g reads input channels [0, (g or g+1)·CIN_G).
    const centreEnd = maskType === 'A' ? '(o / MC_COUT_G) * MC_CIN_G' : '(o / MC_COUT_G + 1) * MC_CIN_G';
    return `
    ${constants(this.spec)}
    // One tap: Σ over input channels [0, end) at input pixel (xRow, xCol).
    fn tapSum(b : i32, xRow : i32, xCol : i32, r : i32, s : i32, o : i32, end : i32) -> f32 {
      let xBase = ((b * uniforms.xShape.y + xRow) * uniforms.xShape.z + xCol) * MC_CIN;
      let wBase = (r * MC_K + s) * MC_CIN * MC_COUT + o;
      var acc = 0.0;
      for (var ci = 0; ci < end; ci++) {
        acc += x[xBase + ci] * w[wBase + ci * MC_COUT];
      }
      return acc;
    }

    ${main('index')} {
      if (index >= uniforms.size) { return; }
      ${touch(['x', 'w'])}
      let height = uniforms.xShape.y;
      let width = uniforms.xShape.z;
      let o = index % MC_COUT;
      let pixel = index / MC_COUT;
      let col = pixel % width;
      let row = (pixel / width) % height;
      let b = pixel / (width * height);
      var acc = bias[o];
      ${
        rowsAbove
          ? `
      // Rows above the centre, full width; input rows above the image are zero padding.
      for (var r = max(0, MC_C - row); r < MC_C; r++) {
        for (var s = max(0, MC_C - col); s < min(MC_K, width + MC_C - col); s++) {
          acc += tapSum(b, row + r - MC_C, col + s - MC_C, r, s, o, MC_CIN);
        }
      }
      // The centre row, left of the centre.
      for (var s = max(0, MC_C - col); s < MC_C; s++) {
        acc += tapSum(b, row, col + s - MC_C, MC_C, s, o, MC_CIN);
      }`
          : ''
      }
      ${centreUsed(this.spec) ? `acc += tapSum(b, row, col, MC_C, MC_C, o, ${centreEnd});` : ''}
      setOutputAtIndex(index, acc);
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
    const { kernelSize, maskType } = this.spec;
    const rowsAbove = kernelSize > 1;
    // At the centre, input group g feeds output channels [(g+1 or g)·COUT_G, COUT).
    const centreStart = maskType === 'A' ? '(ci / MC_CIN_G + 1) * MC_COUT_G' : '(ci / MC_CIN_G) * MC_COUT_G';
    return `
    ${constants(this.spec)}
    // One tap: Σ over output channels [start, COUT) of dy at pixel (dyRow, dyCol).
    fn tapSum(b : i32, dyRow : i32, dyCol : i32, r : i32, s : i32, ci : i32, start : i32) -> f32 {
      let dyBase = ((b * uniforms.dyShape.y + dyRow) * uniforms.dyShape.z + dyCol) * MC_COUT;
      let wBase = ((r * MC_K + s) * MC_CIN + ci) * MC_COUT;
      var acc = 0.0;
      for (var o = start; o < MC_COUT; o++) {
        acc += dy[dyBase + o] * w[wBase + o];
      }
      return acc;
    }

    ${main('index')} {
      if (index >= uniforms.size) { return; }
      ${touch(['dy', 'w'])}
      let height = uniforms.dyShape.y;
      let width = uniforms.dyShape.z;
      let ci = index % MC_CIN;
      let pixel = index / MC_CIN;
      let col = pixel % width;
      let row = (pixel / width) % height;
      let b = pixel / (width * height);
      var acc = 0.0;
      ${
        rowsAbove
          ? `
      // Taps above the centre carried this pixel to outputs below it (dy rows past the image are zero).
      for (var r = max(0, row + MC_C - height + 1); r < MC_C; r++) {
        for (var s = max(0, col + MC_C - width + 1); s < min(MC_K, col + MC_C + 1); s++) {
          acc += tapSum(b, row + MC_C - r, col + MC_C - s, r, s, ci, 0);
        }
      }
      // Taps left of the centre carried it to outputs on its right.
      for (var s = max(0, col + MC_C - width + 1); s < MC_C; s++) {
        acc += tapSum(b, row, col + MC_C - s, MC_C, s, ci, 0);
      }`
          : ''
      }
      ${centreUsed(this.spec) ? `acc += tapSum(b, row, col, MC_C, MC_C, ci, ${centreStart});` : ''}
      setOutputAtIndex(index, acc);
    }
  `;
  }
}

/**
 * dW[r,s,ci,o] = Σ_{b,p,q} x[b, p+r-c, q+s-c, ci] · dy[b,p,q,o] on open taps
 * and open centre channel pairs, exactly 0 elsewhere (what ⊙ mask would give).
 * Each invocation reduces over the batch and the pixels whose shifted input
 * lies inside the image; closed taps return at once.
 */
export class MaskedConvWeightGradProgram extends MaskedConvProgram {
  variableNames = ['x', 'dy'];

  constructor(spec: MaskedConvSpec) {
    super(spec, 'dw', [spec.kernelSize, spec.kernelSize, spec.inChannels, spec.outChannels]);
  }

  getUserCode(): string {
    const centreOpen = this.spec.maskType === 'A' ? 'ci / MC_CIN_G < o / MC_COUT_G' : 'ci / MC_CIN_G <= o / MC_COUT_G';
    return `
    ${constants(this.spec)}
    ${main('index')} {
      if (index >= uniforms.size) { return; }
      ${touch(['x', 'dy'])}
      let o = index % MC_COUT;
      let ci = (index / MC_COUT) % MC_CIN;
      let tap = index / (MC_CIN * MC_COUT);
      let r = tap / MC_K;
      let s = tap % MC_K;
      let tapOpen = r < MC_C || (r == MC_C && s < MC_C)${centreUsed(this.spec) ? ` || (r == MC_C && s == MC_C && ${centreOpen})` : ''};
      if (!tapOpen) {
        setOutputAtIndex(index, 0.0);
        return;
      }
      let batch = uniforms.xShape.x;
      let height = uniforms.xShape.y;
      let width = uniforms.xShape.z;
      let dr = r - MC_C;
      let ds = s - MC_C;
      var acc = 0.0;
      for (var b = 0; b < batch; b++) {
        for (var p = max(0, -dr); p < min(height, height - dr); p++) {
          let xRow = (b * height + p + dr) * width;
          let dyRow = (b * height + p) * width;
          for (var q = max(0, -ds); q < min(width, width - ds); q++) {
            acc += x[(xRow + q + ds) * MC_CIN + ci] * dy[(dyRow + q) * MC_COUT + o];
          }
        }
      }
      setOutputAtIndex(index, acc);
    }
  `;
  }
}

/** tfjs's user-code entry point: `main` receives the flat invocation index. */
function main(indexName: string): string {
  return `fn main(${indexName} : i32)`;
}
