/**
 * The messages of the inspection views (what the model believes at a pixel,
 * what it can see, what surprises it), part of the engine protocol
 * (protocol.ts takes these unions into EngineRequest and EngineEvent).
 */
import type { Architecture } from '../model/config';
import type { PixelBelief } from '../model/belief';

export type { PixelBelief } from '../model/belief';

/** An image the views look at: one of the last sample grid, or a held-out one. */
export type InspectTarget = { kind: 'sample'; image: number } | { kind: 'test'; index: number };

export interface PixelPosition {
  row: number;
  col: number;
}

export type InspectRequest =
  /** Which image of the grid being drawn the live belief chart follows. */
  | { type: 'setBeliefImage'; image: number }
  /**
   * Look at `target`: its surprise map, and at `pixel` (when given) the
   * distributions its sub-pixels were drawn from; `field` also measures the
   * pixel's receptive field (a gradient, dearer than the rest).
   */
  | { type: 'inspect'; target: InspectTarget; pixel: PixelPosition | null; field: boolean }
  /** Rank the held-out images by bits/dim, in chunks, beside training. */
  | { type: 'rankHeldOut' };

/** One pixel's receptive field, measured from a model. */
export interface FieldMap {
  architecture: Architecture;
  /** What the map was measured from, in a phrase ("the current model", "an untrained Gated PixelCNN of the same size"). */
  source: string;
  /** |∂ log p(pixel) / ∂ input| per input sub-pixel, H·W·C in generation order. */
  values: Float32Array;
}

export interface Inspection {
  target: InspectTarget;
  width: number;
  height: number;
  channels: 1 | 3;
  levels: number;
  /** The image, H·W·C levels. */
  pixels: Uint8Array;
  /** Sub-pixels of the image known (a sample stopped early has fewer than H·W·C). */
  known: number;
  /** The image's class name, or null. */
  caption: string | null;
  /** Bits each sub-pixel cost the model (−log2 p at temperature 1), H·W·C. */
  bits: Float32Array;
  bitsPerDim: number;
  /** The pixel looked at, or null. */
  pixel: PixelPosition | null;
  /** The distributions the pixel's sub-pixels were drawn from (at the sample's temperature); null when it is not drawn yet. */
  belief: PixelBelief | null;
  /** The pixel's receptive field in the current model, when asked for. */
  field: FieldMap | null;
  /** The same pixel in the other architecture, for comparison, when asked for. */
  compare: FieldMap | null;
  /** Training steps of the weights that were looked at. */
  steps: number;
}

export interface RankedImage {
  /** Index among the held-out images. */
  index: number;
  bitsPerDim: number;
  /** H·W·C levels. */
  pixels: Uint8Array;
  caption: string | null;
}

export interface HeldOutRanking {
  width: number;
  height: number;
  channels: 1 | 3;
  levels: number;
  /** Images scored. */
  ranked: number;
  meanBitsPerDim: number;
  /** Lowest bits/dim first. */
  typical: RankedImage[];
  /** Highest bits/dim first. */
  unusual: RankedImage[];
  /** Training steps of the weights that scored them. */
  steps: number;
}

export type InspectEvent =
  /** The belief of the chosen image at the pixel just drawn; at most one per animation frame at full speed. */
  | { type: 'sampleBelief'; belief: PixelBelief }
  | { type: 'inspection'; inspection: Inspection }
  | { type: 'rankProgress'; done: number; total: number }
  | { type: 'ranking'; ranking: HeldOutRanking }
  /** The ranking stopped on a failure (it runs on after its request was answered); `message` is for the user. */
  | { type: 'rankFailed'; message: string };
