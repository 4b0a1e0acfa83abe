#!/usr/bin/env node
// The tfjs side of the PyTorch twin's parity tests (python/tests):
//
//   node scripts/twin-parity.mjs jobs.json answers.json
//
// jobs.json is a list of jobs (src/twin/parity.ts says which); answers.json
// gets { backend, answers } with one answer per job, in order.
// TypeScript sources load through Vite's module runner, so no TS runner is needed.

import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runnerImport } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const [jobsFile, answersFile] = process.argv.slice(2);
if (!jobsFile || !answersFile) {
  console.error('usage: node scripts/twin-parity.mjs jobs.json answers.json');
  process.exit(2);
}
const jobs = JSON.parse(fs.readFileSync(jobsFile, 'utf8'));
const { module } = await runnerImport(`${root}src/twin/parity.ts`, { root, logLevel: 'error' });
const result = await module.runParityJobs(root, jobs);
fs.writeFileSync(answersFile, JSON.stringify(result));
