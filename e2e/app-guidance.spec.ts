/**
 * Classifier-free guidance in the page: the Guidance control changes what
 * is drawn, travels in the link and survives a reload, and a model trained
 * without label dropout cannot be guided and says why.
 */
import { expect, test, type Page } from '@playwright/test';
import { TINY, type TinyConfig, applyModel, openTinyApp, region, waitForApp } from './app-helpers';

/** The tiny model conditioned on the built-in digits' ten classes, trained with label dropout (so it has a "no class" row). */
const GUIDED: TinyConfig = { ...TINY, classes: 10, labelDropout: 0.2 };

async function sampleToTheEnd(page: Page): Promise<void> {
  const sampling = region(page, 'Sampling');
  await sampling.getByRole('button', { name: 'Sample', exact: true }).click();
  await expect(sampling.getByText(/· done ·/)).toBeVisible({ timeout: 150_000 });
}

function grid(page: Page): Promise<string> {
  return page.getByRole('img', { name: 'Samples', exact: true }).evaluate((canvas) => (canvas as HTMLCanvasElement).toDataURL());
}

test('the Guidance control changes the grid, is kept in the link and survives a reload', async ({ page }) => {
  await openTinyApp(page, GUIDED);
  const sampling = region(page, 'Sampling');
  const guidance = sampling.getByLabel('Guidance', { exact: true });
  await expect(guidance).toBeEnabled();
  await expect(sampling.getByTestId('guidance-control')).toContainText('2.00 (this model’s default)');

  await sampling.getByLabel('Images', { exact: true }).fill('4');
  await sampling.getByLabel('Draw', { exact: true }).selectOption({ label: 'One class' });
  await sampling.getByLabel('Class', { exact: true }).selectOption({ label: '3' });
  await sampling.getByLabel('Speed', { exact: true }).selectOption({ label: 'Full speed' });
  await sampling.getByLabel('Seed', { exact: true }).fill('11');
  await sampleToTheEnd(page);
  const atDefault = await grid(page);
  expect(page.url()).not.toContain('g=');

  await guidance.fill('6');
  await expect(sampling.getByTestId('guidance-control')).toContainText('6.00');
  await sampleToTheEnd(page);
  const guided = await grid(page);
  expect(guided, 'the same seed draws other images at another guidance').not.toBe(atDefault);
  await expect.poll(() => new URL(page.url()).hash).toContain('g=6');
  await sampling.screenshot({ path: test.info().outputPath('guided.png') });

  // A reload keeps the link, and with it the guidance; the same seed and guidance draw the same grid.
  await page.reload();
  await waitForApp(page);
  await expect(sampling.getByTestId('guidance-control')).toContainText('6.00');
  expect(new URL(page.url()).hash).toContain('g=6');
  await sampling.getByLabel('Speed', { exact: true }).selectOption({ label: 'Full speed' });
  await sampleToTheEnd(page);
  expect(await grid(page)).toBe(guided);

  // Back to the model's default: the link no longer names a weight.
  await sampling.getByRole('button', { name: /^Back to this model’s default/ }).click();
  await expect(sampling.getByTestId('guidance-control')).toContainText('2.00 (this model’s default)');
  await expect.poll(() => new URL(page.url()).hash).not.toContain('g=');
});

test('a model without a "no class" row cannot be guided: the control says why, and a link asking for guidance gets a notice', async ({ page }) => {
  await openTinyApp(page, { ...GUIDED, labelDropout: 0 });
  const sampling = region(page, 'Sampling');
  await expect(sampling.getByLabel('Guidance', { exact: true })).toBeDisabled();
  await expect(sampling.getByTestId('guidance-control')).toContainText('1.00 (off)');
  await expect(sampling.getByTestId('guidance-control')).toContainText('trained with label dropout');

  await page.goto(`${page.url().split('#')[0]}#g=3`);
  await page.reload();
  await waitForApp(page);
  await sampling.getByLabel('Speed', { exact: true }).selectOption({ label: 'Full speed' });
  await sampleToTheEnd(page);
  await expect(page.getByText(/Guidance 3 was not used, so the grid is drawn without it/)).toBeVisible();

  // Rebuilt with label dropout, the same link's guidance is used.
  await applyModel(page, GUIDED);
  await expect(sampling.getByLabel('Guidance', { exact: true })).toBeEnabled();
  await expect(sampling.getByTestId('guidance-control')).toContainText('3.00');
});
