/**
 * The first visit: the shipped pretrained model is loaded and starts drawing
 * digits by itself; the user's own model takes its place once there is one.
 */
import { expect, test } from '@playwright/test';
import { openApp, region, waitForApp } from './app-helpers';

test('a first visit starts from the shipped digits model and draws without a click; a reset model wins on reload', async ({ page }) => {
  await openApp(page);
  const model = region(page, 'Model');
  const sampling = region(page, 'Sampling');
  const origin = page.getByTestId('model-origin');
  const progress = page.getByTestId('sample-progress');
  await expect(origin).toHaveText('pretrained (shipped with the app)');
  await expect(model.locator('.model-card')).toContainText(/Held-out loss\s*\d\.\d{3} bits\/dim on 1,200 held-out images/);
  await expect(model.locator('.model-card')).toContainText(/Test loss\s*\d\.\d{3} bits\/dim on 10,000 standard MNIST test digits/);
  // The shipped model draws with its own default guidance.
  await expect(sampling.getByTestId('guidance-control')).toContainText(/\d\.\d{2} \(this model’s default\)/);

  // Drawing started on its own, and moves on.
  await expect(sampling.getByRole('button', { name: 'Stop', exact: true })).toBeEnabled();
  const pixelNumber = async () => Number(/pixel (\d+) of 784/.exec((await progress.textContent()) ?? '')?.[1] ?? Number.NaN);
  await expect.poll(pixelNumber, { timeout: 120_000 }).toBeGreaterThan(0);
  const seen = await pixelNumber();
  await expect.poll(pixelNumber, { timeout: 120_000 }).toBeGreaterThan(seen);
  await page.screenshot({ path: test.info().outputPath('first-visit.png') });
  await sampling.getByRole('button', { name: 'Stop', exact: true }).click();
  await expect(sampling.locator('.sample-progress')).toContainText('stopped');

  // Nothing of the user's yet: a reload starts from the shipped model again.
  await page.reload();
  await waitForApp(page);
  await expect(origin).toHaveText('pretrained (shipped with the app)');
  await sampling.getByRole('button', { name: 'Stop', exact: true }).click();

  // Reset makes a model of the user's own, which is saved and comes back instead.
  await model.getByRole('button', { name: 'Reset model', exact: true }).click();
  const confirm = model.getByRole('group', { name: 'Confirm' }).getByRole('button', { name: /^Discard/ });
  await expect(confirm.or(origin.getByText('new (random weights)'))).toBeVisible();
  if (await confirm.isVisible()) await confirm.click();
  await expect(origin).toHaveText('new (random weights)');
  await page.reload();
  await waitForApp(page);
  await expect(origin).toHaveText('restored from this browser');
  await expect(progress).toHaveText('Not started');
});
