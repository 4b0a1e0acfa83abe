/**
 * Turns whatever the user dropped (images, folders, zips, and the odd stray
 * file) into one ImageDataset in the model's format, plus an honest account
 * of every file that was left out and why. One bad file never sinks a drop:
 * each problem is recorded against its file and the rest carry on.
 */

import { asUint8Array } from './bytes';
import { classesFromPaths } from './classes';
import { ImageDecodeError, UNDECODABLE_REASON, decodeImage } from './decode';
import { MAX_FILES, formatCount, imageSizeProblem, overCapReason } from './limits';
import { checkLevels, quantiseArray } from './quantise';
import { type Background, DEFAULT_BACKGROUND, rgbaToTarget } from './resize';
import { SourceFactsCounter } from './sourceFacts';
import { type ImageFormat, isZipArchive, notAnImageReason, readImageSize, sniffImageFormat } from './sniff';
import type { DecodedImage, ImageDataset, ImageTarget, ImportProgress, ImportReport, InputFile, SkippedFile } from './types';
import { type ZipLimits, DEFAULT_ZIP_LIMITS, ZipError, extractZip, isJunkPath } from './zip';

/** Bytes in → RGBA out. Injectable so Node tests can stand in for the browser. */
export type ImageDecoder = (file: InputFile) => Promise<DecodedImage>;

export interface ImportOptions {
  /** Most images to decode (default 5,000); the rest, by name order, are skipped. */
  maxFiles?: number;
  /** Defaults to the browser decoder (createImageBitmap + OffscreenCanvas). */
  decode?: ImageDecoder;
  /** Called after each file in each stage. */
  onProgress?: (progress: ImportProgress) => void;
  /** What transparency is composited over (default white). */
  background?: Background;
  /** Stops the import between files; the promise then rejects with the abort reason. */
  signal?: AbortSignal;
  /** Zip-bomb limits; the defaults suit a browser tab. */
  zipLimits?: ZipLimits;
}

/** Largest target side accepted; far beyond what a browser PixelCNN can train, but bounds memory. */
const MAX_TARGET_SIDE = 4096;

function checkTarget(target: ImageTarget): void {
  for (const side of ['width', 'height'] as const) {
    const v = target[side];
    if (!Number.isInteger(v) || v < 1 || v > MAX_TARGET_SIDE) {
      throw new RangeError(`Target ${side} must be an integer from 1 to ${MAX_TARGET_SIDE}, got ${v}.`);
    }
  }
  if (target.channels !== 1 && target.channels !== 3) {
    throw new RangeError(`Target channels must be 1 or 3, got ${String(target.channels)}.`);
  }
  checkLevels(target.levels);
}

interface Candidate {
  name: string;
  bytes: Uint8Array;
  type?: string;
  format: ImageFormat;
  /** Position in the drop, to break ties between equal names deterministically. */
  order: number;
}

/** Plain code-unit order: identical in every browser and locale, unlike localeCompare. */
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function plural(n: number, one: string, many: string): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/**
 * Imports a drop of files into a dataset of `target` size, channels and levels.
 *
 * Order of work: zips are expanded and system clutter ignored; every file is
 * sniffed by content and, where the header allows, size-checked; the
 * survivors are sorted by name and capped at `maxFiles`; then each is decoded,
 * centre-cropped to the target aspect, area-resized, converted to gray or RGB
 * and quantised. Images appear in the dataset in name order.
 */
export async function importImages(files: readonly InputFile[], target: ImageTarget, options: ImportOptions = {}): Promise<ImportReport> {
  checkTarget(target);
  const maxFiles = options.maxFiles ?? MAX_FILES;
  if (!Number.isInteger(maxFiles) || maxFiles < 1) {
    throw new RangeError(`maxFiles must be a positive integer, got ${maxFiles}.`);
  }
  const decode = options.decode ?? decodeImage;
  const background = options.background ?? DEFAULT_BACKGROUND;
  const { signal, onProgress } = options;

  if (files.length === 0) {
    return { dataset: null, accepted: 0, acceptedNames: [], skipped: [], ignored: 0, message: 'No files were dropped.' };
  }

  // Stage 1: unpack zips, drop clutter, keep only what looks like an image.
  const skipped: SkippedFile[] = [];
  const candidates: Candidate[] = [];
  let ignored = 0;

  const consider = (file: InputFile, bytes: Uint8Array): void => {
    const format = sniffImageFormat(bytes);
    if (!format) {
      skipped.push({ name: file.name, reason: notAnImageReason(file.name, bytes, file.type) });
      return;
    }
    // Refuse oversized images from the header alone, before any decoding.
    const size = readImageSize(bytes, format);
    const problem = size && imageSizeProblem(size.width, size.height);
    if (problem) {
      skipped.push({ name: file.name, reason: problem });
      return;
    }
    candidates.push({ name: file.name, bytes, type: file.type, format, order: candidates.length });
  };

  for (let i = 0; i < files.length; i++) {
    signal?.throwIfAborted();
    const file = files[i];
    if (isJunkPath(file.name)) {
      ignored++;
    } else {
      const bytes = asUint8Array(file.bytes);
      if (isZipArchive(bytes)) {
        try {
          const contents = extractZip(file.name, bytes, options.zipLimits ?? DEFAULT_ZIP_LIMITS);
          ignored += contents.ignored;
          skipped.push(...contents.skipped);
          for (const entry of contents.files) consider(entry, asUint8Array(entry.bytes));
          if (contents.files.length === 0 && contents.skipped.length === 0) {
            skipped.push({ name: file.name, reason: 'the zip archive contains no files (only folders or system files)' });
          }
        } catch (error) {
          if (!(error instanceof ZipError)) throw error;
          // Reasons are sentence fragments in lists, so drop the error's final full stop.
          skipped.push({ name: file.name, reason: error.message.replace(/\.$/, '') });
        }
      } else {
        consider(file, bytes);
      }
    }
    onProgress?.({ stage: 'unpacking', done: i + 1, total: files.length, name: file.name });
  }
  const considered = skipped.length + candidates.length;

  // Stage 2: a deterministic cap. Sorting first means the same drop always keeps the same files.
  candidates.sort((a, b) => compareNames(a.name, b.name) || a.order - b.order);
  const kept = candidates.slice(0, maxFiles);
  for (const extra of candidates.slice(maxFiles)) {
    skipped.push({ name: extra.name, reason: overCapReason(maxFiles) });
  }

  // Stage 3: decode and convert, writing straight into the dataset buffer.
  const imageSize = target.width * target.height * target.channels;
  let pixels = new Uint8Array(kept.length * imageSize);
  const acceptedNames: string[] = [];
  const sourceFacts = new SourceFactsCounter();

  for (let i = 0; i < kept.length; i++) {
    signal?.throwIfAborted();
    const candidate = kept[i];
    const problem = await decodeAndStore(candidate, decode, target, background, (floats, image) => {
      const slot = acceptedNames.length * imageSize;
      quantiseArray(floats, target.levels, pixels.subarray(slot, slot + imageSize));
      sourceFacts.add(image);
    });
    if (problem) {
      skipped.push({ name: candidate.name, reason: problem });
    } else {
      acceptedNames.push(candidate.name);
    }
    onProgress?.({ stage: 'decoding', done: i + 1, total: kept.length, name: candidate.name });
  }

  const accepted = acceptedNames.length;
  if (accepted < kept.length) pixels = pixels.slice(0, accepted * imageSize);
  skipped.sort((a, b) => compareNames(a.name, b.name));

  let dataset: ImageDataset | null = null;
  let unlabelledReason: string | undefined;
  const source = sourceFacts.facts();
  if (accepted > 0) {
    // The folders the images came in are their classes (classes.ts).
    const { classes, reason } = classesFromPaths(acceptedNames);
    dataset = { width: target.width, height: target.height, channels: target.channels, levels: target.levels, count: accepted, pixels };
    if (classes) Object.assign(dataset, classes);
    unlabelledReason = reason;
  }

  return {
    dataset,
    accepted,
    acceptedNames,
    ...(unlabelledReason !== undefined ? { unlabelledReason } : {}),
    ...(source ? { source } : {}),
    skipped,
    ignored,
    message: summarise(target, accepted, skipped, considered, files.length),
  };
}

/**
 * Decodes one candidate and hands its converted floats to `store`.
 * Returns null on success or the reason the file was skipped.
 */
async function decodeAndStore(
  candidate: Candidate,
  decode: ImageDecoder,
  target: ImageTarget,
  background: Background,
  store: (floats: Float32Array, image: DecodedImage) => void,
): Promise<string | null> {
  let image: DecodedImage;
  try {
    image = await decode({ name: candidate.name, bytes: candidate.bytes, type: candidate.type });
  } catch (error) {
    if (error instanceof ImageDecodeError) return error.reason;
    if (error instanceof Error && error.name === 'AbortError') throw error;
    const detail = error instanceof Error ? error.message : String(error);
    return detail ? `${UNDECODABLE_REASON} (${detail})` : UNDECODABLE_REASON;
  }
  // The decoder's own checks are repeated so a custom decoder cannot slip past them.
  const problem = imageSizeProblem(image.width, image.height);
  if (problem) return problem;
  if (image.rgba.length !== image.width * image.height * 4) {
    return `${UNDECODABLE_REASON} (got ${image.rgba.length} bytes for ${image.width}×${image.height} pixels)`;
  }
  store(rgbaToTarget(image.rgba, image.width, image.height, target, background), image);
  return null;
}

function summarise(target: ImageTarget, accepted: number, skipped: readonly SkippedFile[], considered: number, dropped: number): string {
  if (accepted > 0) {
    const mode = target.channels === 1 ? 'grayscale' : 'RGB';
    const head = `Imported ${plural(accepted, 'image', 'images')} as ${target.width}×${target.height} ${mode} with ${target.levels} levels.`;
    return skipped.length > 0 ? `${head} Skipped ${plural(skipped.length, 'file', 'files')}; see the list for reasons.` : head;
  }
  if (considered === 0) {
    return dropped === 1
      ? 'The dropped file was not a usable image: it is a system file (such as .DS_Store).'
      : `None of the ${formatCount(dropped)} files were usable images: they are all system files (such as .DS_Store or __MACOSX).`;
  }
  const shown = skipped.slice(0, 3).map((s) => `${s.name} — ${s.reason}`);
  const more = skipped.length > shown.length ? `; and ${formatCount(skipped.length - shown.length)} more` : '';
  if (considered === 1) return `The file was not a usable image: ${shown[0]}.`;
  return `None of the ${formatCount(considered)} files were usable images: ${shown.join('; ')}${more}.`;
}
