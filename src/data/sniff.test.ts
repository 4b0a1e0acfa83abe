import { describe, expect, it } from 'vitest';
import { isZipArchive, notAnImageReason, readImageSize, sniffImageFormat } from './sniff';
import { bmpHeader, gifHeader, jpegHeader, pngHeader, textBytes, webpExtendedHeader, webpLosslessHeader, webpLossyHeader } from './testFixtures';

describe('sniffImageFormat and readImageSize', () => {
  const cases = [
    ['png', pngHeader(640, 480)],
    ['jpeg', jpegHeader(640, 480)],
    ['gif', gifHeader(640, 480)],
    ['bmp', bmpHeader(640, 480)],
    ['webp', webpLossyHeader(640, 480)],
    ['webp', webpLosslessHeader(640, 480)],
    ['webp', webpExtendedHeader(640, 480)],
  ] as const;

  it.each(cases)('recognises %s from its magic bytes and reads 640×480', (format, bytes) => {
    expect(sniffImageFormat(bytes)).toBe(format);
    expect(readImageSize(bytes, format)).toEqual({ width: 640, height: 480 });
  });

  it('reads large and top-down sizes', () => {
    expect(readImageSize(pngHeader(20000, 20000), 'png')).toEqual({ width: 20000, height: 20000 });
    expect(readImageSize(bmpHeader(10, -20), 'bmp')).toEqual({ width: 10, height: 20 });
    expect(readImageSize(webpExtendedHeader(16384, 3), 'webp')).toEqual({ width: 16384, height: 3 });
  });

  it('ignores the file name entirely (content decides)', () => {
    // There is no name parameter at all; a PNG is a PNG whatever it is called.
    expect(sniffImageFormat(pngHeader(1, 1))).toBe('png');
  });

  it('returns null for junk, text, empty and truncated signatures', () => {
    expect(sniffImageFormat(new Uint8Array(0))).toBeNull();
    expect(sniffImageFormat(textBytes('hello world'))).toBeNull();
    expect(sniffImageFormat(textBytes('BM is how this text starts'))).toBeNull();
    expect(sniffImageFormat(Uint8Array.from([0x89, 0x50, 0x4e]))).toBeNull();
    expect(sniffImageFormat(textBytes('RIFF\0\0\0\0WAVEfmt '))).toBeNull();
  });

  it('gives up on sizes it cannot read rather than guessing', () => {
    expect(readImageSize(pngHeader(5, 5).subarray(0, 20), 'png')).toBeNull();
    expect(readImageSize(Uint8Array.from([0xff, 0xd8, 0xff, 0xda, 0, 2]), 'jpeg')).toBeNull();
  });
});

describe('isZipArchive', () => {
  it('recognises local-file and empty-archive signatures', () => {
    expect(isZipArchive(Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0]))).toBe(true);
    expect(isZipArchive(Uint8Array.from([0x50, 0x4b, 0x05, 0x06]))).toBe(true);
    expect(isZipArchive(textBytes('PK is not enough'))).toBe(false);
  });
});

describe('notAnImageReason', () => {
  it('quotes the MIME type when known', () => {
    expect(notAnImageReason('notes.txt', textBytes('hi'), 'text/plain')).toBe('not an image (text/plain)');
  });
  it('falls back to the extension, then to the content', () => {
    expect(notAnImageReason('data/notes.csv', textBytes('a,b'))).toBe('not an image (.csv file)');
    expect(notAnImageReason('README', textBytes('hi'))).toBe('not an image (unrecognised content)');
  });
  it('points out a file named like an image whose content is not one', () => {
    expect(notAnImageReason('fake.png', textBytes('hi'))).toBe('not an image (.png, but the content is not PNG, JPEG, GIF, WebP or BMP)');
  });
  it('names recognisable but unsupported formats', () => {
    expect(notAnImageReason('a.tif', textBytes('II*\0rest'))).toMatch(/unsupported image format \(TIFF\)/);
    expect(notAnImageReason('a.heic', textBytes('\0\0\0\x18ftypheic'))).toMatch(/HEIC/);
    expect(notAnImageReason('a.svg', textBytes('<?xml version="1.0"?><svg></svg>'))).toMatch(/SVG/);
    expect(notAnImageReason('a.pdf', textBytes('%PDF-1.7'))).toBe('not an image (PDF document)');
    expect(notAnImageReason('empty.png', new Uint8Array(0))).toBe('empty file (0 bytes)');
  });
});
