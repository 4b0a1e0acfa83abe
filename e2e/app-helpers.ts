/**
 * Shared steps for the app tests: open the app, switch it to a tiny model
 * (the software GPU is far too slow for the default 28×28 network), and
 * read numbers and pixels back out of the page.
 */
import { expect, type Locator, type Page } from '@playwright/test';

export type KernelSize = 1 | 3 | 5 | 7 | 9;

export interface TinyConfig {
  /** Absent means the PixelCNN. */
  architecture?: 'pixelcnn' | 'gated';
  size: number;
  levels: number;
  hidden: number;
  layers: number;
  kernel: KernelSize;
  /** The first layer's kernel; absent means the same as the others. */
  firstKernel?: KernelSize;
  rgb?: boolean;
  /** Width of the 1×1 head; absent means none. */
  head?: number;
  /** Width of the level embedding; absent means levels go in as numbers. */
  embedding?: number;
  /** A learned bias per row and column. */
  position?: boolean;
  /** Conditioned on the dataset's classes, which must be this many; absent or 0 means unconditional. */
  classes?: number;
  /** A conditioned model's label dropout (so it can be guided); absent means the app's default, 0.15. */
  labelDropout?: number;
}

/** The Model panel's default label dropout for a conditioned model (DEFAULT_CONFIG.labelDropout). */
const DEFAULT_LABEL_DROPOUT = 0.15;

/** The default tiny model: a few hundred parameters, fast even on SwiftShader; it embeds its levels, as the default model does. */
export const TINY: TinyConfig = { size: 8, levels: 16, hidden: 8, layers: 2, kernel: 3, embedding: 2 };

/** The one-line description the Model panel shows (describeConfig in src/model/config.ts). */
export function describeTiny(config: TinyConfig): string {
  const colour = config.rgb ? 'RGB' : 'grayscale';
  const k0 = config.firstKernel ?? config.kernel;
  const k = config.kernel;
  const kernels = k0 === k || config.layers === 1 ? `${k0}×${k0} kernels` : `${k0}×${k0} then ${k}×${k} kernels`;
  return (
    `${config.architecture === 'gated' ? 'Gated PixelCNN' : 'PixelCNN'}, ` +
    `${config.size}×${config.size} ${colour}, ${config.levels} levels` +
    (config.embedding ? ` embedded in ${config.embedding} channels` : '') +
    ', ' +
    `${config.layers} layers of ${config.hidden} channels, ${kernels}` +
    (config.head ? `, a ${config.head}-channel 1×1 head` : '') +
    (config.position ? ', position' : '') +
    (config.classes ? `, ${config.classes} classes` : '') +
    (config.classes && labelDropoutOf(config) > 0 ? ` (${Math.round(labelDropoutOf(config) * 100)}% of labels dropped, so it can be guided)` : '')
  );
}

function labelDropoutOf(config: TinyConfig): number {
  return config.labelDropout ?? DEFAULT_LABEL_DROPOUT;
}

export const region = (page: Page, name: 'Model' | 'Dataset' | 'Training' | 'Sampling' | 'Masks'): Locator => page.getByRole('region', { name, exact: true });

/**
 * The backend the app tests run on. On a software adapter the app's
 * automatic choice prefers WebAssembly, so the tests pin WebGPU with the
 * app's `?backend=` parameter; E2E_BACKEND=wasm (or auto) runs them elsewhere.
 */
export const BACKEND = process.env.E2E_BACKEND ?? 'webgpu';
export const APP_PATH = BACKEND === 'auto' ? '/' : `/?backend=${BACKEND}`;

/** Loads the app and waits for the engine and its first model. */
export async function openApp(page: Page): Promise<void> {
  await page.goto(APP_PATH);
  await waitForApp(page);
}

/** Waits for the engine (on BACKEND) and its first model, e.g. after a reload. */
export async function waitForApp(page: Page): Promise<void> {
  const badge = page.getByTestId('backend-name');
  if (BACKEND === 'auto') await expect(badge).not.toBeEmpty({ timeout: 120_000 });
  else await expect(badge).toHaveText(BACKEND, { timeout: 120_000 });
  // The config form is re-created when the first model arrives; edit it only after that.
  await expect(page.getByTestId('model-origin')).toBeVisible({ timeout: 120_000 });
}

/**
 * Rebuilds the model with `config` through the Model panel (confirming if
 * asked), then waits until the panel describes it and the dataset has been
 * re-made at the new geometry.
 */
export async function applyModel(page: Page, config: TinyConfig): Promise<void> {
  const model = region(page, 'Model');
  await model.getByRole('radio', { name: config.architecture === 'gated' ? /^Gated PixelCNN:/ : /^PixelCNN:/ }).check();
  await model.getByLabel('Image size', { exact: true }).fill(String(config.size));
  await model.getByLabel('Colour channels', { exact: true }).selectOption(config.rgb ? '3' : '1');
  await model.getByLabel('Levels', { exact: true }).fill(String(config.levels));
  await model.getByLabel('Hidden channels', { exact: true }).fill(String(config.hidden));
  await model.getByLabel('Layers', { exact: true }).fill(String(config.layers));
  await model.getByLabel('First kernel', { exact: true }).selectOption(String(config.firstKernel ?? config.kernel));
  await model.getByLabel('Kernel size', { exact: true }).selectOption(String(config.kernel));
  await model.getByLabel('Head channels', { exact: true }).fill(String(config.head ?? 0));
  await model.getByLabel('Level embedding', { exact: true }).fill(String(config.embedding ?? 0));
  await model.getByLabel('Position', { exact: true }).setChecked(config.position ?? false);
  await model.getByLabel('Condition on classes', { exact: true }).setChecked((config.classes ?? 0) > 0);
  if ((config.classes ?? 0) > 0) await model.getByLabel('Label dropout', { exact: true }).fill(String(labelDropoutOf(config)));
  await model.getByRole('button', { name: 'Apply', exact: true }).click();
  const confirm = model.getByRole('group', { name: 'Confirm' }).getByRole('button', { name: /^Discard/ });
  const described = model.getByText(describeTiny(config), { exact: true });
  await expect(confirm.or(described)).toBeVisible();
  if (await confirm.isVisible()) await confirm.click();
  await expect(described).toBeVisible();
  await expect(page.getByTestId('model-origin')).toHaveText('new (random weights)');
  await expectDatasetGeometry(page, config);
}

/** Waits until the dataset summary shows images at the model's size, colour and levels. */
export async function expectDatasetGeometry(page: Page, config: TinyConfig): Promise<void> {
  const colour = config.rgb ? 'RGB' : 'grayscale';
  await expect(region(page, 'Dataset').locator('.dataset-name')).toContainText(`${config.size}×${config.size} ${colour}, ${config.levels} levels`);
}

/** Opens the app and switches it to a tiny model: the first thing every app test does. */
export async function openTinyApp(page: Page, config: TinyConfig = TINY): Promise<void> {
  await openApp(page);
  await applyModel(page, config);
}

/** A "1,234"-style integer from a test id's text. */
export async function readInteger(locator: Locator): Promise<number> {
  const text = (await locator.textContent()) ?? '';
  const value = Number(text.replace(/,/g, ''));
  if (!Number.isFinite(value) || text.trim() === '') throw new Error(`not a number: "${text}"`);
  return value;
}

/** A bits/dim figure ("3.142"), or NaN while it shows "—". */
export async function readNumber(locator: Locator): Promise<number> {
  const text = ((await locator.textContent()) ?? '').trim();
  return text === '' || text === '—' ? Number.NaN : Number(text.replace(/,/g, ''));
}

export function stepCount(page: Page): Promise<number> {
  return readInteger(page.getByTestId('step-count'));
}

/** Sets the learning rate in the Training panel. */
export async function setLearningRate(page: Page, value: string): Promise<void> {
  await region(page, 'Training').getByLabel('Learning rate', { exact: true }).fill(value);
}

/** Trains until the step counter reaches `steps`, then pauses and waits until the engine has stopped. */
export async function trainAtLeast(page: Page, steps: number): Promise<number> {
  const training = region(page, 'Training');
  await training.getByRole('button', { name: 'Train', exact: true }).click();
  await expect(training.getByRole('button', { name: 'Pause', exact: true })).toBeEnabled();
  await expect.poll(() => stepCount(page), { timeout: 150_000, intervals: [200] }).toBeGreaterThanOrEqual(steps);
  await training.getByRole('button', { name: 'Pause', exact: true }).click();
  // The engine evaluates, saves and re-sends the model before saying training stopped.
  await expect(training.getByRole('button', { name: 'Train', exact: true })).toBeEnabled({ timeout: 120_000 });
  return stepCount(page);
}

/** Held-out evaluations plotted so far (one dot each in the loss chart). */
export function evaluationDots(page: Page): Locator {
  return page.getByRole('img', { name: 'Training loss chart' }).locator('circle.dot-held');
}

/**
 * Presses Step and waits for the step counter to move on by one and for the
 * held-out evaluation that follows every Step.
 */
export async function stepOnce(page: Page): Promise<number> {
  const before = await stepCount(page);
  const evaluations = await evaluationDots(page).count();
  await region(page, 'Training').getByRole('button', { name: 'Step', exact: true }).click();
  await expect.poll(() => stepCount(page)).toBe(before + 1);
  await expect(evaluationDots(page)).toHaveCount(evaluations + 1);
  return before + 1;
}

/** The steps recorded with the model saved in this browser's IndexedDB, or null if none is saved. */
export function savedSteps(page: Page): Promise<number | null> {
  return page.evaluate(
    () =>
      new Promise<number | null>((resolve, reject) => {
        const open = indexedDB.open('pixelcnn-studio');
        // Never create the database here: the app creates it (with its store) on first save.
        let creating = false;
        open.onupgradeneeded = () => {
          creating = true;
          open.transaction?.abort();
        };
        open.onerror = () => (creating ? resolve(null) : reject(open.error));
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains('models')) {
            db.close();
            resolve(null);
            return;
          }
          const get = db.transaction('models', 'readonly').objectStore('models').get('current');
          get.onerror = () => reject(get.error);
          get.onsuccess = () => {
            db.close();
            const steps = (get.result as { meta?: { steps?: unknown } } | undefined)?.meta?.steps;
            resolve(typeof steps === 'number' ? steps : null);
          };
        };
      }),
  );
}

/** Moves keyboard focus off any control, so page-level shortcuts apply. */
export async function blurFocus(page: Page): Promise<void> {
  await page.evaluate(() => {
    (document.activeElement as HTMLElement | null)?.blur();
  });
}
