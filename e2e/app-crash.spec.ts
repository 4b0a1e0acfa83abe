/**
 * A page that cannot go blank: a panel that throws while rendering is
 * replaced by a fallback that says what failed and offers export, History,
 * the shipped model and reload, and those work with the panel dead; a
 * reload after a start that crashed starts safely, from the shipped model,
 * with the saved model kept in History.
 *
 * The throw comes from the browser, not from a hook in the app: the page's
 * `Date.prototype.toLocaleTimeString` is made to fail as it does for a
 * locale the browser cannot use (a RangeError), and the History panel
 * formats each checkpoint's time with it. Nothing in the app's protocol or
 * code knows about the test.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { describeTiny, openTinyApp, region, waitForApp, TINY } from './app-helpers';

/** Every later page load of this page gets a browser whose locale formatting fails. */
async function breakLocaleFormatting(page: Page): Promise<void> {
  await page.addInitScript(() => {
    Date.prototype.toLocaleTimeString = function () {
      throw new RangeError('Incorrect locale information provided');
    };
  });
}

const history = (page: Page) => page.getByRole('region', { name: 'History', exact: true });
const CRASH = 'The History panel stopped working: Incorrect locale information provided';

test('a crashed panel says what failed, its export, History, shipped-model and reload work without it, and the reload starts safely', async ({ page }) => {
  test.setTimeout(360_000);
  await openTinyApp(page);
  // The tiny model is saved, and the shipped one it replaced is in the history.
  await expect(history(page).getByTestId('checkpoint')).toHaveCount(1);

  await breakLocaleFormatting(page);
  await page.reload();
  await waitForApp(page);
  // The fallback stands in the panel's place, under its name.
  const fallback = history(page);
  await expect(fallback).toHaveAttribute('data-testid', 'crash-fallback');
  await expect(fallback.getByTestId('crash-message')).toHaveText(CRASH);
  // The rest of the page lives: the Model panel describes the saved model.
  await expect(region(page, 'Model').getByText(describeTiny(TINY), { exact: true })).toBeVisible();
  await expect(page.getByTestId('model-origin')).toHaveText('restored from this browser');
  await fallback.scrollIntoViewIfNeeded();
  await fallback.screenshot({ path: 'test-results/crashed-panel.png' });

  // Export: the engine's model file downloads.
  const download = page.waitForEvent('download');
  await fallback.getByRole('button', { name: 'Export the saved model', exact: true }).click();
  expect((await download).suggestedFilename()).toMatch(/^pixelcnn-8x8-\d+steps\.json$/);
  await expect(fallback.getByRole('status')).toHaveText('The model file is downloading.');

  // Reload: the start above crashed, so this one is a safe start from the shipped model, which says so and keeps the saved one.
  await fallback.getByRole('button', { name: 'Reload the page', exact: true }).click();
  await waitForApp(page);
  await expect(page.getByTestId('model-origin')).toHaveText('pretrained (shipped with the app)');
  await expect(page.locator('.notices .notice').filter({ hasText: 'The last visit stopped while starting' })).toContainText(
    `(t${CRASH.slice(1)}), so this one starts from the shipped model. The model saved in this browser (${describeTiny(TINY)}, 0 steps) is kept in History as "set aside after a failed start"; its Go back button restores it.`,
  );

  // History, with the History panel still dead: the fallback's own list goes back to the set-aside model.
  const again = history(page);
  await expect(again.getByTestId('crash-message')).toHaveText(CRASH);
  await again.getByRole('button', { name: 'Open History', exact: true }).click();
  const setAside = again.getByRole('listitem').filter({ hasText: 'set aside after a failed start' });
  await expect(setAside).toContainText(describeTiny(TINY));
  await again.screenshot({ path: 'test-results/crashed-panel-history.png' });
  await setAside.getByRole('button', { name: 'Go back to step 0', exact: true }).click();
  await expect(page.getByTestId('model-origin')).toHaveText('restored from this browser');
  await expect(region(page, 'Model').getByText(describeTiny(TINY), { exact: true })).toBeVisible();

  // The shipped model, from the fallback (the panel tried again on the new model, and crashed again on it).
  await history(page).getByRole('button', { name: 'Restore the shipped model', exact: true }).click();
  await expect(page.getByTestId('model-origin')).toHaveText('pretrained (shipped with the app)');
  await expect(history(page).getByTestId('crash-message')).toHaveText(CRASH);
});

test('with nothing broken, a start leaves no mark, and a reload is an ordinary one', async ({ page }) => {
  await openTinyApp(page);
  await expect.poll(() => page.evaluate(() => localStorage.getItem('pixelcnn.startup'))).toBeNull();
  await page.reload();
  await waitForApp(page);
  await expect(page.getByTestId('model-origin')).toHaveText('restored from this browser');
  await expect(page.locator('.notices .notice').filter({ hasText: 'stopped while starting' })).toHaveCount(0);
  await expect(page.getByTestId('crash-fallback')).toHaveCount(0);
});

test('a model file whose card lacks fields (issue 25) is imported with a notice naming them, shown without them, and survives a reload', async ({
  page,
}, testInfo) => {
  await openTinyApp(page);
  const model = region(page, 'Model');
  const downloading = page.waitForEvent('download');
  await model.getByRole('button', { name: 'Export model', exact: true }).click();
  const exported = testInfo.outputPath('exported.json');
  await (await downloading).saveAs(exported);
  const file = JSON.parse(readFileSync(exported, 'utf8')) as { config: unknown; meta: Record<string, unknown> };
  // The shipped card's shape with learningRate, dataset and split.heldOutImages missing.
  file.meta.card = {
    title: 'Handwritten digits',
    config: file.config,
    seed: 1,
    steps: 0,
    batchSize: 16,
    split: { testFraction: 0.1, seed: 1, trainImages: 10800 },
    trainBitsPerDim: 0.9,
    trainBitsImages: 1000,
    heldOutBitsPerDim: 0.93,
    trainedAt: '2026-11-30T00:00:00Z',
    commit: '0123456789abcdef',
    backend: 'wasm',
    wallTimeSeconds: 600,
  };
  const broken = testInfo.outputPath('card-without-fields.json');
  writeFileSync(broken, JSON.stringify(file));

  const chooser = page.waitForEvent('filechooser');
  await model.getByRole('button', { name: 'Import model', exact: true }).click();
  await (await chooser).setFiles(broken);
  await expect(page.getByTestId('model-origin')).toHaveText('imported from a file');
  const said = "The model file's card had no 'dataset', 'learningRate' and 'split.heldOutImages'; it is shown without them.";
  await expect(page.locator('.notices .notice').filter({ hasText: said })).toBeVisible();
  const card = model.locator('.model-card');
  await card.locator('summary').click();
  await expect(card).toContainText("0.930 bits/dim on the held-out images (the Dataset panel's test split)");
  await expect(card).toContainText('0 Adam steps of 16 images, seed 1');
  await expect(page.getByTestId('crash-fallback')).toHaveCount(0);

  // Saved as read: a reload restores it, says again what its card lacks, and nothing crashes.
  await page.reload();
  await waitForApp(page);
  await expect(page.getByTestId('model-origin')).toHaveText('restored from this browser');
  await expect(page.locator('.notices .notice').filter({ hasText: "The saved model's card had no 'dataset'" })).toBeVisible();
  await expect(page.getByTestId('crash-fallback')).toHaveCount(0);
});

test('when the page itself crashes, one fallback stands in for it, and its export, History, shipped model and reload work', async ({ page }) => {
  await openTinyApp(page);
  // The page's own keyboard shortcuts fail to install: nothing inside a panel, so the page-wide boundary catches it.
  await page.addInitScript(() => {
    const add = EventTarget.prototype.addEventListener;
    EventTarget.prototype.addEventListener = function (
      this: EventTarget,
      type: string,
      listener: EventListenerOrEventListenerObject | null,
      options?: boolean | AddEventListenerOptions,
    ) {
      if (this === window && type === 'keydown') throw new TypeError('Illegal invocation');
      add.call(this, type, listener, options);
    };
  });
  await page.reload();
  const fallback = page.getByRole('region', { name: 'PixelCNN Studio', exact: true });
  await expect(fallback.getByTestId('crash-message')).toHaveText('The page stopped working: Illegal invocation');
  await expect(page.getByRole('region', { name: 'Model', exact: true })).toHaveCount(0);
  await page.screenshot({ path: 'test-results/crashed-page.png' });

  // The engine runs on behind the fallback: export, History and the shipped model all reach it.
  const download = page.waitForEvent('download');
  await fallback.getByRole('button', { name: 'Export the saved model', exact: true }).click();
  expect((await download).suggestedFilename()).toMatch(/^pixelcnn-8x8-\d+steps\.json$/);
  await fallback.getByRole('button', { name: 'Open History', exact: true }).click();
  await expect(fallback.getByRole('listitem').filter({ hasText: 'before a new model' })).toHaveCount(1);
  await fallback.getByRole('button', { name: 'Restore the shipped model', exact: true }).click();
  // The new model renders the page again, which crashes again: a fresh fallback, its list closed. Going back kept
  // the current weights in the history first: the engine did it.
  const reopen = fallback.getByRole('button', { name: 'Open History', exact: true });
  await expect(reopen).toBeVisible();
  await reopen.click();
  await expect(fallback.getByRole('listitem').filter({ hasText: 'before going back' })).toHaveCount(1);

  await fallback.getByRole('button', { name: 'Reload the page', exact: true }).click();
  await expect(page.getByRole('region', { name: 'PixelCNN Studio', exact: true }).getByTestId('crash-message')).toBeVisible();
});
