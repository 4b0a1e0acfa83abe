// Where to find a Chromium for the end-to-end tests.
//
// Playwright cannot download its own browsers on our machines, so the tests
// drive a system Chromium (Debian's `chromium` package). This module only
// resolves the path; scripts/ensure-chromium.mjs installs one when missing,
// and playwright.config.ts launches whatever this returns.

import { accessSync, constants, statSync } from 'node:fs';

/** Environment variables that name a Chromium explicitly, in priority order. */
export const CHROMIUM_ENV_VARS = ['CHROMIUM_PATH', 'PLAYWRIGHT_CHROMIUM_PATH'];

/** Where a system Chromium usually lives, in priority order. */
export const SYSTEM_CHROMIUM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** True if `path` is an existing, executable regular file. */
export function isExecutableFile(path) {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The environment variable that names a Chromium, if one is set (non-empty).
 * @returns {{ name: string, value: string } | null}
 */
export function chromiumFromEnv(env = process.env) {
  for (const name of CHROMIUM_ENV_VARS) {
    const value = env[name];
    if (value && value.trim() !== '') return { name, value: value.trim() };
  }
  return null;
}

/**
 * Resolve the Chromium to use.
 *
 * An explicit CHROMIUM_PATH / PLAYWRIGHT_CHROMIUM_PATH wins and is the only
 * candidate (a typo there should fail loudly, not quietly fall back). Otherwise
 * the first executable of SYSTEM_CHROMIUM_PATHS is used.
 *
 * @returns {string | null} an executable path, or null if none was found
 */
export function findChromium(env = process.env) {
  const fromEnv = chromiumFromEnv(env);
  if (fromEnv) return isExecutableFile(fromEnv.value) ? fromEnv.value : null;
  for (const path of SYSTEM_CHROMIUM_PATHS) {
    if (isExecutableFile(path)) return path;
  }
  return null;
}

/** A few lines telling a person how to get a Chromium for the tests. */
export function chromiumHelp(env = process.env) {
  const fromEnv = chromiumFromEnv(env);
  const lines = [];
  if (fromEnv) {
    lines.push(`${fromEnv.name}=${fromEnv.value} is not an executable file.`);
  } else {
    lines.push(`No Chromium found (looked at ${SYSTEM_CHROMIUM_PATHS.join(', ')}).`);
  }
  lines.push(
    'The end-to-end tests drive a system Chromium (Playwright cannot download its own here).',
    'Install one:   sudo apt-get install chromium     (Debian/Ubuntu)',
    'or point to one:   CHROMIUM_PATH=/path/to/chromium npm test',
  );
  return lines.join('\n');
}
