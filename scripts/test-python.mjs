#!/usr/bin/env node
// `npm run test:python`: the PyTorch twin's tests (python/tests, pytest),
// including its parity with the app's tfjs code. Runs PIXELCNN_PYTHON, else
// Debian's /usr/bin/python3, else python3. Without PyTorch and pytest the
// tests are skipped with a notice, except under CI (CI=true), where that is
// a failure: .ci/run installs python3-torch and python3-pytest with apt-get.
//
//   npm run test:python -- -k adam      extra arguments go to pytest

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const python = process.env.PIXELCNN_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
const probe = spawnSync(python, ['-c', 'import torch, pytest, numpy'], { stdio: 'ignore' });
if (probe.status !== 0) {
  const message =
    `test:python: ${python} cannot import torch, pytest and numpy, so the PyTorch twin's tests cannot run ` +
    '(Debian: apt-get install python3-torch python3-pytest python3-numpy; or set PIXELCNN_PYTHON).';
  if (process.env.CI && process.env.CI !== 'false') {
    console.error(message);
    process.exit(1);
  }
  console.error(`${message} Skipped.`);
  process.exit(0);
}
const result = spawnSync(python, ['-m', 'pytest', 'python/tests', '-q', '-p', 'no:cacheprovider', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
