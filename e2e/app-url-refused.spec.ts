/**
 * Issue 25, re-tried as an outside checker would: a link value the model
 * cannot take once it is known (a class it lacks, more rows than one run
 * draws, a class of the other built-in set), a key given twice, and a
 * `?backend=` that is no backend. Each leaves a working app, is named in a
 * notice, and is never written back into the address bar: every URL the
 * page writes is recorded from the first moment of the load.
 */
import { expect, test, type Page } from '@playwright/test';
import { APP_PATH, region, waitForApp } from './app-helpers';

/** Records every notice shown and every URL the page writes, from before the app's own code runs (notices go after 8 s). */
async function record(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const seen = { notices: [] as string[], urls: [location.href] };
    (window as unknown as { seen: typeof seen }).seen = seen;
    const replace = history.replaceState.bind(history);
    history.replaceState = (data, unused, url) => {
      if (url) seen.urls.push(String(new URL(String(url), location.href)));
      replace(data, unused, url);
    };
    new MutationObserver(() => {
      for (const el of document.querySelectorAll('.notices .notice')) {
        const text = el.textContent ?? '';
        if (!seen.notices.includes(text)) seen.notices.push(text);
      }
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });
}

const seen = (page: Page) => page.evaluate(() => (window as unknown as { seen: { notices: string[]; urls: string[] } }).seen);

/** Opens `url` afresh and waits until the first grid is done and Sample can be pressed: a working app. */
async function open(page: Page, url: string): Promise<void> {
  await page.goto('about:blank');
  await page.goto(url);
  await waitForApp(page);
  await expect(region(page, 'Sampling').getByRole('button', { name: 'Sample', exact: true })).toBeEnabled({ timeout: 150_000 });
}

/**
 * The URLs the page wrote once it had dropped `refused` (hash decoded): until
 * the model is known, the link stands as it was opened; after the first URL
 * without the value, none may bring it back.
 */
async function writtenAfterDropping(page: Page, refused: string): Promise<string[]> {
  const urls = (await seen(page)).urls.map((url) => decodeURIComponent(url));
  const dropped = urls.findIndex((url) => !url.includes(refused));
  expect(dropped, `the address bar lost ${refused}`).toBeGreaterThanOrEqual(0);
  return urls.slice(dropped);
}

test('a link value the model cannot take is named, the rest of the link is used, and the refused value is never written back', async ({ page }) => {
  await record(page);
  const sampling = region(page, 'Sampling');
  const cases = [
    {
      hash: '#draw=class:42&t=0.5&n=4',
      said: 'Draw “class:42” is not a class of this model, which has 10 (0 to 9); any class is drawn instead.',
      refused: 'class:42',
      hashNow: /draw=any/,
    },
    {
      hash: '#draw=rows:7&t=0.5&n=4',
      said: 'Draw “rows:7” would draw 10 × 7 = 70 images, more than the 64 one run can draw; 6 per class are drawn instead.',
      refused: 'rows:7',
      hashNow: /draw=rows:6/,
    },
    {
      hash: '#n=4&t=0.5&n=8',
      said: 'This link sets a setting more than once: “n=8” is dropped, and the first value that read is used.',
      refused: 'n=8',
      hashNow: /n=4/,
    },
  ];
  for (const link of cases) {
    await open(page, `${APP_PATH}${link.hash}`);
    await expect.poll(async () => (await seen(page)).notices.join('\n'), { message: link.hash }).toContain(link.said);
    // The link's other settings are kept, for the first grid and after.
    await expect(sampling.getByLabel('Temperature', { exact: true })).toHaveValue('0.5');
    await expect(sampling.getByLabel('Images', { exact: true })).toHaveValue('4');
    await expect.poll(() => new URL(page.url()).hash).toMatch(link.hashNow);
    for (const url of await writtenAfterDropping(page, link.refused)) expect(url, link.hash).not.toContain(link.refused);
    await expect(page.getByText(/default settings instead/)).toHaveCount(0);
    await expect(sampling.getByRole('alert')).toHaveCount(0);
  }
});

test("a link's class that the link's own built-in set lacks is named once that set's model is in, with no error, and not written back", async ({ page }) => {
  await record(page);
  // class 9 is a digit, but the icons have classes 0 to 8.
  await open(page, `${APP_PATH}#model=icons&draw=class:9`);
  await expect(region(page, 'Dataset').locator('.dataset-name')).toContainText('icons', { ignoreCase: true, timeout: 150_000 });
  await expect
    .poll(async () => (await seen(page)).notices.join('\n'))
    .toContain('Draw “class:9” is not a class of this model, which has 9 (0 to 8); any class is drawn instead.');
  await expect.poll(() => new URL(page.url()).hash).toMatch(/model=icons.*draw=any/);
  await expect(region(page, 'Sampling').getByRole('button', { name: 'Sample', exact: true })).toBeEnabled({ timeout: 150_000 });
  await expect(page.getByRole('alert')).toHaveCount(0);
  for (const url of await writtenAfterDropping(page, 'class:9')) expect(url).not.toContain('class:9');
});

test('a ?backend= that is no backend is named, the app picks one itself, and the address bar drops it', async ({ page }) => {
  await record(page);
  await page.goto('/?backend=gpu#seed=3');
  await expect(page.getByTestId('model-origin')).toBeVisible({ timeout: 150_000 });
  await expect
    .poll(async () => (await seen(page)).notices.join('\n'))
    .toContain("This link's “backend=gpu” is not one of webgpu, webgl, wasm, cpu or auto; the app picks the backend itself instead.");
  await expect(page.getByTestId('backend-name')).not.toBeEmpty({ timeout: 150_000 });
  await expect.poll(() => new URL(page.url()).search).toBe('');
  expect(new URL(page.url()).hash).toContain('seed=3');
});
