import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../test/tfSetup';
import { classRows, type PixelCNNConfig } from './config';
import { dropLabelsWith } from './labelDropout';
import { createPixelCNN } from './pixelcnn';
import { seededRandom } from './random';
import { TINY_GATED } from './testConfigs';

beforeAll(useCpuBackend);

describe('label dropout', () => {
  it('replaces about the asked share of labels with "no class", one draw per label, and nothing at 0', () => {
    const labels = Int32Array.from({ length: 20_000 }, (_, i) => i % 10);
    const dropped = dropLabelsWith(labels, 0.15, 10, seededRandom(3));
    const share = dropped.filter((l) => l === 10).length / labels.length;
    expect(share).toBeGreaterThan(0.14);
    expect(share).toBeLessThan(0.16);
    dropped.forEach((l, i) => expect(l === 10 || l === labels[i]).toBe(true));
    expect(dropLabelsWith(labels, 0.15, 10, seededRandom(3))).toEqual(dropped);
    let draws = 0;
    expect(dropLabelsWith(labels, 0, 10, () => (draws++, 0))).toEqual(labels);
    expect(draws).toBe(0);
  });

  for (const architecture of ['pixelcnn', 'gated'] as const) {
    it(`${architecture}: the "no class" row gets gradient only from images whose label was dropped`, () => {
      const config: PixelCNNConfig = { ...TINY_GATED, architecture, layers: 2, headChannels: 4, classes: 3, labelDropout: 0.2 };
      const model = createPixelCNN(config, 1);
      const rows = classRows(config);
      expect(rows).toBe(4);
      const tables = model.variables.filter((v) => v.name.endsWith('/class'));
      expect(tables.length).toBeGreaterThan(0);
      const images = tf.randomUniformInt([3, config.height, config.width, 1], 0, config.levels, 5) as tf.Tensor4D;
      /** Per class table, the summed |gradient| of each of its rows. */
      const rowGradients = (labels: number[]): number[][] =>
        tf.tidy(() => {
          const { grads } = tf.variableGrads(() => model.bitsPerDim(images, tf.tensor1d(labels, 'int32')), tables);
          return tables.map((t) => Array.from(grads[t.name].abs().sum(1).dataSync()));
        });
      // No label dropped: the "no class" row (3) and the absent class (2) get exactly zero.
      for (const sums of rowGradients([0, 1, 0])) {
        expect(sums[3]).toBe(0);
        expect(sums[2]).toBe(0);
        expect(sums[0]).toBeGreaterThan(0);
      }
      // One label dropped: the row gets gradient, and class 1, now unseen, none.
      for (const sums of rowGradients([0, 3, 0])) {
        expect(sums[3]).toBeGreaterThan(0);
        expect(sums[1]).toBe(0);
      }
      images.dispose();
      model.dispose();
    });
  }
});
