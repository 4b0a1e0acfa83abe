/**
 * Test-only helpers: minimal but well-formed headers for each image format
 * (enough for sniffing and size reading), and a stand-in for the browser
 * decoder. Not imported by app code.
 */

import { ImageDecodeError, UNDECODABLE_REASON } from './decode';
import type { ImageDecoder } from './importImages';
import { asUint8Array } from './bytes';
import { readImageSize, sniffImageFormat } from './sniff';
import type { DecodedImage, InputFile } from './types';

function bytesOf(...parts: (number[] | string | Uint8Array)[]): Uint8Array {
  const arrays = parts.map((p) => (typeof p === 'string' ? Uint8Array.from(p, (ch) => ch.charCodeAt(0)) : p instanceof Uint8Array ? p : Uint8Array.from(p)));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}

const u16le = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff];
const u16be = (v: number): number[] => [(v >>> 8) & 0xff, v & 0xff];
const u24le = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff];
const u32le = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
const u32be = (v: number): number[] => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];

/** PNG signature, IHDR (8-bit RGBA) and IEND; CRCs are left zero, which sniffing ignores. */
export function pngHeader(width: number, height: number): Uint8Array {
  return bytesOf(
    [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
    u32be(13),
    'IHDR',
    u32be(width),
    u32be(height),
    [8, 6, 0, 0, 0],
    u32be(0),
    u32be(0),
    'IEND',
    u32be(0),
  );
}

/** SOI, a JFIF APP0 segment (so the size reader has to skip one), baseline SOF0, EOI. */
export function jpegHeader(width: number, height: number): Uint8Array {
  return bytesOf(
    [0xff, 0xd8],
    [0xff, 0xe0],
    u16be(16),
    'JFIF\0',
    [1, 1, 0],
    u16be(1),
    u16be(1),
    [0, 0],
    [0xff, 0xc0],
    u16be(17),
    [8],
    u16be(height),
    u16be(width),
    [3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1],
    [0xff, 0xd9],
  );
}

export function gifHeader(width: number, height: number): Uint8Array {
  return bytesOf('GIF89a', u16le(width), u16le(height), [0, 0, 0], ';');
}

/** BITMAPFILEHEADER + BITMAPINFOHEADER, 24 bits per pixel; negative height = top-down. */
export function bmpHeader(width: number, height: number): Uint8Array {
  return bytesOf('BM', u32le(54), u32le(0), u32le(54), u32le(40), u32le(width), u32le(height), u16le(1), u16le(24), new Uint8Array(24));
}

export function webpLossyHeader(width: number, height: number): Uint8Array {
  return bytesOf('RIFF', u32le(22), 'WEBP', 'VP8 ', u32le(10), [0x10, 0x02, 0x00], [0x9d, 0x01, 0x2a], u16le(width), u16le(height));
}

export function webpLosslessHeader(width: number, height: number): Uint8Array {
  const bits = ((width - 1) | ((height - 1) << 14)) >>> 0;
  return bytesOf('RIFF', u32le(13), 'WEBP', 'VP8L', u32le(5), [0x2f], u32le(bits));
}

export function webpExtendedHeader(width: number, height: number): Uint8Array {
  return bytesOf('RIFF', u32le(22), 'WEBP', 'VP8X', u32le(10), u32le(0), u24le(width - 1), u24le(height - 1));
}

export function textBytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** An opaque RGBA image where every pixel is `pixel(x, y)` = [r, g, b] or [r, g, b, a]. */
export function rgbaImage(width: number, height: number, pixel: (x: number, y: number) => number[]): DecodedImage {
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b, a = 255] = pixel(x, y);
      rgba.set([r, g, b, a], (y * width + x) * 4);
    }
  }
  return { width, height, rgba };
}

export interface FakeDecoder extends ImageDecoder {
  /** Names passed to the decoder, in call order. */
  calls: string[];
}

/**
 * Stands in for createImageBitmap: files named in `special` decode to the
 * given image (or throw the given error); any other file decodes to a flat
 * mid-gray image of the size in its header, or fails as undecodable.
 */
export function fakeDecoder(special: Record<string, DecodedImage | Error> = {}): FakeDecoder {
  const calls: string[] = [];
  const decode = async (file: InputFile): Promise<DecodedImage> => {
    calls.push(file.name);
    const given = special[file.name];
    if (given instanceof Error) throw given;
    if (given) return given;
    const bytes = asUint8Array(file.bytes);
    const format = sniffImageFormat(bytes);
    const size = format && readImageSize(bytes, format);
    if (!size) throw new ImageDecodeError(UNDECODABLE_REASON);
    return rgbaImage(size.width, size.height, () => [128, 128, 128]);
  };
  return Object.assign(decode, { calls });
}
