/**
 * The learning timeline: while training, strips of the same images are
 * drawn from the current weights (before the first step, then every few
 * seconds of training), newest first, and a new model starts it again.
 */
import { expect, test } from '@playwright/test';
import { TINY, type TinyConfig, applyModel, openTinyApp, region } from './app-helpers';

/** The tiny model, conditioned on the built-in digits' ten classes: one image per class in each strip. */
const CONDITIONAL: TinyConfig = { ...TINY, classes: 10 };

test('training draws a strip before the first step, then later strips, newest first; a new model clears them', async ({ page }) => {
  await openTinyApp(page, CONDITIONAL);
  const training = region(page, 'Training');
  const timeline = page.getByTestId('learning-timeline');
  await expect(timeline.getByRole('heading', { name: 'What the model draws as it learns' })).toBeVisible();
  await expect(page.getByTestId('timeline-empty')).toBeVisible();
  // A short interval, so a later strip comes within seconds on the software GPU.
  await training.getByLabel('New strip every', { exact: true }).fill('2');

  await training.getByRole('button', { name: 'Train', exact: true }).click();
  const strips = page.getByTestId('timeline-strip');
  await expect(strips.first()).toBeVisible();
  await expect(strips.last()).toHaveAttribute('data-step', '0');
  await expect(strips.last()).toContainText('before training');
  await expect.poll(() => strips.count(), { timeout: 120_000 }).toBeGreaterThanOrEqual(3);
  await training.screenshot({ path: test.info().outputPath('timeline-training.png') });
  await training.getByRole('button', { name: 'Pause', exact: true }).click();
  await expect(training.getByRole('button', { name: 'Train', exact: true })).toBeEnabled({ timeout: 120_000 });

  // Newest first: steps fall from the top strip to the one drawn before training.
  const steps = (await strips.evaluateAll((items) => items.map((item) => Number(item.getAttribute('data-step'))))) as number[];
  console.log(`[timeline] strips at steps ${steps.join(', ')}`);
  expect(steps.at(-1)).toBe(0);
  expect(steps[0]).toBeGreaterThan(0);
  expect([...steps].sort((a, b) => b - a)).toEqual(steps);
  await expect(strips.first()).toContainText(/after \d+:\d\d/);
  // One column per class, named once above the strips.
  await expect(timeline.locator('.timeline-caption-row span')).toHaveText(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  // Each strip's canvas holds drawn pixels, not a blank.
  const painted = await strips
    .first()
    .locator('canvas')
    .evaluate((canvas: HTMLCanvasElement) => {
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let opaque = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] === 255) opaque++;
      return opaque;
    });
  expect(painted).toBeGreaterThan(0);

  // A new model has its own timeline.
  await applyModel(page, TINY);
  await expect(page.getByTestId('timeline-empty')).toBeVisible();
});
