import { quantiseArray, levelToByteTable } from './quantise';
import { LUMA_B, LUMA_G, LUMA_R, resizeArea } from './resize';
import type { ImageDataset, ImageTarget } from './types';

/**
 * Converts an already-decoded dataset to another model geometry: size, gray
 * or RGB, and levels. The built-in digits are stored once at 28×28 and 256
 * levels, and reach any model settings through here.
 */
export function retargetDataset(source: ImageDataset, target: ImageTarget): ImageDataset {
  const sameShape = source.width === target.width && source.height === target.height && source.channels === target.channels && source.levels === target.levels;
  if (sameShape) return source;

  const toByte = levelToByteTable(source.levels);
  const inSize = source.width * source.height * source.channels;
  const outSize = target.width * target.height * target.channels;
  const pixels = new Uint8Array(source.count * outSize);
  const plane = new Float32Array(inSize);

  for (let n = 0; n < source.count; n++) {
    for (let i = 0; i < inSize; i++) plane[i] = toByte[source.pixels[n * inSize + i]];
    const resized = resizeArea(plane, source.width, source.height, source.channels, target.width, target.height);
    const converted = convertChannels(resized, source.channels, target.channels);
    quantiseArray(converted, target.levels, pixels.subarray(n * outSize, (n + 1) * outSize));
  }
  const { labels, classNames } = source;
  return {
    width: target.width,
    height: target.height,
    channels: target.channels,
    levels: target.levels,
    count: source.count,
    pixels,
    ...(labels && classNames ? { labels, classNames } : {}),
  };
}

function convertChannels(values: Float32Array, from: 1 | 3, to: 1 | 3): Float32Array {
  if (from === to) return values;
  if (from === 1) {
    const rgb = new Float32Array(values.length * 3);
    for (let p = 0; p < values.length; p++) rgb[3 * p] = rgb[3 * p + 1] = rgb[3 * p + 2] = values[p];
    return rgb;
  }
  const gray = new Float32Array(values.length / 3);
  for (let p = 0; p < gray.length; p++) {
    gray[p] = LUMA_R * values[3 * p] + LUMA_G * values[3 * p + 1] + LUMA_B * values[3 * p + 2];
  }
  return gray;
}
