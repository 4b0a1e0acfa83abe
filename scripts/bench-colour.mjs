/**
 * `npm run bench` (and `--only colour-first-pixel`): how soon the colour icons
 * start drawing once chosen. A fresh browser profile opens the built app, waits
 * until the digits model is up, clicks "Colour icons" in the Dataset panel,
 * and times from the click to the first pixels of the colour model reaching
 * the page (the engine's first samplePixels after a 16×16 sampleStart), on the
 * page's own clock. Median of `runs`.
 */

const fmt = (v) => (typeof v === 'number' ? v.toFixed(0) : String(v));
const medianOf = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export async function colourFirstPixel(browser, url, runs = 3) {
  const times = [];
  for (let run = 0; run < runs; run++) {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.addInitScript(() => {
        const Original = window.Worker;
        window.Worker = class extends Original {
          constructor(scriptUrl, options) {
            super(scriptUrl, options);
            this.addEventListener('message', (event) => {
              const data = event.data;
              if (data?.type === 'sampleStart' && data.sample?.channels === 3 && window.colourStartAt === undefined) window.colourStartAt = performance.now();
              if (data?.type === 'samplePixels' && window.colourStartAt !== undefined && window.colourPixelAt === undefined) window.colourPixelAt = performance.now();
            });
          }
        };
      });
      await page.goto(url);
      const button = page.getByRole('group', { name: 'Built-in datasets' }).getByRole('button', { name: 'Colour icons' });
      await button.waitFor({ state: 'visible', timeout: 5 * 60_000 });
      await page.waitForFunction(() => !document.querySelector('.builtin-datasets button[disabled]'), null, { timeout: 5 * 60_000, polling: 50 });
      const clickedAt = await page.evaluate(() => performance.now());
      await button.click();
      await page.waitForFunction(() => window.colourPixelAt !== undefined, null, { timeout: 5 * 60_000, polling: 20 });
      times.push((await page.evaluate(() => window.colourPixelAt)) - clickedAt);
      console.log(`  colour icons ${run + 1}: first pixel ${fmt(times.at(-1))} ms after the click`);
    } finally {
      await context.close();
    }
  }
  return { medianMs: medianOf(times), runsMs: times };
}

export function colourFirstPixelSection(colour) {
  return [
    '### First pixel of the colour icons',
    '',
    `Built app, fresh browser profile each time, from clicking "Colour icons" (its data and shipped model not yet loaded) to the colour model's first sampled pixels reaching the page: median ${fmt(colour.medianMs)} ms (${colour.runsMs.map(fmt).join(', ')} ms).`,
  ].join('\n');
}
