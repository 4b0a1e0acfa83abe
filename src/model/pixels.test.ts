import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../test/tfSetup';
import { embedLevels } from './pixels';

beforeAll(useCpuBackend);

describe('embedLevels', () => {
  const levels = 5;
  const colors = 3;
  const size = 2;
  const pixels = tf.tensor4d([0, 4, 2, 1, 1, 3, 4, 0, 2, 3, 3, 3], [1, 2, 2, colors], 'int32');
  const table = tf.tensor2d(
    Array.from({ length: colors * levels * size }, (_, i) => i * 0.5 - 3),
    [colors * levels, size],
  );

  it('puts each colour’s row of the table in that colour’s block of channels', async () => {
    const out = (await embedLevels(pixels, table, levels).data()) as Float32Array;
    const px = await pixels.data();
    const rows = await table.data();
    for (let p = 0; p < 4; p++) {
      for (let c = 0; c < colors; c++) {
        const row = c * levels + px[p * colors + c];
        for (let e = 0; e < size; e++) expect(out[(p * colors + c) * size + e]).toBe(rows[row * size + e]);
      }
    }
  });

  it('has the gradient of a plain gather', async () => {
    const weights = tf.randomNormal([1, 2, 2, colors * size], 0, 1, 'float32', 3);
    const ours = tf.grad((t: tf.Tensor) =>
      embedLevels(pixels, t as tf.Tensor2D, levels)
        .mul(weights)
        .sum(),
    )(table);
    const rows = tf.add(pixels, tf.range(0, colors * levels, levels, 'int32')).reshape([-1]);
    const stock = tf.grad((t: tf.Tensor) =>
      tf
        .gather(t, rows)
        .reshape([1, 2, 2, colors * size])
        .mul(weights)
        .sum(),
    )(table);
    // Level 3 of the third colour appears twice: repeated rows must add up.
    expect(Array.from(await ours.data())).toEqual(Array.from(await stock.data()).map((v) => expect.closeTo(v, 5)));
  });
});
