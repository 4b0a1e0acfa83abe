/**
 * The mask panel draws the masks the model really uses.
 */
import { expect, test, type Locator } from '@playwright/test';
import { TINY, applyModel, openTinyApp, region } from './app-helpers';

/** data-open of each cell of a mask grid (or centre matrix), in raster order. */
async function openFlags(grid: Locator, cellSelector: string): Promise<boolean[]> {
  return grid.locator(cellSelector).evaluateAll((cells) => cells.map((c) => c.getAttribute('data-open') === '1'));
}

test('the mask panel shows mask A and B at 7×7, and the centre taps of a colour model', async ({ page }) => {
  await openTinyApp(page, { ...TINY, kernel: 7 });
  const masks = region(page, 'Masks');
  const maskA = masks.getByRole('img', { name: 'Mask A', exact: true });
  const maskB = masks.getByRole('img', { name: 'Mask B', exact: true });

  await expect(maskA.locator('[data-open]')).toHaveCount(49);
  await expect(maskA.locator('[data-open="1"]')).toHaveCount(24);
  await expect(maskB.locator('[data-open]')).toHaveCount(49);
  await expect(maskB.locator('[data-open="1"]')).toHaveCount(25);
  // Exactly the taps above, and left of the centre on its row, are open; B adds the centre.
  const expectedA = Array.from({ length: 49 }, (_, i) => i < 24);
  expect(await openFlags(maskA, '[data-open]')).toEqual(expectedA);
  expect(await openFlags(maskB, '[data-open]')).toEqual(expectedA.map((open, i) => open || i === 24));
  await expect(masks.getByText('24 of 49 taps open')).toBeVisible();
  await expect(masks.getByText('25 of 49 taps open')).toBeVisible();
  // A grayscale model has no colour channels to order.
  await expect(masks.getByRole('table')).toHaveCount(0);

  // RGB (hidden channels divisible by 3): the centre-tap matrices appear.
  await applyModel(page, { ...TINY, kernel: 7, rgb: true, hidden: 6 });
  await expect(masks.getByRole('table')).toHaveCount(2);
  // Off the centre the spatial masks are as before. (The centre cell of each
  // grid means "open for some channel pair", which under A it is: G reads R.)
  const offCentre = (flags: boolean[]) => flags.filter((_, i) => i !== 24);
  expect(offCentre(await openFlags(maskA, '[data-open]'))).toEqual(offCentre(expectedA));
  expect(offCentre(await openFlags(maskB, '[data-open]'))).toEqual(offCentre(expectedA));
  const centreA = masks.getByRole('table', { name: 'Mask A centre' });
  const centreB = masks.getByRole('table', { name: 'Mask B centre' });
  await expect(centreA).toBeVisible();
  await expect(centreB).toBeVisible();
  // Rows are the channel read (R, G, B), columns the channel predicted:
  // under A a channel reads only earlier ones; B also lets it read itself.
  const rgb = [0, 1, 2];
  expect(await openFlags(centreA, 'td[data-open]')).toEqual(rgb.flatMap((read) => rgb.map((predicted) => read < predicted)));
  expect(await openFlags(centreB, 'td[data-open]')).toEqual(rgb.flatMap((read) => rgb.map((predicted) => read <= predicted)));
  await expect(centreA.getByText('R reaches G')).toBeAttached();
  await expect(centreA.getByText('G hidden from G')).toBeAttached();
  await expect(centreB.getByText('G reaches G')).toBeAttached();
});

test("a Gated PixelCNN's masks panel adds its vertical and horizontal stacks beside masks A and B", async ({ page }) => {
  await openTinyApp(page, { ...TINY, architecture: 'gated', firstKernel: 5, kernel: 3 });
  const masks = region(page, 'Masks');
  const grid = (name: string) => masks.getByRole('img', { name, exact: true });
  // Raster order over a k×k kernel, centre c = (k − 1) / 2.
  const expected = (k: number, open: (row: number, col: number, c: number) => boolean) =>
    Array.from({ length: k * k }, (_, i) => open(Math.floor(i / k), i % k, (k - 1) / 2));
  expect(await openFlags(grid('Vertical stack, mask A'), '[data-open]')).toEqual(expected(5, (r, _, c) => r < c));
  expect(await openFlags(grid('Vertical stack, mask B'), '[data-open]')).toEqual(expected(3, (r, _, c) => r <= c));
  expect(await openFlags(grid('Horizontal stack, mask A'), '[data-open]')).toEqual(expected(5, (r, col, c) => r === c && col < c));
  expect(await openFlags(grid('Horizontal stack, mask B'), '[data-open]')).toEqual(expected(3, (r, col, c) => r === c && col <= c));
  // Masks A and B stay side by side, for comparison, at the model's kernel sizes.
  expect(await openFlags(grid('Mask A'), '[data-open]')).toEqual(expected(5, (r, col, c) => r < c || (r === c && col < c)));
  expect(await openFlags(grid('Mask B'), '[data-open]')).toEqual(expected(3, (r, col, c) => r < c || (r === c && col <= c)));
  await expect(masks.getByText('no blind spot', { exact: false })).toBeVisible();

  // A PixelCNN has no stacks to show.
  await applyModel(page, TINY);
  await expect(grid('Vertical stack, mask A')).toHaveCount(0);
  await expect(grid('Mask A')).toBeVisible();
});
