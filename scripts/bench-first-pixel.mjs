/**
 * `npm run bench` (and `--only first-pixel`, `--only colour-first-pixel`): how
 * soon pixels appear. Each run opens the built app in a fresh browser context
 * (no storage, no cache) whose engine messages are watched from the page's own
 * clock, and the median of `runs` is reported:
 *   - a first visit: navigation to the first sampled pixels reaching the page;
 *   - the colour icons: clicking "Colour icons" (once the digits model is up)
 *     to the colour model's first pixels (the first samplePixels after a
 *     colour sampleStart).
 */

const fmt = (v) => (typeof v === 'number' ? v.toFixed(0) : String(v));
const medianOf = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Notes on the page when the engine's first pixels, its first colour run and that run's first pixels arrive. */
function watchEngineMessages() {
  const Original = window.Worker;
  window.Worker = class extends Original {
    constructor(scriptUrl, options) {
      super(scriptUrl, options);
      this.addEventListener('message', (event) => {
        const data = event.data;
        const now = performance.now();
        if (data?.type === 'samplePixels' && window.firstPixelAt === undefined) window.firstPixelAt = now;
        if (data?.type === 'sampleStart' && data.sample?.channels === 3 && window.colourStartAt === undefined) window.colourStartAt = now;
        if (data?.type === 'samplePixels' && window.colourStartAt !== undefined && window.colourPixelAt === undefined) window.colourPixelAt = now;
      });
    }
  };
}

/**
 * After a context closes, its renderer and workers (still drawing, or timing
 * backends) take a moment to exit; a visit started at once shares the cores
 * with them, which no real first visit does. Each visit waits this long first.
 */
const SETTLE_MS = 3000;

/** `measure(page)` times one run in a fresh context watched by watchEngineMessages; returns the median and every run. */
async function inFreshContexts(browser, runs, measure) {
  const times = [];
  for (let run = 0; run < runs; run++) {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.addInitScript(watchEngineMessages);
      times.push(await measure(page, run));
    } finally {
      await context.close();
    }
  }
  return { medianMs: medianOf(times), runsMs: times };
}

export function firstPixel(browser, url, runs = 3) {
  return inFreshContexts(browser, runs, async (page, run) => {
    await page.goto(url);
    await page.waitForFunction(() => window.firstPixelAt !== undefined, null, { timeout: 5 * 60_000, polling: 50 });
    const ms = await page.evaluate(() => window.firstPixelAt);
    console.log(`  first visit ${run + 1}: first pixel at ${fmt(ms)} ms after navigation`);
    return ms;
  });
}

export function firstPixelSection(first) {
  return [
    '### First pixel on a first visit',
    '',
    `Built app, fresh browser profile each time, navigation to the first sampled pixels reaching the page: median ${fmt(first.medianMs)} ms (${first.runsMs.map(fmt).join(', ')} ms).`,
  ].join('\n');
}

export function colourFirstPixel(browser, url, runs = 3) {
  return inFreshContexts(browser, runs, async (page, run) => {
    await page.goto(url);
    const button = page.getByRole('group', { name: 'Built-in datasets' }).getByRole('button', { name: 'Colour icons' });
    await button.waitFor({ state: 'visible', timeout: 5 * 60_000 });
    await page.waitForFunction(() => !document.querySelector('.builtin-datasets button[disabled]'), null, { timeout: 5 * 60_000, polling: 50 });
    const clickedAt = await page.evaluate(() => performance.now());
    await button.click();
    await page.waitForFunction(() => window.colourPixelAt !== undefined, null, { timeout: 5 * 60_000, polling: 20 });
    const ms = (await page.evaluate(() => window.colourPixelAt)) - clickedAt;
    console.log(`  colour icons ${run + 1}: first pixel ${fmt(ms)} ms after the click`);
    return ms;
  });
}

export function colourFirstPixelSection(colour) {
  return [
    '### First pixel of the colour icons',
    '',
    `Built app, fresh browser profile each time, from clicking "Colour icons" (its data and shipped model not yet loaded) to the colour model's first sampled pixels reaching the page: median ${fmt(colour.medianMs)} ms (${colour.runsMs.map(fmt).join(', ')} ms).`,
  ].join('\n');
}
