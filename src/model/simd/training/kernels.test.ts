import { describe, expect, it } from 'vitest';
import { KernelSpace } from './space';

/** The training kernels of kernels.wat against plain JavaScript, on sizes that leave every kind of remainder of the 4- and 8-wide blocks. */

function filler(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
}

function fill(space: KernelSpace, length: number, random: () => number) {
  const region = space.allocate(length);
  const view = space.view(region);
  for (let i = 0; i < length; i++) view[i] = random();
  return region;
}

function worst(got: ArrayLike<number>, expected: ArrayLike<number>): number {
  let w = 0;
  for (let i = 0; i < expected.length; i++) w = Math.max(w, Math.abs(got[i] - expected[i]));
  return w;
}

describe('training kernels against plain JavaScript', () => {
  const SHAPES: Array<[number, number, number]> = [
    [5, 7, 9],
    [13, 3, 17],
    [4, 8, 8],
    [1, 1, 1],
    [300, 11, 6],
  ];
  for (const [n, rows, cols] of SHAPES) {
    it(`multiply (overwrite and accumulate) and the transposed product, [${n} × ${rows}] and [${rows} × ${cols}]`, () => {
      const space = new KernelSpace();
      const random = filler(n * 31 + rows * 7 + cols);
      const a = fill(space, n * rows, random);
      const w = fill(space, rows * cols, random);
      const out = fill(space, n * cols, random);
      const before = space.view(out).slice();
      const [A, Wt] = [space.view(a).slice(), space.view(w).slice()];
      const product = new Float64Array(n * cols);
      for (let i = 0; i < n; i++) for (let k = 0; k < rows; k++) for (let c = 0; c < cols; c++) product[i * cols + c] += A[i * rows + k] * Wt[k * cols + c];
      space.multiply(a.at, w.at, out.at, n, rows, cols, true);
      expect(
        worst(
          space.view(out),
          product.map((v, i) => v + before[i]),
        ),
      ).toBeLessThan(1e-5);
      space.multiply(a.at, w.at, out.at, n, rows, cols, false);
      expect(worst(space.view(out), product)).toBeLessThan(1e-5);
      // aᵀ · b, with b = the product's shape [n × cols]
      const b = fill(space, n * cols, random);
      const B = space.view(b).slice();
      const g = fill(space, rows * cols, random);
      const gBefore = space.view(g).slice();
      const expected = Float64Array.from(gBefore);
      for (let i = 0; i < n; i++) for (let k = 0; k < rows; k++) for (let c = 0; c < cols; c++) expected[k * cols + c] += A[i * rows + k] * B[i * cols + c];
      space.addTransposedProduct(a.at, b.at, g.at, n, rows, cols);
      expect(worst(space.view(g), expected)).toBeLessThan(1e-5);
    });
  }

  it('gatherTaps and scatterTaps: open taps with zeros outside the image, and the scatter is the gather transposed', () => {
    const space = new KernelSpace();
    const random = filler(3);
    const [batch, height, width, channels] = [2, 3, 5, 6];
    const taps = [
      [-1, -1],
      [-1, 0],
      [-1, 2],
      [0, -2],
      [0, 0],
    ];
    const tapRegion = space.allocate(2 * taps.length);
    taps.forEach(([dy, dx], t) => {
      space.ints[tapRegion.at + 2 * t] = dy;
      space.ints[tapRegion.at + 2 * t + 1] = dx;
    });
    const x = fill(space, batch * height * width * channels, random);
    const cols = fill(space, batch * height * width * taps.length * channels, random);
    space.gatherTaps(x.at, cols.at, batch, height, width, channels, tapRegion.at, taps.length);
    const X = space.view(x);
    const gathered = space.view(cols).slice();
    const expected: number[] = [];
    for (let b = 0; b < batch; b++)
      for (let i = 0; i < height; i++)
        for (let j = 0; j < width; j++)
          for (const [dy, dx] of taps)
            for (let c = 0; c < channels; c++) {
              const [si, sj] = [i + dy, j + dx];
              expected.push(si >= 0 && si < height && sj >= 0 && sj < width ? X[((b * height + si) * width + sj) * channels + c] : 0);
            }
    expect(Array.from(gathered)).toEqual(expected);
    // ⟨gather(x), d⟩ = ⟨x, scatter(d)⟩ for any d
    const d = fill(space, gathered.length, random);
    const dx = space.allocate(X.length);
    space.scatterTaps(d.at, dx.at, batch, height, width, channels, tapRegion.at, taps.length);
    let left = 0;
    let right = 0;
    const D = space.view(d);
    const DX = space.view(dx);
    const XX = space.view(x);
    for (let i = 0; i < gathered.length; i++) left += gathered[i] * D[i];
    for (let i = 0; i < XX.length; i++) right += XX[i] * DX[i];
    expect(Math.abs(left - right)).toBeLessThan(1e-4);
  });

  it('gateBackward: the gradient of tanh(f)·σ(g), q not a multiple of 4', () => {
    const space = new KernelSpace();
    const random = filler(9);
    const [rows, q] = [3, 7];
    const pre = fill(space, rows * 2 * q, () => random() * 5);
    const dOut = fill(space, rows * q, random);
    const dPre = space.allocate(rows * 2 * q);
    space.gateBackward(pre.at, dOut.at, dPre.at, rows, q);
    const [P, D, G] = [space.view(pre), space.view(dOut), space.view(dPre)];
    for (let r = 0; r < rows; r++)
      for (let o = 0; o < q; o++) {
        const [f, g, d] = [P[r * 2 * q + o], P[r * 2 * q + q + o], D[r * q + o]];
        const [t, s] = [Math.tanh(f), 1 / (1 + Math.exp(-g))];
        expect(Math.abs(G[r * 2 * q + o] - d * s * (1 - t * t))).toBeLessThan(1e-6);
        expect(Math.abs(G[r * 2 * q + q + o] - d * t * s * (1 - s))).toBeLessThan(1e-6);
      }
  });

  it('reluBackward and columnSums, widths not a multiple of 4', () => {
    const space = new KernelSpace();
    const random = filler(4);
    const n = 11;
    const pre = fill(space, n, random);
    const dOut = fill(space, n, random);
    const dPre = space.allocate(n);
    space.reluBackward(pre.at, dOut.at, dPre.at, n);
    const [P, D] = [space.view(pre), space.view(dOut)];
    expect(Array.from(space.view(dPre))).toEqual(Array.from(D).map((d, i) => (P[i] > 0 ? d : 0)));
    const [rows, width, stride] = [5, 7, 9];
    const source = fill(space, rows * stride, random);
    const target = fill(space, width, random);
    const expected = Array.from(space.view(target), (t, o) => {
      let sum = t;
      for (let r = 0; r < rows; r++) sum += space.view(source)[r * stride + o];
      return sum;
    });
    space.columnSums(source.at, stride, rows, width, target.at);
    expect(worst(space.view(target), expected)).toBeLessThan(1e-5);
  });

  it('softmaxRows: scaled probabilities, max and sum of exponentials, levels not a multiple of 4', () => {
    const space = new KernelSpace();
    const random = filler(5);
    const [rows, levels, scale] = [3, 7, 0.5];
    const logits = fill(space, rows * levels, () => random() * 30);
    const X = space.view(logits).slice();
    const probs = space.allocate(rows * levels);
    const stats = space.allocate(2 * rows);
    space.softmaxRows(logits.at, probs.at, stats.at, rows, levels, scale);
    for (let r = 0; r < rows; r++) {
      const row = Array.from(X.subarray(r * levels, (r + 1) * levels));
      const m = Math.max(...row);
      const sum = row.reduce((total, x) => total + Math.exp(x - m), 0);
      expect(space.view(stats)[2 * r]).toBe(Math.fround(m));
      expect(Math.abs(space.view(stats)[2 * r + 1] - sum) / sum).toBeLessThan(1e-5);
      row.forEach((x, o) => expect(Math.abs(space.view(probs)[r * levels + o] - (scale * Math.exp(x - m)) / sum)).toBeLessThan(1e-6));
    }
  });

  it('adam: the update tfjs makes of value, m and v', () => {
    const space = new KernelSpace();
    const random = filler(6);
    const n = 8;
    const [values, grads, m, v] = [fill(space, n, random), fill(space, n, random), fill(space, n, random), fill(space, n, () => Math.abs(random()))];
    const before = [values, grads, m, v].map((r) => space.view(r).slice());
    const s = {
      learningRate: 0.01,
      beta1: 0.9,
      beta2: 0.999,
      oneMinusBeta1: 0.1,
      oneMinusBeta2: 0.001,
      oneMinusAccBeta1: 0.19,
      oneMinusAccBeta2: 0.002,
      epsilon: 1e-7,
    };
    space.adam(values.at, grads.at, m.at, v.at, n, s);
    for (let i = 0; i < n; i++) {
      const [value, g, m0, v0] = before.map((b) => b[i]);
      const m1 = 0.9 * m0 + 0.1 * g;
      const v1 = 0.999 * v0 + 0.001 * g * g;
      expect(Math.abs(space.view(m)[i] - m1)).toBeLessThan(1e-6);
      expect(Math.abs(space.view(v)[i] - v1)).toBeLessThan(1e-6);
      expect(Math.abs(space.view(values)[i] - (value - (0.01 * (m1 / 0.19)) / (Math.sqrt(v1 / 0.002) + 1e-7)))).toBeLessThan(1e-5);
    }
  });
});
