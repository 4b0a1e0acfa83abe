/**
 * Long names wrap: a 300-character class folder name must not widen the
 * page (the class list, the model description, the conditioning hint and
 * the captions all hold it).
 */
import { expect, test } from '@playwright/test';
import { dropFiles, mixedImages } from './helpers';
import { TINY, applyModel, openTinyApp, region } from './app-helpers';

test('a 300-character class name wraps instead of widening the page', async ({ page }) => {
  await openTinyApp(page);
  const long = `class${'x'.repeat(295)}`;
  await dropFiles(page, [...mixedImages(4, long), ...mixedImages(3, 'short')]);
  const dataset = region(page, 'Dataset');
  await expect(dataset.getByRole('list', { name: 'Classes' }).getByRole('listitem')).toHaveCount(2);
  await applyModel(page, { ...TINY, classes: 2 });
  await expect(page.getByTestId('model-classes')).toContainText(long);
  const sampling = region(page, 'Sampling');
  await sampling.getByLabel('Draw', { exact: true }).selectOption({ label: 'One class' });
  const widths = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, window: window.innerWidth }));
  expect(widths.page, 'the page is no wider than the window').toBeLessThanOrEqual(widths.window);
  await page.screenshot({ path: test.info().outputPath('long-names.png'), fullPage: true });
});
