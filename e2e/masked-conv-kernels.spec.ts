/**
 * The WGSL masked-convolution kernels (src/kernels/webgpu) in real Chromium
 * on SwiftShader WebGPU: maskedConv2d running on them must match
 * conv2d(x, w ⊙ mask, same) + b with tfjs's own gradients to 1e-4, for the
 * output and all three gradients, for every mask region (causal, and the
 * Gated PixelCNN's vertical and horizontal), type and colour-group count; and
 * a whole PixelCNN on them must match one on conv2d. The page is
 * kernel-tests.html (src/kernelTests/main.ts).
 */
import { expect, test, type Page } from '@playwright/test';

const TOLERANCE = 1e-4;
const KERNELS = ['PixelCNNMaskedConv', 'PixelCNNMaskedConvInputGrad', 'PixelCNNMaskedConvWeightGrad'];

async function openKernelPage(page: Page): Promise<void> {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto('/kernel-tests.html');
  await page.waitForFunction(() => window.kernelTests !== undefined || window.kernelTestsError !== undefined, null, { timeout: 120_000 });
  const failure = await page.evaluate(() => window.kernelTestsError);
  expect(failure, 'the kernel-test page starts on WebGPU').toBeUndefined();
  expect(errors).toEqual([]);
  expect(await page.evaluate(() => window.kernelTests!.backend)).toBe('webgpu');
}

test('masked-convolution kernels match conv2d on weights × mask: forward, dx, dW, db', async ({ page }) => {
  test.setTimeout(600_000);
  await openKernelPage(page);
  const result = await page.evaluate(() => window.kernelTests!.run(window.kernelTests!.cases()));

  // The op really ran the three kernels, not its fallback, for every region.
  expect(Object.keys(result.kernelsRun).sort()).toEqual(['causal', 'horizontal', 'vertical']);
  for (const [region, names] of Object.entries(result.kernelsRun)) expect.soft(names.sort(), region).toEqual([...KERNELS].sort());
  expect(result.cases).toHaveLength(35);
  for (const region of ['causal', 'horizontal', 'vertical']) {
    for (const type of ['A', 'B']) {
      for (const groups of ['1 group', '3 group']) {
        expect(
          result.cases.some((c) => c.name.startsWith(`${region} `) && c.name.includes(` mask ${type}, ${groups}`)),
          `${region} ${type} ${groups}`,
        ).toBe(true);
      }
    }
  }
  for (const c of result.cases) {
    console.log(
      `[kernels] ${c.name}: y ${c.forward.toExponential(1)}, dx ${c.dx.toExponential(1)}, dW ${c.dw.toExponential(1)} (of max ${c.dwScale.toFixed(1)}), db ${c.db.toExponential(1)}`,
    );
  }
  for (const c of result.cases) {
    expect.soft(c.forward, `${c.name}: forward`).toBeLessThan(TOLERANCE);
    expect.soft(c.dx, `${c.name}: dx`).toBeLessThan(TOLERANCE);
    expect.soft(c.dw, `${c.name}: dW`).toBeLessThan(TOLERANCE);
    expect.soft(c.db, `${c.name}: db`).toBeLessThan(TOLERANCE);
    expect.soft(c.closedTapGradient, `${c.name}: dW on closed taps`).toBe(0);
    // A mask that opens nothing (1×1 mask A with one colour group) has an all-zero gradient.
    if (c.openTaps > 0) expect.soft(c.dwScale, `${c.name}: a non-zero weight gradient`).toBeGreaterThan(0.1);
    else expect.soft(c.dwScale, `${c.name}: nothing open, no weight gradient`).toBe(0);
  }
  expect(result.tensorsAfter, 'no tensors leak').toBe(result.tensorsBefore);
});

test('a tiny colour PixelCNN with a level embedding on the kernels gives the logits and gradients of one on conv2d', async ({ page }) => {
  test.setTimeout(300_000);
  await openKernelPage(page);
  const result = await page.evaluate(() => window.kernelTests!.model());
  expect(result.kernelsRun.sort()).toEqual([...KERNELS].sort());
  console.log(`[kernels] model logits ${result.logits.toExponential(1)}; ${result.gradients.map((g) => `${g.name} ${g.diff.toExponential(1)}`).join(', ')}`);
  expect(result.logits).toBeLessThan(TOLERANCE);
  expect(result.gradients).toHaveLength(7); // the embedding table, then weight and bias of three layers
  for (const g of result.gradients) expect.soft(g.diff, g.name).toBeLessThan(TOLERANCE);
  expect(result.tensorsAfter, 'no tensors leak').toBe(result.tensorsBefore);
});

test('a tiny colour Gated PixelCNN with position and classes on the kernels gives the logits and gradients of one on conv2d', async ({ page }) => {
  test.setTimeout(300_000);
  await openKernelPage(page);
  const result = await page.evaluate(() => window.kernelTests!.model('gated'));
  expect(result.kernelsRun.sort()).toEqual([...KERNELS].sort());
  console.log(
    `[kernels] gated model logits ${result.logits.toExponential(1)}; ${result.gradients.map((g) => `${g.name} ${g.diff.toExponential(1)}`).join(', ')}`,
  );
  expect(result.logits).toBeLessThan(TOLERANCE);
  // Every variable: the embedding, both stacks' layers, links, residual, output, position and class tables.
  expect(result.gradients.length).toBeGreaterThan(15);
  for (const g of result.gradients) expect.soft(g.diff, g.name).toBeLessThan(TOLERANCE);
  expect(result.tensorsAfter, 'no tensors leak').toBe(result.tensorsBefore);
});
