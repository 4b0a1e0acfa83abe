/**
 * Browser image decoding for the import worker: createImageBitmap does the
 * format work and an OffscreenCanvas hands back RGBA bytes. Deliberately
 * thin, because Node has neither API; everything testable lives elsewhere.
 */

import { asBlobPart } from './bytes';
import { imageSizeProblem } from './limits';
import { IMAGE_FORMAT_MIME, sniffImageFormat } from './sniff';
import type { DecodedImage, InputFile } from './types';

/** A file that is an image by its bytes but cannot be turned into pixels. */
export class ImageDecodeError extends Error {
  override name = 'ImageDecodeError';
  /** The sentence shown next to the file name, e.g. "zero-sized image (0×0)". */
  readonly reason: string;

  constructor(reason: string) {
    super(reason);
    this.reason = reason;
  }
}

export const UNDECODABLE_REASON = 'corrupt or truncated image: could not decode';

/**
 * Decodes one image file to straight-alpha RGBA. Refuses zero-sized and
 * oversized images before drawing, so the pixel buffer is never allocated.
 *
 * colorSpaceConversion 'none' keeps the stored pixel values (no ICC or gamma
 * adjustment), matching what Python imaging libraries would read from the
 * same file; premultiplyAlpha 'none' avoids losing precision in
 * semi-transparent pixels.
 *
 * @throws ImageDecodeError with a reason fit to show the user.
 */
export async function decodeImage(file: InputFile): Promise<DecodedImage> {
  const part = asBlobPart(file.bytes);
  const format = sniffImageFormat(part);
  const blob = new Blob([part], format ? { type: IMAGE_FORMAT_MIME[format] } : {});

  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch {
    throw new ImageDecodeError(UNDECODABLE_REASON);
  }
  try {
    const { width, height } = bitmap;
    const problem = imageSizeProblem(width, height);
    if (problem) throw new ImageDecodeError(problem);
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (!context) throw new ImageDecodeError('could not decode: the browser refused a 2D canvas');
    context.drawImage(bitmap, 0, 0);
    return { width, height, rgba: context.getImageData(0, 0, width, height).data };
  } finally {
    bitmap.close();
  }
}
