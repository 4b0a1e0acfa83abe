import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs build script without type declarations
import { compileKernels, relaxedKernels, samplerKernels } from '../../../scripts/wasm-kernels.mjs';
import { KERNELS_WASM_BASE64 } from './kernels.generated';
import { TRAINING_KERNELS_RELAXED_WASM_BASE64, TRAINING_KERNELS_WASM_BASE64 } from './training/kernels.generated';
import { simdAvailable, simdSpace } from './simd';

/** out = a · w in float64, the reference. */
function reference(a: Float32Array, w: Float32Array, n: number, rows: number, cols: number): Float64Array {
  const out = new Float64Array(n * cols);
  for (let i = 0; i < n; i++) for (let k = 0; k < rows; k++) for (let o = 0; o < cols; o++) out[i * cols + o] += a[i * rows + k] * w[k * cols + o];
  return out;
}

describe('SIMD kernels', () => {
  it('kernels.generated.ts is kernels.wat compiled (run `npm run build-wasm` after editing the .wat)', async () => {
    const text = readFileSync(new URL('./kernels.wat', import.meta.url), 'utf8');
    const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
    expect(base64(await compileKernels(samplerKernels(text)))).toBe(KERNELS_WASM_BASE64);
    expect(base64(await compileKernels(text))).toBe(TRAINING_KERNELS_WASM_BASE64);
    expect(base64(await compileKernels(text, { relaxed: true }))).toBe(TRAINING_KERNELS_RELAXED_WASM_BASE64);
  });

  it('the relaxed variant fuses every multiply-add of the training products, and nothing else', () => {
    const text = readFileSync(new URL('./kernels.wat', import.meta.url), 'utf8');
    const relaxed: string = relaxedKernels(text);
    const fused = relaxed.match(/f32x4\.relaxed_madd/g) ?? [];
    // $productFourByEight's 8 sums and $productOneByEight's 2
    expect(fused.length).toBe(10);
    const begin = relaxed.indexOf(';; relaxed-madd:begin');
    const end = relaxed.indexOf(';; relaxed-madd:end');
    expect(relaxed.slice(0, begin)).toBe(text.slice(0, begin));
    expect(relaxed.slice(end)).toBe(text.slice(text.indexOf(';; relaxed-madd:end')));
    expect(relaxed.slice(begin, end)).not.toMatch(/f32x4\.add \(local\.get \$s\w+\) \(f32x4\.mul/);
  });

  it('run under Node', () => {
    expect(simdAvailable()).toBe(true);
  });

  // Whole 4 × 8 blocks, and every kind of leftover: rows (n mod 4), columns (cols mod 8), both, and n or cols below a block.
  const SHAPES: Array<[number, number, number]> = [
    [16, 96, 96],
    [448, 168, 64],
    [5, 7, 9],
    [3, 4, 8],
    [4, 3, 3],
    [1, 1, 1],
    [2, 24, 256],
    [7, 13, 21],
  ];
  for (const [n, rows, cols] of SHAPES) {
    it(`multiply [${n} × ${rows}] · [${rows} × ${cols}] matches float64 sums to float32 rounding`, () => {
      const space = simdSpace([n * rows, rows * cols, n * cols + 8])!;
      const [a, w, out] = space.arrays;
      let seed = n * 1000 + rows * 10 + cols;
      const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
      a.forEach((_, i) => (a[i] = random()));
      w.forEach((_, i) => (w[i] = random()));
      out.fill(7);
      space.multiply(a, w, out, n, rows, cols);
      const expected = reference(a, w, n, rows, cols);
      let worst = 0;
      expected.forEach((value, i) => (worst = Math.max(worst, Math.abs(value - out[i]) / Math.sqrt(rows))));
      expect(worst).toBeLessThan(1e-5);
      // Nothing past the result is written.
      expect(Array.from(out.subarray(n * cols))).toEqual(new Array(8).fill(7));
    });
  }

  it('gate: tanh(f) · σ(g) to 1e-6 over ±100, strided, with q not a multiple of 4, and nothing else written', () => {
    const [n, q, preStride, targetStride] = [5, 7, 17, 9];
    const space = simdSpace([n * preStride, n * targetStride])!;
    const [pre, target] = space.arrays;
    let seed = 11;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
    pre.forEach((_, i) => (pre[i] = i % 5 === 0 ? random() * 100 : random() * 6));
    pre[1] = 1e30;
    pre[2] = -1e30;
    pre[q + 3] = -1e30;
    target.fill(7);
    space.gate(pre, 1, preStride, target, 1, targetStride, n, q);
    for (let r = 0; r < n; r++) {
      for (let o = 0; o < targetStride; o++) {
        const got = target[r * targetStride + o];
        if (o < 1 || o > q) expect(got).toBe(7);
        else {
          const f = pre[1 + r * preStride + o - 1];
          const g = pre[1 + r * preStride + q + o - 1];
          expect(Math.abs(got - Math.tanh(f) / (1 + Math.exp(-g)))).toBeLessThan(1e-6);
        }
      }
    }
  });

  it('addTerms: strided rows, a broadcast row (stride 0), widths not a multiple of 4, nothing else written', () => {
    const [n, width] = [3, 7];
    const space = simdSpace([n * 10, 9, n * 11])!;
    const [target, a, b] = space.arrays;
    target.forEach((_, i) => (target[i] = i));
    a.forEach((_, i) => (a[i] = 100 * i));
    b.forEach((_, i) => (b[i] = 0.5 * i));
    const before = Float32Array.from(target);
    space.addTerms(target, 2, 10, a, 1, 0, b, 3, 11, n, width);
    target.forEach((value, i) => {
      const [r, o] = [Math.floor((i - 2) / 10), (i - 2) % 10];
      const inside = i >= 2 && r < n && o < width;
      expect(value).toBe(inside ? before[i] + a[1 + o] + b[3 + r * 11 + o] : before[i]);
    });
  });

  it('relu: max(x, 0) of strided rows, nothing else written', () => {
    const space = simdSpace([2 * 9, 2 * 6])!;
    const [target, source] = space.arrays;
    source.forEach((_, i) => (source[i] = i % 2 === 0 ? -i : i));
    target.fill(7);
    space.relu(target, 1, 9, source, 0, 6, 2, 5);
    target.forEach((value, i) => {
      const [r, o] = [Math.floor((i - 1) / 9), (i - 1) % 9];
      expect(value).toBe(i >= 1 && r < 2 && o < 5 ? Math.max(source[r * 6 + o], 0) : 7);
    });
  });

  it('refuses an array from elsewhere, instead of reading the wrong memory', () => {
    const space = simdSpace([4, 4, 4])!;
    const [a, w] = space.arrays;
    expect(() => space.multiply(a, w, new Float32Array(4), 1, 2, 2)).toThrow(/not from this space/);
  });
});
