/**
 * File-type detection from content, never from the name: a "photo.jpg" that
 * is really a PNG still imports, and a "notes.png" that is really text is
 * reported as not an image. Also reads image dimensions from the header so
 * oversized images can be refused before the browser spends memory decoding.
 */

import { extensionOf } from './bytes';

/** The raster formats every browser's createImageBitmap decodes. */
export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'webp' | 'bmp';

export const IMAGE_FORMAT_MIME: Readonly<Record<ImageFormat, string>> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  bmp: 'image/bmp',
};

function startsWith(bytes: Uint8Array, signature: readonly number[], at = 0): boolean {
  if (bytes.length < at + signature.length) return false;
  for (let i = 0; i < signature.length; i++) if (bytes[at + i] !== signature[i]) return false;
  return true;
}

function ascii(text: string): number[] {
  return Array.from(text, (ch) => ch.charCodeAt(0));
}

function asciiAt(bytes: Uint8Array, at: number, length: number): string {
  if (bytes.length < at + length) return '';
  return String.fromCharCode(...bytes.subarray(at, at + length));
}

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG = [0xff, 0xd8, 0xff];
const GIF87 = ascii('GIF87a');
const GIF89 = ascii('GIF89a');
const RIFF = ascii('RIFF');
const WEBP = ascii('WEBP');
const BMP = ascii('BM');

/** The image format the bytes start with, or null if they are not one we decode. */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | null {
  if (startsWith(bytes, PNG)) return 'png';
  if (startsWith(bytes, JPEG)) return 'jpeg';
  if (startsWith(bytes, GIF87) || startsWith(bytes, GIF89)) return 'gif';
  if (startsWith(bytes, RIFF) && startsWith(bytes, WEBP, 8)) return 'webp';
  // "BM" alone is a weak signature (plain text can start with it), so also
  // require a plausible DIB header size at offset 14.
  if (startsWith(bytes, BMP) && bytes.length >= 18) {
    const dib = u32le(bytes, 14);
    if (dib === 12 || dib === 16 || dib === 40 || dib === 52 || dib === 56 || dib === 64 || dib === 108 || dib === 124) {
      return 'bmp';
    }
  }
  return null;
}

/**
 * True for a zip archive: a local file header, or the end-of-central-directory
 * record that is all an empty zip contains.
 */
export function isZipArchive(bytes: Uint8Array): boolean {
  return startsWith(bytes, [0x50, 0x4b, 0x03, 0x04]) || startsWith(bytes, [0x50, 0x4b, 0x05, 0x06]);
}

function u16be(b: Uint8Array, i: number): number {
  return (b[i] << 8) | b[i + 1];
}
function u16le(b: Uint8Array, i: number): number {
  return b[i] | (b[i + 1] << 8);
}
function u24le(b: Uint8Array, i: number): number {
  return b[i] | (b[i + 1] << 8) | (b[i + 2] << 16);
}
function u32be(b: Uint8Array, i: number): number {
  return ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
}
function u32le(b: Uint8Array, i: number): number {
  return (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;
}
function i32le(b: Uint8Array, i: number): number {
  return b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
}

export interface ImageSize {
  width: number;
  height: number;
}

/**
 * Pixel dimensions from the file header, or null when the header is too
 * short or unusual to read (the decoder then has the final say).
 */
export function readImageSize(bytes: Uint8Array, format: ImageFormat): ImageSize | null {
  switch (format) {
    case 'png':
      // The IHDR chunk must come first: length(4) "IHDR" width(4) height(4).
      if (bytes.length < 24 || asciiAt(bytes, 12, 4) !== 'IHDR') return null;
      return { width: u32be(bytes, 16), height: u32be(bytes, 20) };
    case 'gif':
      // Logical screen descriptor right after the 6-byte signature.
      if (bytes.length < 10) return null;
      return { width: u16le(bytes, 6), height: u16le(bytes, 8) };
    case 'bmp': {
      if (bytes.length < 26) return null;
      const dib = u32le(bytes, 14);
      if (dib === 12) return { width: u16le(bytes, 18), height: u16le(bytes, 20) };
      // Negative height means the rows are stored top-down.
      return { width: Math.abs(i32le(bytes, 18)), height: Math.abs(i32le(bytes, 22)) };
    }
    case 'webp':
      return readWebpSize(bytes);
    case 'jpeg':
      return readJpegSize(bytes);
  }
}

function readWebpSize(b: Uint8Array): ImageSize | null {
  const chunk = asciiAt(b, 12, 4);
  if (chunk === 'VP8 ' && b.length >= 30) {
    // Lossy: 3-byte frame tag, start code 9d 01 2a, then 14-bit width/height.
    if (!startsWith(b, [0x9d, 0x01, 0x2a], 23)) return null;
    return { width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff };
  }
  if (chunk === 'VP8L' && b.length >= 25) {
    // Lossless: signature 0x2f, then width−1 and height−1 packed in 14 bits each.
    if (b[20] !== 0x2f) return null;
    const bits = u32le(b, 21);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X' && b.length >= 30) {
    // Extended: 4 bytes of flags, then canvas width−1 and height−1 in 24 bits each.
    return { width: u24le(b, 24) + 1, height: u24le(b, 27) + 1 };
  }
  return null;
}

/**
 * Walks JPEG marker segments up to the first start-of-frame. Stops (null) at
 * the start of scan data or on anything malformed.
 */
function readJpegSize(b: Uint8Array): ImageSize | null {
  let i = 2;
  while (i + 1 < b.length) {
    if (b[i] !== 0xff) return null;
    while (i < b.length && b[i] === 0xff) i++; // fill bytes
    if (i >= b.length) return null;
    const marker = b[i++];
    // Standalone markers carry no length.
    if (marker === 0x01 || marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7)) continue;
    if (marker === 0xd9 || marker === 0xda) return null;
    if (i + 2 > b.length) return null;
    const length = u16be(b, i);
    if (length < 2) return null;
    const isStartOfFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isStartOfFrame) {
      if (i + 7 > b.length) return null;
      const height = u16be(b, i + 3);
      const width = u16be(b, i + 5);
      // Height 0 means "given later in a DNL marker"; leave that to the decoder.
      return height === 0 ? null : { width, height };
    }
    i += length;
  }
  return null;
}

/** Formats that are images but that browsers cannot reliably decode in a worker. */
function unsupportedImageKind(bytes: Uint8Array): string | null {
  if (startsWith(bytes, ascii('II*\0')) || startsWith(bytes, ascii('MM\0*'))) return 'TIFF';
  if (startsWith(bytes, ascii('8BPS'))) return 'Photoshop PSD';
  if (startsWith(bytes, [0x00, 0x00, 0x01, 0x00]) && bytes.length >= 6 && bytes[4] + bytes[5] > 0) return 'ICO';
  if (asciiAt(bytes, 4, 4) === 'ftyp') {
    const brand = asciiAt(bytes, 8, 4);
    if (brand === 'avif' || brand === 'avis') return 'AVIF';
    if (['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1'].includes(brand)) return 'HEIC/HEIF';
  }
  return null;
}

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.jfif', '.gif', '.webp', '.bmp', '.dib']);

function looksLikeSvg(bytes: Uint8Array): boolean {
  const head = asciiAt(bytes, 0, Math.min(bytes.length, 1024)).toLowerCase();
  return head.includes('<svg');
}

/**
 * Why a file that is neither a supported image nor a zip cannot be used.
 * The extension and MIME type are only quoted, to help the user recognise it.
 */
export function notAnImageReason(name: string, bytes: Uint8Array, type?: string): string {
  if (bytes.length === 0) return 'empty file (0 bytes)';
  const kind = unsupportedImageKind(bytes);
  if (kind) return `unsupported image format (${kind}); convert it to PNG or JPEG`;
  if (looksLikeSvg(bytes)) return 'unsupported image format (SVG vector image); export it as PNG';
  if (startsWith(bytes, ascii('%PDF'))) return 'not an image (PDF document)';
  const ext = extensionOf(name);
  const claimed = type || ext;
  if (claimed && (/^image\//.test(type ?? '') || IMAGE_EXTENSIONS.has(ext))) {
    // Named or typed like an image, but the bytes say otherwise.
    return `not an image (${claimed}, but the content is not PNG, JPEG, GIF, WebP or BMP)`;
  }
  if (type) return `not an image (${type})`;
  if (ext) return `not an image (${ext} file)`;
  return 'not an image (unrecognised content)';
}
