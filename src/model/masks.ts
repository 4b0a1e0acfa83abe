/**
 * Masks for the masked convolutions of PixelCNN (van den Oord et al., 2016).
 *
 * A mask has a spatial region and a type. In the PixelCNN's 'causal' region
 * a tap is open when it lies in a row above the centre, or in the centre row
 * left of the centre. The centre tap is where colour ordering lives: features
 * are split into `colorChannels` contiguous groups (R, G, B), and input group
 * g_in may reach output group g_out when
 *   mask A: g_in <  g_out   (first layer: a sub-pixel never sees itself)
 *   mask B: g_in <= g_out   (later layers: a group may build on its own features)
 *
 * The Gated PixelCNN's two stacks use two more regions:
 *   'horizontal': the centre row left of the centre, and the centre tap by
 *                 the group rule (the current row, up to this sub-pixel);
 *   'vertical':   every column of the rows above the centre (type A), or of
 *                 the rows above and the centre row (type B). The vertical
 *                 stack never sees the current row, so nothing in it is a
 *                 colour group: its taps are open for every channel pair.
 * docs/ARCHITECTURES.md has the table.
 */
export type MaskType = 'A' | 'B';

export type MaskRegion = 'causal' | 'horizontal' | 'vertical';

export const MASK_REGIONS: readonly MaskRegion[] = ['causal', 'horizontal', 'vertical'];

export interface MaskOptions {
  kernelSize: number;
  inChannels: number;
  outChannels: number;
  colorChannels: number;
  /** Default 'causal'. */
  region?: MaskRegion;
}

/** The colour group (0 = R, 1 = G, 2 = B) of a channel among `channels` split into `groups`. */
export function channelGroup(channel: number, channels: number, groups: number): number {
  return Math.floor(channel / (channels / groups));
}

/** True when the spatial tap (row, col) lies strictly before the centre in raster order. */
export function isCausalTap(row: number, col: number, kernelSize: number): boolean {
  const centre = (kernelSize - 1) / 2;
  return row < centre || (row === centre && col < centre);
}

/**
 * What a region does with the tap (row, col): 'open' for every channel pair,
 * 'grouped' (the centre tap, open by the colour-group rule of the type), or
 * 'closed'.
 */
export function tapKind(region: MaskRegion, type: MaskType, row: number, col: number, kernelSize: number): 'open' | 'grouped' | 'closed' {
  const centre = (kernelSize - 1) / 2;
  if (region === 'vertical') {
    return row < centre || (type === 'B' && row === centre) ? 'open' : 'closed';
  }
  if (row === centre && col === centre) return 'grouped';
  if (region === 'horizontal') return row === centre && col < centre ? 'open' : 'closed';
  return isCausalTap(row, col, kernelSize) ? 'open' : 'closed';
}

/** Whether input group gIn may reach output group gOut at the centre tap. */
export function centreTapOpen(type: MaskType, gIn: number, gOut: number): boolean {
  return type === 'A' ? gIn < gOut : gIn <= gOut;
}

/** The mask as a flat HWIO Float32Array; `buildMask` wraps it in a tensor. */
export function maskValues(type: MaskType, opts: MaskOptions): Float32Array {
  const { kernelSize: k, inChannels, outChannels, colorChannels, region = 'causal' } = opts;
  if (k < 1 || k % 2 === 0) throw new Error(`Mask kernelSize must be odd and positive, got ${k}.`);
  for (const [name, n] of [
    ['inChannels', inChannels],
    ['outChannels', outChannels],
  ] as const) {
    if (n % colorChannels !== 0) {
      throw new Error(`Mask ${name} (${n}) must be divisible by colorChannels (${colorChannels}).`);
    }
  }
  const values = new Float32Array(k * k * inChannels * outChannels);
  let index = 0;
  for (let row = 0; row < k; row++) {
    for (let col = 0; col < k; col++) {
      const kind = tapKind(region, type, row, col, k);
      for (let i = 0; i < inChannels; i++) {
        const gIn = channelGroup(i, inChannels, colorChannels);
        for (let o = 0; o < outChannels; o++) {
          const gOut = channelGroup(o, outChannels, colorChannels);
          values[index++] = kind === 'open' || (kind === 'grouped' && centreTapOpen(type, gIn, gOut)) ? 1 : 0;
        }
      }
    }
  }
  return values;
}

/**
 * The spatial taps of a mask that are open for at least one channel pair,
 * as [row, col] pairs in raster order. A grouped centre appears for mask B
 * always, and for mask A only when there is more than one colour group.
 */
export function openTaps(type: MaskType, kernelSize: number, colorChannels: number, region: MaskRegion = 'causal'): Array<[number, number]> {
  const taps: Array<[number, number]> = [];
  for (let row = 0; row < kernelSize; row++) {
    for (let col = 0; col < kernelSize; col++) {
      const kind = tapKind(region, type, row, col, kernelSize);
      if (kind === 'open' || (kind === 'grouped' && (type === 'B' || colorChannels > 1))) taps.push([row, col]);
    }
  }
  return taps;
}

/** A mask that `maskValues` builds: what a specialised kernel needs to reproduce it without reading it. */
export interface StandardMask {
  type: MaskType;
  colorChannels: number;
  region: MaskRegion;
}

/**
 * The name identifyMask gives the values maskValues(type, { colorChannels, region })
 * builds, without building and comparing candidates: a vertical mask has no
 * colour groups, so it is named with one.
 */
export function standardMask(type: MaskType, colorChannels: number, region: MaskRegion): StandardMask {
  return { type, colorChannels: region === 'vertical' ? 1 : colorChannels, region };
}

/**
 * The region, mask type and colour-group count whose `maskValues` equal
 * `values` exactly (HWIO), or null for any other mask. (A vertical mask has no
 * colour groups; it is reported with one.) Lets a kernel that bakes the
 * causal shape into its code check that it computes the mask it was given.
 */
export function identifyMask(values: ArrayLike<number>, kernelSize: number, inChannels: number, outChannels: number): StandardMask | null {
  if (kernelSize < 1 || kernelSize % 2 === 0 || values.length !== kernelSize * kernelSize * inChannels * outChannels) return null;
  for (const region of MASK_REGIONS) {
    const maxGroups = region === 'vertical' ? 1 : Math.min(inChannels, outChannels);
    for (let colorChannels = 1; colorChannels <= maxGroups; colorChannels++) {
      if (inChannels % colorChannels !== 0 || outChannels % colorChannels !== 0) continue;
      for (const type of ['A', 'B'] as const) {
        const expected = maskValues(type, { kernelSize, inChannels, outChannels, colorChannels, region });
        let equal = true;
        for (let i = 0; i < expected.length && equal; i++) equal = expected[i] === values[i];
        if (equal) return { type, colorChannels, region };
      }
    }
  }
  return null;
}
