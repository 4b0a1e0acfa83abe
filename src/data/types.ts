/**
 * Shared shapes of the data layer. Everything here is plain data (numbers,
 * strings, typed arrays) so it can cross a worker boundary with postMessage
 * and be built by a Node script without a browser.
 */

/** 1 = grayscale, 3 = RGB. There is no alpha: it is composited away on import. */
export type ChannelCount = 1 | 3;

/**
 * A stack of equally sized images already quantised to the model's levels.
 * This is exactly what the model trains on, so nothing downstream needs to
 * know where the pixels came from (MNIST, a zip, a folder of photos).
 */
export interface ImageDataset {
  width: number;
  height: number;
  channels: ChannelCount;
  /** Number of intensity levels per sub-pixel (2..256). */
  levels: number;
  /** Number of images. */
  count: number;
  /**
   * count × height × width × channels quantised levels 0..levels-1.
   * Row-major HWC within an image, images back to back.
   */
  pixels: Uint8Array;
  /**
   * The class of each image, 0..classNames.length-1, or -1 for an image with
   * no class; absent when the images carry no labels at all. A dataset with
   * any -1 has no classes (see datasetClasses in classes.ts).
   */
  labels?: Int32Array;
  /** Class names in label order; present exactly when `labels` is. */
  classNames?: string[];
}

/** The geometry and quantisation that imported images are converted to. */
export interface ImageTarget {
  width: number;
  height: number;
  channels: ChannelCount;
  levels: number;
}

/** A file that was not used, and a sentence the user can act on. */
export interface SkippedFile {
  /** Relative path as the user sees it, e.g. "photos.zip/cats/1.jpg". */
  name: string;
  /** A clear human sentence, e.g. "not an image (text/plain)". */
  reason: string;
}

/** A file the user dropped or picked, already read to bytes by the UI. */
export interface InputFile {
  /** Relative path including folders (webkitRelativePath when available). */
  name: string;
  bytes: ArrayBuffer | Uint8Array;
  /** MIME type as reported by the browser; only used to word error messages. */
  type?: string;
}

/** RGBA pixels of one decoded image, straight (not premultiplied) alpha. */
export interface DecodedImage {
  width: number;
  height: number;
  /** width × height × 4 bytes, row-major RGBA. */
  rgba: Uint8ClampedArray;
}

/** Progress of an import, reported once per file so a bar can move. */
export interface ImportProgress {
  /** "unpacking": reading zips and checking file types; "decoding": turning images into pixels. */
  stage: 'unpacking' | 'decoding';
  /** Files finished in this stage. */
  done: number;
  /** Files in this stage. */
  total: number;
  /** The file just finished, if any. */
  name?: string;
}

/** The outcome of an import: the usable images and an account of the rest. */
export interface ImportReport {
  /** null when no file was usable; `message` then says why. */
  dataset: ImageDataset | null;
  /** Number of images in `dataset` (0 when it is null). */
  accepted: number;
  /** Names of the accepted images, in the same order as in `dataset`. */
  acceptedNames: string[];
  /** Why the images have no classes (from their folders), when they have none. */
  unlabelledReason?: string;
  /** The accepted images' own size and colour, before they were fitted to the target (absent when none was accepted). */
  source?: SourceFacts;
  /** Every file that was looked at and not used, sorted by name. */
  skipped: SkippedFile[];
  /** System clutter silently left out (.DS_Store, __MACOSX/, Thumbs.db, ._*). */
  ignored: number;
  /** One or two sentences summarising the outcome, ready to show. */
  message: string;
}

/**
 * What the images of a drop were before they were fitted to the model: their
 * own size and whether they are in colour. The Model panel's proposed start
 * (src/worker/startProposal.ts) reads them; the dataset itself holds the
 * images already at the model's size and channels.
 */
export interface SourceFacts {
  /** The median width and height of the images, in pixels. */
  width: number;
  height: number;
  /** True when a fair share of the images have colour (not only grays). */
  colour: boolean;
}
