/**
 * The ground the other end-to-end tests stand on: the served page is a
 * secure, cross-origin-isolated context with a working WebGPU adapter (in the
 * page and in a module worker), our generated test images decode in the
 * browser, and the app comes up on the WebGPU backend.
 */
import { unzipSync } from 'fflate';
import { expect, test } from '@playwright/test';
import { TINY, applyModel } from './app-helpers';
import { expectedRgba, mixedImages, truncatedPng, emptyFile, toBase64, zipWithNestedFolders, type ImageFixture } from './helpers';

interface AdapterReport {
  secure: boolean;
  crossOriginIsolated: boolean;
  hasGpu: boolean;
  adapter: null | {
    vendor: string;
    architecture: string;
    device: string;
    description: string;
    isFallbackAdapter: boolean;
    maxBufferSize: number;
    maxComputeWorkgroupSizeX: number;
  };
  /** [1, 2, 3, 4] doubled by a compute shader, read back. */
  computed: number[] | null;
  error?: string;
}

/**
 * Runs in the page or in a worker (it is stringified into the worker's
 * source, so it must be self-contained): request an adapter and a device and
 * double four numbers with a compute shader.
 */
async function probeWebGpu(): Promise<AdapterReport> {
  const report: AdapterReport = {
    secure: self.isSecureContext,
    crossOriginIsolated: self.crossOriginIsolated,
    hasGpu: !!navigator.gpu,
    adapter: null,
    computed: null,
  };
  try {
    if (!navigator.gpu) return report;
    const adapter = await navigator.gpu.requestAdapter();
    if (!adapter) return report;
    const info = adapter.info;
    report.adapter = {
      vendor: info.vendor,
      architecture: info.architecture,
      device: info.device,
      description: info.description,
      isFallbackAdapter: !!info.isFallbackAdapter,
      maxBufferSize: adapter.limits.maxBufferSize,
      maxComputeWorkgroupSizeX: adapter.limits.maxComputeWorkgroupSizeX,
    };
    const device = await adapter.requestDevice();
    const input = new Float32Array([1, 2, 3, 4]);
    const storage = device.createBuffer({
      size: input.byteLength,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    device.queue.writeBuffer(storage, 0, input);
    const readback = device.createBuffer({
      size: input.byteLength,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    const module = device.createShaderModule({
      code: `
        @group(0) @binding(0) var<storage, read_write> data: array<f32>;
        @compute @workgroup_size(4)
        fn main(@builtin(global_invocation_id) id: vec3<u32>) {
          data[id.x] = data[id.x] * 2.0;
        }`,
    });
    const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
    const bindGroup = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [{ binding: 0, resource: { buffer: storage } }],
    });
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(1);
    pass.end();
    encoder.copyBufferToBuffer(storage, 0, readback, 0, input.byteLength);
    device.queue.submit([encoder.finish()]);
    await readback.mapAsync(GPUMapMode.READ);
    report.computed = Array.from(new Float32Array(readback.getMappedRange().slice(0)));
    readback.unmap();
    device.destroy();
  } catch (error) {
    report.error = String(error);
  }
  return report;
}

function describeAdapter(report: AdapterReport): string {
  const a = report.adapter;
  if (!a) return 'no adapter';
  return (
    `vendor=${a.vendor || '?'} architecture=${a.architecture || '?'} device=${a.device || '?'} ` +
    `description=${a.description || '?'} fallback=${a.isFallbackAdapter} ` +
    `maxBufferSize=${a.maxBufferSize} maxComputeWorkgroupSizeX=${a.maxComputeWorkgroupSizeX}`
  );
}

function expectWorkingWebGpu(report: AdapterReport): void {
  expect(report.error, 'WebGPU threw').toBeUndefined();
  expect(report.secure, 'a secure context (http://localhost is one)').toBe(true);
  expect(report.hasGpu, 'navigator.gpu exists (is --enable-unsafe-webgpu passed?)').toBe(true);
  expect(report.adapter, 'requestAdapter() gave an adapter (is --use-webgpu-adapter=swiftshader passed?)').not.toBeNull();
  expect(report.computed, 'a compute shader doubled [1, 2, 3, 4]').toEqual([2, 4, 6, 8]);
}

test('the served page has a WebGPU adapter that runs a compute shader', async ({ page }, testInfo) => {
  const response = await page.goto('/');
  expect(response?.ok(), 'the preview server answers on /').toBe(true);

  const report = await page.evaluate(probeWebGpu);
  const described = describeAdapter(report);
  console.log(`[webgpu] page adapter: ${described}`);
  testInfo.annotations.push({ type: 'webgpu adapter (page)', description: described });

  expectWorkingWebGpu(report);
  // The dev and preview servers send COOP/COEP, so SharedArrayBuffer is usable.
  expect(report.crossOriginIsolated, 'the page is cross-origin isolated (COOP + COEP headers)').toBe(true);
});

test('a dedicated module worker has a WebGPU adapter too', async ({ page }, testInfo) => {
  // The probe runs in a worker made from a Blob URL, which the app page's Content-Security-Policy
  // (workers from the app's own files only) refuses; the kernel test page has no such policy.
  await page.goto('/kernel-tests.html');
  const report = await page.evaluate(async (probeSource: string) => {
    // A Blob URL worker inherits the page's origin, so it is a secure context too.
    const source = `const probeWebGpu = ${probeSource};\nself.onmessage = async () => postMessage(await probeWebGpu());`;
    const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
    const worker = new Worker(url, { type: 'module' });
    try {
      return await new Promise<AdapterReport>((resolve, reject) => {
        worker.onmessage = (event: MessageEvent<AdapterReport>) => resolve(event.data);
        worker.onerror = (event) => reject(new Error(`worker failed: ${event.message}`));
        worker.postMessage('probe');
      });
    } finally {
      worker.terminate();
      URL.revokeObjectURL(url);
    }
  }, probeWebGpu.toString());
  const described = describeAdapter(report);
  console.log(`[webgpu] worker adapter: ${described}`);
  testInfo.annotations.push({ type: 'webgpu adapter (worker)', description: described });

  expectWorkingWebGpu(report);
});

interface Decoded {
  ok: boolean;
  width?: number;
  height?: number;
  rgba?: number[];
  error?: string;
}

test('generated PNG and BMP fixtures decode in the browser to the right sizes and pixels', async ({ page }) => {
  await page.goto('/');
  const zipped = zipWithNestedFolders();
  const images: ImageFixture[] = [...mixedImages(8), ...zipped.images];
  const broken = [truncatedPng(), emptyFile()];

  const decoded = await page.evaluate(
    async (files: Array<{ base64: string; mimeType: string }>) => {
      const results: Decoded[] = [];
      for (const file of files) {
        const binary = atob(file.base64);
        const bytes = new Uint8Array(binary.length);
        for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
        try {
          const bitmap = await createImageBitmap(new Blob([bytes], { type: file.mimeType }), {
            premultiplyAlpha: 'none',
            colorSpaceConversion: 'none',
          });
          const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
          const context = canvas.getContext('2d');
          if (!context) throw new Error('no 2d context');
          context.drawImage(bitmap, 0, 0);
          const data = context.getImageData(0, 0, bitmap.width, bitmap.height).data;
          results.push({ ok: true, width: bitmap.width, height: bitmap.height, rgba: Array.from(data) });
          bitmap.close();
        } catch (error) {
          results.push({ ok: false, error: String(error) });
        }
      }
      return results;
    },
    [...images, ...broken].map((f) => ({ base64: toBase64(f.bytes), mimeType: f.mimeType })),
  );

  images.forEach((image, index) => {
    const result = decoded[index]!;
    expect(result.error, `${image.name} decodes`).toBeUndefined();
    expect([result.width, result.height], `${image.name} size`).toEqual([image.width, image.height]);
    const rgba = result.rgba!;
    let worst = 0;
    for (let y = 0; y < image.height; y++) {
      for (let x = 0; x < image.width; x++) {
        const want = expectedRgba(image.width, image.height, image.mode, image.pattern, x, y);
        const at = (y * image.width + x) * 4;
        // The 2d canvas stores premultiplied alpha, so half-transparent
        // pixels may come back a step or two off; opaque ones are exact.
        const tolerance = want[3] === 255 ? 0 : 2;
        for (let c = 0; c < 4; c++) {
          const diff = Math.abs(rgba[at + c]! - want[c]!);
          if (diff > tolerance) worst = Math.max(worst, diff);
        }
      }
    }
    expect(worst, `${image.name} (${image.mode}, ${image.pattern}) pixels match the pattern`).toBe(0);
  });

  // Neither the empty file nor the cut-off PNG yields an image.
  const [truncated, empty] = decoded.slice(images.length);
  expect(empty!.ok, 'a zero-byte file does not decode').toBe(false);
  console.log(`[fixtures] truncated PNG: ${truncated!.ok ? `decoded as ${truncated!.width}×${truncated!.height}` : truncated!.error}`);
  expect(truncated!.ok, 'a truncated PNG does not decode').toBe(false);

  // The zip holds the nested images, the macOS junk and the text file, intact.
  const entries = unzipSync(zipped.zip.bytes);
  expect(Object.keys(entries).sort()).toEqual([...zipped.images.map((i) => i.name), ...zipped.junk, ...zipped.others].sort());
  for (const image of zipped.images) expect(entries[image.name]).toEqual(image.bytes);
});

test('the page loads and runs on the WebGPU backend', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  // On a software adapter the automatic choice is WebAssembly; ?backend= pins WebGPU.
  await page.goto('/?backend=webgpu');
  try {
    await expect(page.getByTestId('backend-name')).toHaveText('webgpu', { timeout: 120_000 });
  } catch (error) {
    if (errors.length > 0) console.log(`[app] errors in the page:\n  ${errors.join('\n  ')}`);
    throw error;
  }
});

test('left to choose, the engine starts on wasm, times the backends on the model after the first grid, keeps the fastest (wasm here) and shows the figures', async ({
  page,
}) => {
  // Three first visits' grids and trials, one after another (a reload, Measure again, a new model): minutes on a busy machine.
  test.setTimeout(20 * 60_000);
  const started = Date.now();
  await page.goto('/');
  await expect(page.getByTestId('backend-name')).toHaveText('wasm', { timeout: 120_000 });
  console.log(`[backend] auto start-up to a backend: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await page.locator('.backend-badge summary').click();
  // The trial runs once the shipped model's first grid is drawn (app-first-pixel.spec.ts checks the order).
  const figures = page.getByTestId('backend-figures');
  await expect(figures).toBeVisible({ timeout: 10 * 60_000 });
  console.log(`[backend] figures shown after: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  for (const row of await figures.locator('tbody tr').all()) {
    console.log(`[backend] ${(await row.innerText()).replace(/\s+/g, ' ')} [${(await row.getAttribute('title')) ?? 'not tried'}]`);
  }
  console.log(`[backend] ${await page.locator('.backend-trial p').first().innerText()}`);

  const row = (name: string) => figures.locator(`tr[data-backend="${name}"]`);
  await expect(row('wasm')).toHaveAttribute('data-outcome', 'timed');
  await expect(row('wasm')).toContainText(/in use.*per step \([\d.]+ steps\/s\)/s);
  // SwiftShader is labelled as software and loses: abandoned at its deadline, timed slower, or (on a busy
  // machine, where the GPU process still compiles the WebGL trial's shaders) not started in time.
  await expect(row('webgpu')).toContainText('software, not a GPU');
  await expect(row('webgpu')).toHaveAttribute('data-outcome', /too-slow|timed|failed/);
  await expect(row('webgpu')).toContainText(/too slow: .*(took over|would take about)|per step|did not start within/);
  await expect(row('cpu')).toHaveAttribute('data-outcome', 'skipped');
  await expect(row('cpu')).toContainText(/only when nothing else works/);
  // The trial no longer holds start-up up, however long it takes; the badge says how long it took.
  await expect(page.locator('.backend-trial p').first()).toContainText(/Measuring took \d/);

  // A reload on the same model and adapters reuses the figures rather than timing again.
  console.log('[backend] reload');
  await page.reload();
  await expect(page.getByTestId('backend-name')).toHaveText('wasm', { timeout: 120_000 });
  await page.locator('.backend-badge summary').click();
  await expect(page.locator('.backend-trial')).toContainText('and reused');
  console.log('[backend] measure again');
  await page.getByRole('button', { name: 'Measure again' }).click();
  await expect(page.getByTestId('backend-name')).toHaveText('wasm', { timeout: 120_000 });
  await page.locator('.backend-badge summary').click();
  await expect(page.locator('.backend-trial')).toContainText('Measuring took', { timeout: 10 * 60_000 });

  // After a change of model the figures say they are for another one; Measure again times the new one.
  await page.locator('.backend-badge summary').click();
  await applyModel(page, TINY);
  await page.locator('.backend-badge summary').click();
  await expect(page.getByTestId('backend-trial-stale')).toBeVisible();
  await page.getByRole('button', { name: 'Measure again' }).click();
  await expect(page.getByTestId('backend-name')).not.toBeEmpty({ timeout: 120_000 });
  await page.locator('.backend-badge summary').click();
  await expect(page.getByTestId('backend-figures')).toBeVisible({ timeout: 10 * 60_000 });
  await expect(page.getByTestId('backend-trial-stale')).toHaveCount(0);
  for (const tinyRow of await figures.locator('tbody tr').all()) console.log(`[backend] tiny model: ${(await tinyRow.innerText()).replace(/\s+/g, ' ')}`);

  // The user can still pin WebGPU from the badge; the engine restarts on it without a trial.
  console.log('[backend] pin webgpu');
  await page.getByLabel('Run on').selectOption('webgpu');
  await expect(page.getByTestId('backend-name')).toHaveText('webgpu', { timeout: 120_000 });
  await page.locator('.backend-badge summary').click();
  await expect(page.locator('.backend-details')).toContainText('as you chose; no backends were timed');
  await expect(page.getByTestId('backend-figures')).toHaveCount(0);
});
