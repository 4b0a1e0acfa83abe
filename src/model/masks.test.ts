import { describe, expect, it } from 'vitest';
import { identifyMask, MASK_REGIONS, maskValues, openTaps } from './masks';
import { buildMask } from './layers';
import { createPixelCNN } from './pixelcnn';

// The single-channel 7×7 masks, drawn as in the PixelCNN paper: 1 = open.
const DIAGRAM_A = `
1111111
1111111
1111111
1110000
0000000
0000000
0000000`;
const DIAGRAM_B = `
1111111
1111111
1111111
1111000
0000000
0000000
0000000`;

function spatial(type: 'A' | 'B', k: number): string {
  const values = maskValues(type, { kernelSize: k, inChannels: 1, outChannels: 1, colorChannels: 1 });
  let text = '';
  for (let r = 0; r < k; r++) text += '\n' + Array.from(values.subarray(r * k, r * k + k)).join('');
  return text;
}

/** centre[gIn][gOut] for a mask with one channel per colour group. */
function centreMatrix(type: 'A' | 'B', k: number): number[][] {
  const values = maskValues(type, { kernelSize: k, inChannels: 3, outChannels: 3, colorChannels: 3 });
  const c = (k - 1) / 2;
  const base = (c * k + c) * 9;
  return [0, 1, 2].map((gIn) => [0, 1, 2].map((gOut) => values[base + gIn * 3 + gOut]));
}

describe('masks', () => {
  it('7×7 single-channel masks match the diagram: A has 24 open taps, B has 25', () => {
    expect(spatial('A', 7)).toBe(DIAGRAM_A);
    expect(spatial('B', 7)).toBe(DIAGRAM_B);
    const sum = (t: 'A' | 'B') => Array.from(maskValues(t, { kernelSize: 7, inChannels: 1, outChannels: 1, colorChannels: 1 })).reduce((a, b) => a + b, 0);
    expect(sum('A')).toBe(24);
    expect(sum('B')).toBe(25);
  });

  it('buildMask returns an HWIO tensor of 0s and 1s', () => {
    const mask = buildMask('B', { kernelSize: 5, inChannels: 6, outChannels: 9, colorChannels: 3 });
    expect(mask.shape).toEqual([5, 5, 6, 9]);
    const values = Array.from(mask.dataSync());
    expect(values.every((v) => v === 0 || v === 1)).toBe(true);
    mask.dispose();
  });

  it('colour centre taps: A lets R→G, R→B, G→B; B also lets each group see itself', () => {
    expect(centreMatrix('A', 3)).toEqual([
      [0, 1, 1],
      [0, 0, 1],
      [0, 0, 0],
    ]);
    expect(centreMatrix('B', 3)).toEqual([
      [1, 1, 1],
      [0, 1, 1],
      [0, 0, 1],
    ]);
  });

  it('groups are contiguous blocks of channels', () => {
    // 6 inputs (2 per group) → 3·4 outputs (4 levels per colour), 1×1 mask B.
    const v = maskValues('B', { kernelSize: 1, inChannels: 6, outChannels: 12, colorChannels: 3 });
    for (let i = 0; i < 6; i++) {
      for (let o = 0; o < 12; o++) {
        expect(v[i * 12 + o]).toBe(Math.floor(i / 2) <= Math.floor(o / 4) ? 1 : 0);
      }
    }
  });

  it('off-centre taps are open for every channel pair, whatever the colour groups', () => {
    const v = maskValues('A', { kernelSize: 3, inChannels: 3, outChannels: 3, colorChannels: 3 });
    for (let tap = 0; tap < 4; tap++) for (let j = 0; j < 9; j++) expect(v[tap * 9 + j]).toBe(1);
    for (let tap = 5; tap < 9; tap++) for (let j = 0; j < 9; j++) expect(v[tap * 9 + j]).toBe(0);
  });

  it('openTaps lists the spatial taps in raster order', () => {
    expect(openTaps('A', 3, 1)).toEqual([
      [0, 0],
      [0, 1],
      [0, 2],
      [1, 0],
    ]);
    expect(openTaps('B', 3, 1)).toEqual([
      [0, 0],
      [0, 1],
      [0, 2],
      [1, 0],
      [1, 1],
    ]);
    expect(openTaps('A', 3, 3)).toHaveLength(5);
  });

  it('rejects hidden widths that do not split into colour groups, and even kernels', () => {
    const base = {
      height: 4,
      width: 4,
      colorChannels: 3 as const,
      levels: 4,
      hiddenChannels: 8,
      layers: 2,
      kernelSize: 3,
      headChannels: 0,
      inputEmbedding: 0,
      architecture: 'pixelcnn' as const,
      firstKernelSize: 3,
      position: false,
      classes: 0,
      labelDropout: 0,
    };
    expect(() => createPixelCNN(base)).toThrow(/hiddenChannels \(8\) must be divisible by colorChannels \(3\)/);
    expect(() =>
      createPixelCNN({
        ...base,
        hiddenChannels: 9,
        kernelSize: 4,
        headChannels: 0,
        inputEmbedding: 0,
        architecture: 'pixelcnn' as const,
        firstKernelSize: 4,
        position: false,
        classes: 0,
        labelDropout: 0,
      }),
    ).toThrow(/[kK]ernelSize must be odd/);
  });

  it("the gated stacks' regions: vertical sees whole rows above (B: and the centre row), horizontal the row to the left", () => {
    // k = 3: taps (row, col), centre (1, 1).
    expect(openTaps('A', 3, 1, 'vertical')).toEqual([
      [0, 0],
      [0, 1],
      [0, 2],
    ]);
    expect(openTaps('B', 3, 1, 'vertical')).toEqual([
      [0, 0],
      [0, 1],
      [0, 2],
      [1, 0],
      [1, 1],
      [1, 2],
    ]);
    expect(openTaps('A', 3, 1, 'horizontal')).toEqual([[1, 0]]);
    expect(openTaps('B', 3, 1, 'horizontal')).toEqual([
      [1, 0],
      [1, 1],
    ]);
    expect(openTaps('A', 5, 3, 'horizontal')).toEqual([
      [2, 0],
      [2, 1],
      [2, 2],
    ]);
    // The vertical stack has no colour groups: its open taps are open for every channel pair, centre row included.
    const vertical = maskValues('B', { kernelSize: 3, inChannels: 3, outChannels: 6, colorChannels: 3, region: 'vertical' });
    const centre = (1 * 3 + 1) * 18;
    expect(Array.from(vertical.subarray(centre, centre + 18)).every((v) => v === 1)).toBe(true);
    // The horizontal stack's centre follows the group rule: R input reaches G and B outputs under mask A, not R.
    const horizontal = maskValues('A', { kernelSize: 3, inChannels: 3, outChannels: 3, colorChannels: 3, region: 'horizontal' });
    expect(Array.from(horizontal.subarray((1 * 3 + 1) * 9, (1 * 3 + 2) * 9))).toEqual([0, 1, 1, 0, 0, 1, 0, 0, 0]);
    expect(Array.from(horizontal.subarray(0, 3 * 9)).every((v) => v === 0)).toBe(true); // the row above is closed
  });

  it('identifyMask recovers the type and colour groups of every standard mask, and rejects others', () => {
    for (const region of MASK_REGIONS) {
      for (const kernelSize of [1, 3, 5, 7]) {
        for (const type of ['A', 'B'] as const) {
          for (const [colorChannels, inChannels, outChannels] of [
            [1, 3, 5],
            [3, 3, 9],
            [3, 6, 9],
            [1, 1, 2],
          ]) {
            const values = maskValues(type, { kernelSize, inChannels, outChannels, colorChannels, region });
            const found = identifyMask(values, kernelSize, inChannels, outChannels);
            expect(found, `${region} k=${kernelSize} ${type} ${colorChannels} groups`).not.toBeNull();
            // Another (region, type, groups) may describe the same 0/1 values (1×1 mask A with one group is all
            // zeros either way); what matters is that it rebuilds them exactly.
            const { type: foundType, colorChannels: foundGroups, region: foundRegion } = found!;
            expect(maskValues(foundType, { kernelSize, inChannels, outChannels, colorChannels: foundGroups, region: foundRegion })).toEqual(values);
          }
        }
      }
    }
    expect(identifyMask(maskValues('A', { kernelSize: 3, inChannels: 2, outChannels: 4, colorChannels: 1, region: 'vertical' }), 3, 2, 4)).toEqual({
      type: 'A',
      colorChannels: 1,
      region: 'vertical',
    });
    expect(identifyMask(maskValues('B', { kernelSize: 5, inChannels: 6, outChannels: 6, colorChannels: 3, region: 'horizontal' }), 5, 6, 6)).toEqual({
      type: 'B',
      colorChannels: 3,
      region: 'horizontal',
    });
    expect(identifyMask(maskValues('B', { kernelSize: 3, inChannels: 6, outChannels: 9, colorChannels: 3 }), 3, 6, 9)).toEqual({
      type: 'B',
      colorChannels: 3,
      region: 'causal',
    });
    expect(identifyMask(maskValues('A', { kernelSize: 7, inChannels: 3, outChannels: 6, colorChannels: 3 }), 7, 3, 6)).toEqual({
      type: 'A',
      colorChannels: 3,
      region: 'causal',
    });
    const opened = maskValues('B', { kernelSize: 3, inChannels: 2, outChannels: 3, colorChannels: 1 });
    opened[(1 * 3 + 2) * 6] = 1; // a tap right of the centre
    expect(identifyMask(opened, 3, 2, 3)).toBeNull();
    expect(identifyMask(new Float32Array(4 * 4), 2, 2, 2)).toBeNull();
  });
});
