/**
 * The file-handing helpers, checked against a tiny harness page (served by
 * page.route at the app's origin, so nothing of the app is needed): what a
 * drop handler and a file input actually receive. The harness mirrors the
 * import panel's markup: a role=button drop zone and two hidden inputs.
 */
import { expect, test, type Page } from '@playwright/test';
import { awkwardImportSet, chooseFiles, chooseFolder, dropFiles, writeFixtureTree, type FixtureFile } from './helpers';

interface Received {
  via: string;
  name: string;
  relativePath: string;
  size: number;
  type: string;
  firstBytes: number[];
}

const HARNESS = `<!doctype html>
<meta charset="utf-8">
<title>helpers harness</title>
<div role="button" tabindex="0" aria-label="Drop images here" id="zone">Drop images here</div>
<input type="file" multiple aria-label="Choose image files" hidden id="files">
<input type="file" multiple webkitdirectory aria-label="Choose a folder of images" hidden id="folder">
<script>
  window.received = [];
  window.dragEvents = [];
  async function record(via, files) {
    for (const file of files) {
      const bytes = new Uint8Array(await file.slice(0, 4).arrayBuffer());
      window.received.push({
        via, name: file.name, relativePath: file.webkitRelativePath || '',
        size: file.size, type: file.type, firstBytes: Array.from(bytes),
      });
    }
    window.done = (window.done || 0) + 1;
  }
  const zone = document.getElementById('zone');
  for (const type of ['dragenter', 'dragover']) {
    zone.addEventListener(type, (e) => { e.preventDefault(); window.dragEvents.push(type); });
  }
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    window.dragEvents.push('drop');
    // What an app that tries directory entries first would see.
    window.entries = Array.from(e.dataTransfer.items, (i) => i.webkitGetAsEntry ? i.webkitGetAsEntry() : null)
      .map((entry) => entry ? entry.fullPath : null);
    record('drop', Array.from(e.dataTransfer.files));
  });
  for (const id of ['files', 'folder']) {
    document.getElementById(id).addEventListener('change', (e) => record(id, Array.from(e.target.files)));
  }
</script>`;

async function openHarness(page: Page): Promise<void> {
  await page.route('**/__e2e-helpers-harness', (route) => route.fulfill({ status: 200, contentType: 'text/html', body: HARNESS }));
  await page.goto('/__e2e-helpers-harness');
}

async function received(page: Page, batches: number): Promise<Received[]> {
  await page.waitForFunction((n) => ((window as unknown as { done?: number }).done ?? 0) >= n, batches);
  return page.evaluate(() => (window as unknown as { received: Received[] }).received);
}

function expectSameFiles(got: Received[], files: readonly FixtureFile[], via: string): void {
  expect(got.map((r) => r.size)).toEqual(files.map((f) => f.bytes.length));
  expect(got.map((r) => r.type)).toEqual(files.map((f) => f.mimeType));
  expect(got.map((r) => r.firstBytes)).toEqual(files.map((f) => Array.from(f.bytes.subarray(0, 4))));
  for (const r of got) expect(r.via).toBe(via);
}

test('dropFiles delivers every file with its bytes, base name and relative path', async ({ page }) => {
  await openHarness(page);
  const { files } = awkwardImportSet(4);
  await dropFiles(page, files);

  const got = await received(page, 1);
  expectSameFiles(got, files, 'drop');
  expect(got.map((r) => r.name)).toEqual(files.map((f) => f.name.split('/').pop()));
  expect(got.map((r) => r.relativePath)).toEqual(files.map((f) => (f.name.includes('/') ? f.name : '')));
  expect(await page.evaluate(() => (window as unknown as { dragEvents: string[] }).dragEvents)).toEqual(['dragenter', 'dragover', 'drop']);
  // Synthetic drops carry no directory entries: an app must fall back to files.
  const entries = await page.evaluate(() => (window as unknown as { entries: unknown[] }).entries);
  expect(entries).toEqual(files.map(() => null));
});

test('chooseFiles sets the labelled file input; chooseFolder gives relative paths', async ({ page }, testInfo) => {
  await openHarness(page);
  const { files, good } = awkwardImportSet(3);

  await chooseFiles(page, files);
  const picked = await received(page, 1);
  expectSameFiles(picked, files, 'files');
  expect(picked.map((r) => r.name)).toEqual(files.map((f) => f.name.split('/').pop()));

  const root = writeFixtureTree(testInfo.outputPath('picked'), good);
  await chooseFolder(page, root);
  const all = await received(page, 2);
  const fromFolder = all.filter((r) => r.via === 'folder');
  // The picked folder's own name ("picked") leads each relative path.
  expect(fromFolder.map((r) => r.relativePath).sort()).toEqual(good.map((f) => `picked/${f.name}`).sort());
});
