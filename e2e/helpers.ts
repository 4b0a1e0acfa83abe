/**
 * Helpers for the end-to-end tests: hand generated files to the app by a
 * synthetic drop or through its file input, and the image fixtures
 * (re-exported from ./fixtures/images).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import type { FixtureFile } from './fixtures/images';

export * from './fixtures/images';

/** Accessible names the app's import panel is built against. */
export const DROP_ZONE_NAME = 'Drop images here';
export const FILE_INPUT_LABEL = 'Choose image files';
export const FOLDER_INPUT_LABEL = 'Choose a folder of images';

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

interface SerialisedFile {
  path: string;
  mimeType: string;
  base64: string;
}

function serialise(files: readonly FixtureFile[]): SerialisedFile[] {
  return files.map((f) => ({ path: f.name, mimeType: f.mimeType, base64: toBase64(f.bytes) }));
}

/**
 * Drop `files` onto the drop zone (by default the element with role button
 * and name "Drop images here"): builds a DataTransfer of File objects in the
 * page and dispatches dragenter, dragover and drop on the target.
 *
 * A file's folders (e.g. "photos/cats/a.png") cannot be expressed as real
 * directory entries in a synthetic DataTransfer: `webkitGetAsEntry()` returns
 * null for every item. So each File gets its base name as `name` and, when it
 * has folders, the full path as an own `webkitRelativePath` property — the
 * same shape a folder picked through `<input webkitdirectory>` has. An app
 * that falls back from entries to `item.getAsFile()` / `dataTransfer.files`
 * and prefers `webkitRelativePath || name` sees the paths.
 */
export async function dropFiles(
  page: Page,
  files: readonly FixtureFile[],
  target: Locator = page.getByRole('button', { name: DROP_ZONE_NAME }),
): Promise<void> {
  await target.waitFor({ state: 'visible' });
  const dataTransfer = await page.evaluateHandle((items: SerialisedFile[]) => {
    const dt = new DataTransfer();
    for (const item of items) {
      const binary = atob(item.base64);
      const bytes = new Uint8Array(binary.length);
      for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
      const slash = item.path.lastIndexOf('/');
      const file = new File([bytes], item.path.slice(slash + 1), {
        type: item.mimeType,
        lastModified: Date.UTC(2024, 0, 1),
      });
      if (slash >= 0) {
        Object.defineProperty(file, 'webkitRelativePath', { value: item.path, enumerable: true });
      }
      dt.items.add(file);
    }
    return dt;
  }, serialise(files));
  try {
    await target.dispatchEvent('dragenter', { dataTransfer });
    await target.dispatchEvent('dragover', { dataTransfer });
    await target.dispatchEvent('drop', { dataTransfer });
  } finally {
    await dataTransfer.dispose();
  }
}

/** A file input (it may be `hidden`), found by its label (by default "Choose image files"). */
export function fileInput(page: Page, label: string = FILE_INPUT_LABEL): Locator {
  return page.getByLabel(label);
}

/**
 * Choose `files` through the file input labelled "Choose image files"
 * (it may be visually hidden). Files are passed by content: only base names
 * reach the page (an `<input type=file>` without webkitdirectory has no
 * folders); use chooseFolder for relative paths.
 */
export async function chooseFiles(page: Page, files: readonly FixtureFile[], input: Locator = fileInput(page)): Promise<void> {
  await input.setInputFiles(
    files.map((f) => ({
      name: f.name.slice(f.name.lastIndexOf('/') + 1),
      mimeType: f.mimeType,
      buffer: Buffer.from(f.bytes.buffer, f.bytes.byteOffset, f.bytes.byteLength),
    })),
  );
}

/**
 * Choose a whole folder through a directory input (`<input type=file
 * webkitdirectory>`, by default the one labelled "Choose a folder of
 * images"): the page then sees each file's `webkitRelativePath`, starting
 * with the folder's own name. `dir` is a real directory, e.g. one made by
 * writeFixtureTree.
 */
export async function chooseFolder(page: Page, dir: string, input: Locator = fileInput(page, FOLDER_INPUT_LABEL)): Promise<void> {
  await input.setInputFiles(dir);
}

/**
 * Write `files` under `root`, creating their folders; returns `root`.
 * Use with `test.info().outputPath('some-folder')` for a per-test directory.
 */
export function writeFixtureTree(root: string, files: readonly FixtureFile[]): string {
  for (const file of files) {
    const path = join(root, ...file.name.split('/'));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.bytes);
  }
  mkdirSync(root, { recursive: true });
  return root;
}
