import { beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../../../test/tfSetup';
import { classRows, type PixelCNNConfig } from '../../config';
import { createPixelCNN } from '../../pixelcnn';
import { TINY_GATED } from '../../testConfigs';
import { KernelTrainer } from './kernelTrainer';
import { standardTaps, type TapRule } from './parameters';

beforeAll(useCpuBackend);

/**
 * The kernel path keeps the autoregressive order: the logits of sub-pixel s
 * (raster order, colour by colour) do not move when any sub-pixel from s on
 * changes, before or after training steps (whose gradients must leave closed
 * taps at 0). A mask broken on purpose must make the same check fail.
 */

function generator(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

/** The first sub-pixel whose logits change when every sub-pixel from it on is redrawn, or -1 when none does. */
function firstLeak(trainer: KernelTrainer, config: PixelCNNConfig, labels: Int32Array | undefined): number {
  const random = generator(17);
  const size = config.height * config.width * config.colorChannels;
  const image = Int32Array.from({ length: size }, () => Math.floor(random() * config.levels));
  const base = trainer.logits(image, 1, labels);
  for (let s = 0; s < size; s++) {
    const changed = image.slice();
    for (let t = s; t < size; t++) changed[t] = (image[t] + 1 + Math.floor(random() * (config.levels - 1))) % config.levels;
    const logits = trainer.logits(changed, 1, labels);
    for (let i = 0; i < (s + 1) * config.levels; i++) if (logits[i] !== base[i]) return s;
  }
  return -1;
}

async function trained(config: PixelCNNConfig, tapRule?: TapRule): Promise<{ trainer: KernelTrainer; labels: Int32Array | undefined }> {
  const model = createPixelCNN(config, 3);
  const trainer = await KernelTrainer.create(model, { tapRule });
  model.dispose();
  const random = generator(5);
  const count = 2;
  const labels = config.classes > 0 ? Int32Array.from({ length: count }, () => Math.floor(random() * classRows(config))) : undefined;
  for (let step = 0; step < 3; step++) {
    const pixels = Int32Array.from({ length: count * config.height * config.width * config.colorChannels }, () => Math.floor(random() * config.levels));
    trainer.step(pixels, count, labels, 0.05);
  }
  return { trainer, labels: labels?.subarray(0, 1) };
}

const GRAY: PixelCNNConfig = { ...TINY_GATED, inputEmbedding: 2, headChannels: 5, position: true, classes: 2 };
const RGB: PixelCNNConfig = { ...TINY_GATED, colorChannels: 3, hiddenChannels: 6, inputEmbedding: 2, headChannels: 6, position: true };

/** The horizontal stack also sees the pixel to the right of the centre: a future pixel. */
const seesRight: TapRule = (layer) => {
  const standard = standardTaps(layer);
  if (layer.region !== 'horizontal') return standard;
  const centre = (layer.kernelSize - 1) / 2;
  const slice = layer.inChannels * layer.outChannels;
  const tap = centre * layer.kernelSize + centre + 1;
  standard.mask.fill(1, tap * slice, (tap + 1) * slice);
  return { taps: [...standard.taps, [centre, centre + 1]], mask: standard.mask };
};

/** The centre tap of the horizontal stack open between every pair of colour groups: G and B of a pixel reach R. */
const everyGroup: TapRule = (layer) => {
  const standard = standardTaps(layer);
  if (layer.region !== 'horizontal' || layer.maskType !== 'B') return standard;
  const centre = (layer.kernelSize - 1) / 2;
  const slice = layer.inChannels * layer.outChannels;
  const tap = centre * layer.kernelSize + centre;
  standard.mask.fill(1, tap * slice, (tap + 1) * slice);
  return standard;
};

describe('the kernel training path is causal', () => {
  for (const [name, config] of [
    ['gated gray', GRAY],
    ['gated RGB', RGB],
    ['PixelCNN gray', { ...GRAY, architecture: 'pixelcnn' }],
    ['PixelCNN RGB', { ...RGB, architecture: 'pixelcnn' }],
  ] as const) {
    it(`${name}: no sub-pixel's logits depend on it or later sub-pixels, after 3 training steps`, async () => {
      const { trainer, labels } = await trained(config);
      expect(firstLeak(trainer, config, labels)).toBe(-1);
    });
  }

  it('mutation: a horizontal stack that sees the pixel to its right fails the check', async () => {
    const { trainer, labels } = await trained(GRAY, seesRight);
    expect(firstLeak(trainer, GRAY, labels)).toBeGreaterThanOrEqual(0);
  });

  it('mutation: a PixelCNN whose first layer sees its own sub-pixel (mask B where A belongs) fails the check', async () => {
    const firstLayerB: TapRule = (layer) => standardTaps(layer.maskType === 'A' && layer.region === 'causal' ? { ...layer, maskType: 'B' } : layer);
    const plain = { ...GRAY, architecture: 'pixelcnn' as const };
    const { trainer, labels } = await trained(plain, firstLayerB);
    expect(firstLeak(trainer, plain, labels)).toBeGreaterThanOrEqual(0);
  });

  it('mutation: a centre tap open between every colour group fails the check (RGB)', async () => {
    const { trainer, labels } = await trained(RGB, everyGroup);
    expect(firstLeak(trainer, RGB, labels)).toBeGreaterThanOrEqual(0);
  });
});
