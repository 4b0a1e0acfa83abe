/**
 * The WGSL programs' specialisation, checked in Node (no WebGPU here): the
 * pieces they loop over cover exactly each region's open taps, every region
 * gets its own shaderKey and code, and the kernels reject an unknown region.
 * Whether the WGSL computes the right numbers is e2e/masked-conv-kernels.spec.ts.
 */
import { describe, expect, it } from 'vitest';
import { MASK_REGIONS, openTaps, type MaskRegion } from '../../model/masks';
import { MaskedConvForwardProgram, MaskedConvInputGradProgram, MaskedConvWeightGradProgram, regionLayout, type MaskedConvSpec } from './maskedConvPrograms';
import { specFrom } from './registerMaskedConvKernels';

const KERNEL_SIZES = [1, 3, 5, 7, 9, 11, 13, 15];

describe('regionLayout', () => {
  it('its full rows, left-of-centre run and grouped centre are exactly the open taps of masks.ts, for every region, type, size 1–15 and colour count', () => {
    for (const region of MASK_REGIONS) {
      for (const maskType of ['A', 'B'] as const) {
        for (const kernelSize of KERNEL_SIZES) {
          for (const colorChannels of [1, 3]) {
            const { fullRows, leftOfCentre, groupedCentre } = regionLayout({ kernelSize, region, maskType, colorChannels });
            const c = (kernelSize - 1) / 2;
            const visited: Array<[number, number]> = [];
            for (let r = 0; r < fullRows; r++) for (let s = 0; s < kernelSize; s++) visited.push([r, s]);
            if (leftOfCentre) for (let s = 0; s < c; s++) visited.push([c, s]);
            if (groupedCentre) visited.push([c, c]);
            const where = `${region} ${maskType} k=${kernelSize} ${colorChannels} group(s)`;
            expect(fullRows, where).toBeLessThanOrEqual(c + 1); // the loops rely on full rows never lying below the centre
            expect(visited, where).toEqual(openTaps(maskType, kernelSize, colorChannels, region));
          }
        }
      }
    }
  });
});

describe('the WGSL programs', () => {
  const spec = (region: MaskRegion): MaskedConvSpec => ({ kernelSize: 5, region, maskType: 'B', colorChannels: 3, inChannels: 6, outChannels: 9 });
  const programs = (s: MaskedConvSpec) => [
    new MaskedConvForwardProgram(s, [2, 7, 5, s.inChannels]),
    new MaskedConvInputGradProgram(s, [2, 7, 5, s.outChannels]),
    new MaskedConvWeightGradProgram(s),
  ];

  it('have a shaderKey and code of their own for each region (tfjs caches pipelines by shaderKey)', () => {
    for (const [i, name] of ['forward', 'input gradient', 'weight gradient'].entries()) {
      const byRegion = MASK_REGIONS.map((region) => programs(spec(region))[i]);
      expect(new Set(byRegion.map((p) => p.shaderKey)).size, name).toBe(MASK_REGIONS.length);
      expect(new Set(byRegion.map((p) => p.getUserCode())).size, name).toBe(MASK_REGIONS.length);
      for (const [j, region] of MASK_REGIONS.entries()) expect(byRegion[j].shaderKey, name).toContain(region);
    }
  });

  it('loop only over the pieces a region has: no full rows for horizontal, no centre row for vertical', () => {
    const [horizontal] = programs(spec('horizontal'));
    const [vertical] = programs(spec('vertical'));
    expect(horizontal.getUserCode()).not.toContain('r < MC_FULL_ROWS');
    expect(horizontal.getUserCode()).toContain('centreSum(b, row, col, o)');
    expect(vertical.getUserCode()).toContain('r < MC_FULL_ROWS');
    expect(vertical.getUserCode()).not.toContain('s < MC_C; s++');
    expect(vertical.getUserCode()).not.toContain('centreSum(b, row, col, o)');
  });
});

describe('the kernels’ attrs', () => {
  const attrs = { kernelSize: 3, maskType: 'B', colorChannels: 3 };

  it('take every region', () => {
    for (const region of MASK_REGIONS) expect(specFrom({ ...attrs, region }, 'K', 6, 9).region).toBe(region);
  });

  it('reject an unknown or missing region, naming it', () => {
    expect(() => specFrom({ ...attrs, region: 'diagonal' }, 'K', 6, 9)).toThrow("K: region must be one of 'causal', 'horizontal', 'vertical', got 'diagonal'.");
    expect(() => specFrom(attrs, 'K', 6, 9)).toThrow(/region must be one of .*, got undefined\./);
  });
});
