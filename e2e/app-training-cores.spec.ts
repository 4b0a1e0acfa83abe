/**
 * Training on two cores: on WebAssembly the engine shares each batch with a
 * helper worker. A tiny model trains a few steps with Cores set to 2, the
 * step counter advances, the backend badge says two cores train on the
 * SIMD training kernels, and no helper is reported lost.
 */
import { expect, test } from '@playwright/test';
import { TINY, applyModel, region, trainAtLeast } from './app-helpers';

test('a tiny model trains on wasm with two cores, and the badge says so', async ({ page }) => {
  await page.goto('/?backend=wasm');
  await expect(page.getByTestId('backend-name')).toHaveText('wasm', { timeout: 120_000 });
  await expect(page.getByTestId('model-origin')).toBeVisible({ timeout: 120_000 });
  await applyModel(page, TINY);

  const training = region(page, 'Training');
  await training.getByLabel('Cores', { exact: true }).fill('2');
  const steps = await trainAtLeast(page, 5);
  expect(steps).toBeGreaterThanOrEqual(5);

  await expect(page.getByTestId('backend-cores')).toHaveText('2 cores train');
  await expect(page.getByTestId('backend-arithmetic')).toHaveText('on SIMD kernels');
  await expect(page.getByTestId('training-cores-hint')).toHaveText('Cores: 2 share each batch (the engine and 1 helper worker).');
  await expect(page.getByText(/A training helper stopped/)).toHaveCount(0);
  await expect(page.getByTestId('train-bpd')).not.toHaveText('—');
  await training.screenshot({ path: test.info().outputPath('training-cores.png') });
  await page.getByTestId('backend-cores').screenshot({ path: test.info().outputPath('badge-cores.png') });
});
