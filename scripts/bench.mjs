// `npm run bench`: measures sampling and training in headless Chromium, the
// same browser set-up as the end-to-end tests, on every backend the app can
// train on. Prints a table, writes docs/BENCHMARKS.md, and ends with one
// JSON line (the WebGPU result; the other backends under "otherBackends").
//
// Environment: BENCH_BACKENDS=webgpu,webgl,cpu  BENCH_SIZES=8,16,28
//              BENCH_FULL_STEPS=5  BENCH_TRAIN_STEPS=2  BENCH_SKIP_BUILD=1
//              BENCH_WORKERS=1,2,4 (training workers timed on wasm; default 1, 2 and more where there are cores)
//              BENCH_OUT_DIR=/tmp/bench-dist (build and serve there instead of dist/, which another build may replace mid-run)
// `npm run bench -- --only training-workers` times only the training workers
// (prints their table and a JSON line, leaves docs/BENCHMARKS.md alone).
// `npm run bench -- --only belief-overhead` times only what the live belief
// chart costs sampling at full speed (scripts/bench-belief.mjs, wasm under Node).
// `--only colour-first-pixel`: from clicking "Colour icons" to the colour model's first pixel (scripts/bench-first-pixel.mjs);
// `--only first-pixel`: a first visit's first pixel (fresh profile, built app, median of 3);
// `--only page`: the bundle sizes (page JavaScript, each worker, tfjs) from the build;
// `--only sampling`: incremental sampling ÷ one forward pass at 28×28 (BENCH_BACKENDS, default wasm);
// `--only sampling-node`: the same on wasm under Node, without a browser (scripts/bench-sampling.mjs);
// `--only training-kernel`: a training step of 16, tfjs wasm against our SIMD kernels, under Node (scripts/bench-training-kernel.mjs).
// Each prints its figures and a JSON line, and leaves docs/BENCHMARKS.md alone.

import { spawn, execSync, execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from '@playwright/test';
import { chromiumHelp, findChromium } from './chromium-path.mjs';
import { colourFirstPixel, colourFirstPixelSection, firstPixel, firstPixelSection } from './bench-first-pixel.mjs';
import { runTrainingKernelBench, trainingKernelSection } from './training-kernel-section.mjs';

const PORT = Number(process.env.BENCH_PORT ?? 4174);
const backends = (process.env.BENCH_BACKENDS ?? 'webgpu,wasm,webgl,cpu').split(',');
const sizes = process.env.BENCH_SIZES ?? '8,16,28';
const fullSteps = process.env.BENCH_FULL_STEPS ?? '5';
const trainSteps = process.env.BENCH_TRAIN_STEPS ?? '2';
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt >= 0 ? process.argv[onlyAt + 1] : null;
const ONLY = ['training-workers', 'belief-overhead', 'first-pixel', 'page', 'sampling', 'sampling-node', 'colour-first-pixel', 'training-kernel'];
if (only !== null && !ONLY.includes(only)) {
  console.error(`--only takes one of ${ONLY.map((o) => `"${o}"`).join(', ')}, not "${only}"`);
  process.exit(1);
}
if (only === 'sampling-node') {
  execFileSync(process.execPath, [new URL('./bench-sampling.mjs', import.meta.url).pathname], { stdio: 'inherit' });
  process.exit(0);
}
if (only === 'training-kernel') {
  execFileSync(process.execPath, [new URL('./bench-training-kernel.mjs', import.meta.url).pathname], { stdio: 'inherit' });
  process.exit(0);
}
if (only === 'belief-overhead') {
  execFileSync(process.execPath, [new URL('./bench-belief.mjs', import.meta.url).pathname], { stdio: 'inherit' });
  process.exit(0);
}
const cores = os.cpus().length;
const workerCounts = process.env.BENCH_WORKERS ?? [1, 2, ...(cores >= 4 ? [4] : []), ...(cores > 4 ? [cores] : [])].join(',');

const chromiumPath = findChromium();
if (!chromiumPath) {
  console.error(chromiumHelp());
  process.exit(1);
}

const outDir = process.env.BENCH_OUT_DIR ? ['--outDir', process.env.BENCH_OUT_DIR] : [];
const emptyOutDir = process.env.BENCH_OUT_DIR ? ['--emptyOutDir'] : [];
if (!process.env.BENCH_SKIP_BUILD) {
  execSync('npm run prepare-data', { stdio: ['ignore', 'ignore', 'inherit'] });
  execSync(['npx', 'vite', 'build', ...outDir, ...emptyOutDir].join(' '), { stdio: ['ignore', 'ignore', 'inherit'] });
}

/** The sizes the build wrote (scripts/check-bundle.mjs): the page's JavaScript, each worker's chunks, tfjs among them. */
function bundleSizes() {
  const file = path.join(process.env.BENCH_OUT_DIR ?? 'dist', 'bundle-sizes.json');
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`could not read ${file} (run npm run build): ${error.message}`, { cause: error });
  }
}

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;

function sizesTable(sizes) {
  const lines = ['### Bundle sizes', ''];
  lines.push('Uncompressed bytes of the built app (`npm run build` prints them; the build fails if tfjs reaches the page).');
  lines.push('');
  lines.push('| bundle | file | size |');
  lines.push('|---|---|---:|');
  lines.push(
    `| page JavaScript, all that index.html loads before the engine worker starts | ${sizes.pageJs.map((c) => c.file.replace(/^assets\//, '')).join(', ')} | ${kb(sizes.pageJsBytes)} |`,
  );
  for (const w of sizes.workers) lines.push(`| ${w.worker}${w.tfjs ? ', its tfjs chunk' : ''} | ${w.file.replace(/^assets\//, '')} | ${kb(w.bytes)} |`);
  return lines.join('\n');
}

if (only === 'page') {
  const sizes = bundleSizes();
  console.log(sizesTable(sizes));
  console.log(JSON.stringify({ pageJsBytes: sizes.pageJsBytes, bundles: sizes }));
  process.exit(0);
}

const server = spawn('npx', ['vite', 'preview', '--port', String(PORT), '--strictPort', ...outDir], { stdio: 'ignore', detached: true });
const stopServer = () => {
  try {
    process.kill(-server.pid);
  } catch {
    /* already gone */
  }
};
process.on('exit', stopServer);

async function waitForServer() {
  // A minute: on a busy machine the preview server can take a while to start.
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`http://localhost:${PORT}/bench.html`)).ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('vite preview did not start');
}

const fmt = (v, digits = 1) => (typeof v === 'number' ? v.toFixed(digits) : String(v));

/** Incremental sampling ÷ one forward pass per backend, at the largest size measured. */
function samplingOverForwardOf(results) {
  return Object.fromEntries(results.map((r) => [r.backend, r.sampling.at(-1)?.samplingOverForward ?? null]));
}

function table(result) {
  const lines = [];
  lines.push(`### ${result.backend} — ${result.adapter}`);
  lines.push('');
  lines.push(`Default model: ${result.model.description}; batch of 16.`);
  lines.push('');
  lines.push(
    '| size | forward (batch) ms | full-recompute step ms | full ms/image | incremental ms/image | speedup | incremental batch ÷ forward | guided batch ms (w = 2) | guided ÷ unguided |',
  );
  lines.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const row of result.sampling) {
    lines.push(
      `| ${row.size}×${row.size} | ${fmt(row.forwardMs)} | ${fmt(row.fullStepMs)} (${row.fullStepsTimed} timed) | ${fmt(row.fullMsPerImage, 0)} | ${fmt(row.incrementalMsPerImage)} | ${fmt(row.speedup, 0)}× | ${fmt(row.samplingOverForward, 2)}× | ${fmt(row.guidedBatchMs, 0)} | ${fmt(row.guidedOverUnguided, 2)}× |`,
    );
  }
  lines.push('');
  const compared = result.sampling.filter((row) => row.javascriptBatchMs != null);
  if (compared.length > 0) {
    lines.push(
      `The incremental sampler's products, gates and tables run in WebAssembly SIMD kernels (src/model/simd) on every backend; the same sampler in plain JavaScript, timed once after an untimed run, batch of 16: ` +
        compared
          .map(
            (row) =>
              `${row.size}×${row.size} ${fmt(row.javascriptBatchMs, 0)} ms against ${fmt(row.incrementalMsPerImage * 16, 0)} ms (kernels ${fmt(row.javascriptBatchMs / (row.incrementalMsPerImage * 16), 1)}× faster)`,
          )
          .join('; ') +
        '.',
    );
    lines.push('');
  }
  const t = result.trainStep;
  const reference =
    t.conv2dMs === null
      ? 'plain conv2d not timed on this backend (wasm cannot train it; the JavaScript CPU backend takes minutes per step)'
      : `plain conv2d on weights × mask ${fmt(t.conv2dMs)} ms (op is ${fmt(t.speedup, 2)}× faster)`;
  lines.push(
    `Training step, batch ${t.batch} at 28×28: masked-convolution op (${result.maskedConv ?? 'open-tap conv2d blocks'}) ${fmt(t.maskedKernelMs)} ms (${fmt(t.stepsPerSecond, 2)} steps/s); ${reference}.`,
  );
  lines.push(`Tensor leaks: ${result.leaks.train} over 200 training steps, ${result.leaks.sample} over 5 sampled images (8×8 model).`);
  return lines.join('\n');
}

/** wasm training with the batch shared by 1, 2, … workers (the engine's thread and its helpers). */
function workersTable(rows) {
  const lines = ['### wasm training by number of workers', ''];
  lines.push(
    "Default model, batch of 16 at 28×28, Adam, on the SIMD training kernels as the app trains on wasm; each batch shared between the engine's thread and workers − 1 helper workers; the counts timed in turns.",
  );
  lines.push('');
  lines.push(
    "With helpers, where a step goes (medians, ms): the engine's own share, then waiting for the helpers, then combining the shares and the Adam step; and the engine's share timed alone, with no helper running, in the same rounds.",
  );
  lines.push('');
  lines.push("| workers | arithmetic | ms per step | steps/s | × 1 worker | engine's share | same share alone | waiting for helpers | combine + Adam |");
  lines.push('|---:|---|---:|---:|---:|---:|---:|---:|---:|');
  // The app's own path on one worker; the tfjs row (timed beside it for reference) is compared with it too.
  const one = rows.find((r) => r.workers === 1 && r.arithmetic !== 'tfjs')?.stepsPerSecond ?? rows.find((r) => r.workers === 1)?.stepsPerSecond;
  for (const r of rows) {
    const p = r.phases;
    const phases = p ? `${fmt(p.ownMs, 0)} | ${fmt(p.ownAloneMs, 0)} | ${fmt(p.waitMs, 0)} | ${fmt(p.applyMs, 0)}` : '— | — | — | —';
    const arithmetic = r.arithmetic ?? 'tfjs';
    lines.push(
      `| ${r.workers} | ${arithmetic} | ${fmt(r.msPerStep, 0)} | ${fmt(r.stepsPerSecond, 2)} | ${one ? `${fmt(r.stepsPerSecond / one, 2)}×` : '—'} | ${phases} |`,
    );
  }
  return lines.join('\n');
}

const workersJson = (rows) =>
  rows.map(({ workers, arithmetic, stepsPerSecond, msPerStep, phases }) => ({ workers, arithmetic, stepsPerSecond, msPerStep, ...(phases ? { phases } : {}) }));

/** One row per backend: the masked-convolution training step of the default model, as steps per second. */
function trainingRateTable(results) {
  const lines = ['### Training steps per second', ''];
  lines.push(`Default model, batch of ${results[0].trainStep.batch} at 28×28, Adam; steps/s = 1000 ÷ median step ms.`);
  lines.push('');
  lines.push('| backend | adapter | ms per step | steps/s |');
  lines.push('|---|---|---:|---:|');
  for (const r of results) lines.push(`| ${r.backend} | ${r.adapter} | ${fmt(r.trainStep.maskedKernelMs)} | ${fmt(r.trainStep.stepsPerSecond, 2)} |`);
  return lines.join('\n');
}

let browser;
try {
  await waitForServer();
  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--enable-unsafe-webgpu',
      '--use-webgpu-adapter=swiftshader',
    ],
  });
  if (only === 'colour-first-pixel') {
    const colour = await colourFirstPixel(browser, `http://localhost:${PORT}/`);
    console.log(colourFirstPixelSection(colour));
    console.log(JSON.stringify({ colourFirstPixelMs: colour.medianMs, colourFirstPixelRunsMs: colour.runsMs }));
    process.exit(0);
  }
  if (only === 'first-pixel') {
    const first = await firstPixel(browser, `http://localhost:${PORT}/`);
    console.log(firstPixelSection(first));
    console.log(JSON.stringify({ firstPixelMs: first.medianMs, firstPixelRunsMs: first.runsMs }));
    process.exit(0);
  }
  if (only === 'sampling') {
    // Sampling at 28×28 as the full bench measures it, with the least training it needs to report.
    const measured = [];
    for (const backend of process.env.BENCH_BACKENDS ? backends : ['wasm']) {
      const page = await browser.newPage();
      page.on('console', (msg) => console.log(msg.text()));
      await page.goto(`http://localhost:${PORT}/bench.html?backend=${backend}&sizes=${process.env.BENCH_SIZES ?? '28'}&fullSteps=2&trainSteps=1`);
      await page.waitForFunction(() => window.benchOutcome !== undefined, null, { timeout: 45 * 60_000, polling: 1000 });
      const outcome = await page.evaluate(() => window.benchOutcome);
      await page.close();
      if (outcome.error) console.log(`${backend}: not measured — ${outcome.error}`);
      else measured.push(outcome.result);
    }
    for (const r of measured)
      for (const row of r.sampling)
        console.log(
          `${r.backend} ${row.size}×${row.size}: forward ${fmt(row.forwardMs)} ms, incremental ${fmt(row.incrementalMsPerImage * 16)} ms for 16, ${fmt(row.samplingOverForward, 2)} forward passes, ${fmt(row.speedup, 0)}× faster than full recompute${row.javascriptBatchMs != null ? `; in plain JavaScript ${fmt(row.javascriptBatchMs)} ms` : ''}`,
        );
    console.log(
      JSON.stringify({ samplingOverForward: samplingOverForwardOf(measured), sampling: Object.fromEntries(measured.map((r) => [r.backend, r.sampling])) }),
    );
    process.exit(0);
  }
  if (only === 'training-workers') {
    const page = await browser.newPage();
    page.on('console', (msg) => console.log(msg.text()));
    await page.goto(`http://localhost:${PORT}/bench.html?backend=wasm&only=training-workers&workers=${workerCounts}`);
    await page.waitForFunction(() => window.benchOutcome !== undefined, null, { timeout: 30 * 60_000, polling: 1000 });
    const outcome = await page.evaluate(() => window.benchOutcome);
    if (outcome.error) throw new Error(outcome.error);
    console.log('\n' + workersTable(outcome.trainingWorkers.rows));
    console.log(
      JSON.stringify({ backend: 'wasm', adapter: outcome.trainingWorkers.adapter, cores, trainingByWorkers: workersJson(outcome.trainingWorkers.rows) }),
    );
    await browser.close();
    stopServer();
    process.exit(0);
  }
  const results = [];
  for (const backend of backends) {
    console.log(`\n== ${backend} ==`);
    const page = await browser.newPage();
    page.on('console', (msg) => console.log(msg.text()));
    await page.goto(
      `http://localhost:${PORT}/bench.html?backend=${backend}&sizes=${sizes}&fullSteps=${fullSteps}&trainSteps=${trainSteps}${backend === 'wasm' ? `&workers=${workerCounts}` : ''}`,
    );
    await page.waitForFunction(() => window.benchOutcome !== undefined, null, { timeout: 45 * 60_000, polling: 1000 });
    const outcome = await page.evaluate(() => window.benchOutcome);
    await page.close();
    if (outcome.error) {
      console.log(`${backend}: not measured — ${outcome.error}`);
      continue;
    }
    results.push(outcome.result);
  }
  if (results.length === 0) throw new Error('no backend could be measured');
  console.log('\n== first visit ==');
  const first = await firstPixel(browser, `http://localhost:${PORT}/`);
  console.log('\n== colour icons ==');
  const colour = await colourFirstPixel(browser, `http://localhost:${PORT}/`);
  const bundles = bundleSizes();
  console.log('\n== training on the SIMD kernels (Node) ==');
  const kernels = runTrainingKernelBench();

  const machine = `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}`;
  const browserVersion = `Chromium ${browser.version()} (headless, WebGPU via SwiftShader)`;
  // The commit ties the figures to the code they measured, so a reader can tell when they have gone stale.
  let commit = 'unknown (not a git checkout)';
  try {
    commit = execSync('git rev-parse --short HEAD', { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (execSync('git status --porcelain --untracked-files=no', { encoding: 'utf8' }).trim()) commit += ' with uncommitted changes';
  } catch {
    /* keep 'unknown' */
  }
  const header = [
    '# Benchmarks',
    '',
    'Written by `npm run bench`. Medians. "Full" is the reference sampler (one forward pass per sub-pixel); its per-image',
    'cost is extrapolated from the timed steps, since every step costs the same. "Incremental" is the cached sampler the',
    'app uses, timed end to end, after one untimed run. Every figure follows an untimed warm-up run and is the median of 3,',
    'except where one run takes over 10 s (software GPUs): that is timed once, and the reference sampler 2 steps.',
    '',
    `- Machine: ${machine}`,
    `- Browser: ${browserVersion}`,
    `- Date: ${new Date().toISOString()}`,
    `- Commit: ${commit}`,
  ].join('\n');
  const byWorkers = results.find((r) => r.trainingByWorkers)?.trainingByWorkers;
  const workersSection = byWorkers ? `\n\n${workersTable(byWorkers)}` : '';
  const report = `${header}\n\n${trainingRateTable(results)}${workersSection}\n\n${trainingKernelSection(kernels)}\n\n${firstPixelSection(first)}\n\n${colourFirstPixelSection(colour)}\n\n${sizesTable(bundles)}\n\n${results.map(table).join('\n\n')}\n`;
  mkdirSync('docs', { recursive: true });
  writeFileSync('docs/BENCHMARKS.md', report);
  console.log(
    '\n' +
      [
        trainingRateTable(results),
        ...(byWorkers ? [workersTable(byWorkers)] : []),
        trainingKernelSection(kernels),
        firstPixelSection(first),
        colourFirstPixelSection(colour),
        sizesTable(bundles),
        ...results.map(table),
      ].join('\n\n'),
  );
  console.log('\n(wrote docs/BENCHMARKS.md)');

  const primary = results.find((r) => r.backend === 'webgpu') ?? results[0];
  const summary = {
    backend: primary.backend,
    adapter: primary.adapter,
    model: primary.model,
    sampling: primary.sampling.map(({ size, fullMsPerImage, incrementalMsPerImage, speedup, forwardMs, fullStepsTimed, samplingOverForward }) => ({
      size,
      fullMsPerImage,
      incrementalMsPerImage,
      speedup,
      forwardMs,
      fullStepsTimed,
      samplingOverForward,
    })),
    maskedConv: primary.maskedConv,
    trainStep: {
      maskedKernelMs: primary.trainStep.maskedKernelMs,
      conv2dMs: primary.trainStep.conv2dMs,
      speedup: primary.trainStep.speedup,
      stepsPerSecond: primary.trainStep.stepsPerSecond,
    },
    trainingStepsPerSecond: results.map((r) => ({
      backend: r.backend,
      adapter: r.adapter,
      batch: r.trainStep.batch,
      msPerStep: r.trainStep.maskedKernelMs,
      stepsPerSecond: r.trainStep.stepsPerSecond,
    })),
    leaks: primary.leaks,
    firstPixelMs: first.medianMs,
    firstPixelRunsMs: first.runsMs,
    colourFirstPixelMs: colour.medianMs,
    colourFirstPixelRunsMs: colour.runsMs,
    pageJsBytes: bundles.pageJsBytes,
    samplingOverForward: samplingOverForwardOf(results),
    guidedOverUnguided: Object.fromEntries(results.map((r) => [r.backend, r.sampling.at(-1)?.guidedOverUnguided ?? null])),
    trainingByWorkers: byWorkers ? workersJson(byWorkers) : null,
    trainingByKernel: kernels,
    otherBackends: results.filter((r) => r !== primary).map((r) => ({ backend: r.backend, sampling: r.sampling, trainStep: r.trainStep, leaks: r.leaks })),
  };
  console.log(JSON.stringify(summary));
} finally {
  await browser?.close();
  stopServer();
}
