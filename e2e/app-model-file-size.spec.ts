/**
 * A model file over the size the app opens without asking: the page says
 * its size and what keeping it costs, and opens it only when told.
 */
import { expect, test } from '@playwright/test';
import { openTinyApp, region } from './app-helpers';

test('a 33 MB model file is opened only after the user has seen its size and storage cost', async ({ page }) => {
  await openTinyApp(page);
  const model = region(page, 'Model');
  const origin = await page.getByTestId('model-origin').textContent();
  const input = model.getByLabel('Model file to import');
  const file = { name: 'big.json', mimeType: 'application/json', buffer: Buffer.alloc(33e6, 0x20) };
  const confirm = model.getByRole('group', { name: 'Confirm' });

  await input.setInputFiles(file);
  await expect(confirm).toContainText(
    "“big.json” is 33 MB, more than the 32 MB the app opens without asking. The app keeps the model in this browser, and each checkpoint of its history takes as much again: with 5 checkpoints, about 198 MB of this browser's storage. Open it?",
  );
  await confirm.getByRole('button', { name: "Don't open it" }).click();
  await expect(confirm).toHaveCount(0);
  await expect(model.getByRole('alert')).toHaveCount(0);
  await expect(page.getByTestId('model-origin')).toHaveText(origin!);

  // Told to open it, the app reads it (this one is blanks, not a model) and says why it was not imported.
  await input.setInputFiles(file);
  await confirm.getByRole('button', { name: 'Open it', exact: true }).click();
  await expect(model.getByRole('alert')).toContainText('“big.json” is not a model file: it is not valid JSON. Nothing was changed.');
  await expect(page.getByTestId('model-origin')).toHaveText(origin!);
});
