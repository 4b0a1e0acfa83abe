#!/usr/bin/env node
// Make sure a Chromium for the end-to-end tests is present.
//
// Found (see chromium-path.mjs): print it and exit 0.
// Missing, running as root on Debian/Ubuntu: install `chromium` with apt-get.
// Missing otherwise: say how to install one, exit 1.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromiumFromEnv, chromiumHelp, findChromium } from './chromium-path.mjs';

function log(message) {
  console.log(`[ensure-chromium] ${message}`);
}

function printVersion(path) {
  const result = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  const version = (result.stdout ?? '').trim();
  log(`using ${path}${version ? ` (${version})` : ''}`);
}

function canAptInstall() {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = existsSync('/usr/bin/apt-get');
  const isDebianLike = existsSync('/etc/debian_version');
  return isRoot && hasApt && isDebianLike;
}

function run(command, args) {
  log(`running: ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
  }
}

function main() {
  const found = findChromium();
  if (found) {
    printVersion(found);
    return 0;
  }

  // An explicit path that does not exist is a mistake to report, not to paper over.
  if (chromiumFromEnv()) {
    console.error(chromiumHelp());
    return 1;
  }

  if (!canAptInstall()) {
    console.error(chromiumHelp());
    return 1;
  }

  log("no Chromium found; installing Debian's `chromium` package with apt-get (root, non-interactive)");
  try {
    run('apt-get', ['update']);
    run('apt-get', ['install', '-y', 'chromium']);
  } catch (error) {
    console.error(`[ensure-chromium] apt-get failed: ${error instanceof Error ? error.message : error}`);
    console.error(chromiumHelp());
    return 1;
  }

  const installed = findChromium();
  if (!installed) {
    console.error('[ensure-chromium] apt-get finished but no Chromium is at the expected paths.');
    console.error(chromiumHelp());
    return 1;
  }
  printVersion(installed);
  return 0;
}

process.exitCode = main();
