#!/usr/bin/env node
// The app's model config declaration (CONFIG_SPEC in src/model/config.ts) as
// JSON on stdout, for the PyTorch twin's test that its own ranges agree
// (python/tests/test_config_spec.py):
//
//   node scripts/config-spec.mjs
//
// Each field: its label, default, range, whether it takes fractions, its
// choices, oddness and colour split, and `older` (what a file written before
// the field existed had) worked out for OLDER_SAMPLE, which lacks every
// field but the first ones. TypeScript loads through Vite's module runner.

import { fileURLToPath } from 'node:url';
import { runnerImport } from 'vite';

/** A config as the first model files wrote it: before architecture, the first kernel, the head, the embedding, position, classes and label dropout. */
const OLDER_SAMPLE = { height: 8, width: 8, colorChannels: 1, levels: 4, hiddenChannels: 6, layers: 2, kernelSize: 5 };

const root = fileURLToPath(new URL('..', import.meta.url));
const { module } = await runnerImport(`${root}src/model/config.ts`, { root, logLevel: 'error' });
const fields = Object.entries(module.CONFIG_SPEC).map(([name, spec]) => ({
  name,
  label: spec.label,
  default: spec.default,
  range: spec.range ?? null,
  fraction: spec.fraction ?? false,
  choices: spec.choices?.map((choice) => choice.value) ?? null,
  odd: spec.odd ?? false,
  colourGroups: spec.colourGroups !== undefined,
  ...(spec.older ? { older: spec.older(OLDER_SAMPLE) } : {}),
}));
process.stdout.write(`${JSON.stringify({ olderSample: OLDER_SAMPLE, fields })}\n`);
