import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';
import { pageBundleCheck, workerBundleSizes } from './scripts/check-bundle.mjs';

// Cross-origin isolation lets a threaded wasm backend use SharedArrayBuffer;
// a static host must send the same two headers.
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  // pageBundleCheck fails the build when tfjs reaches what index.html loads, and prints every bundle's size.
  plugins: [react(), pageBundleCheck()],
  worker: {
    format: 'es',
    plugins: () => [workerBundleSizes()],
    // tfjs in a chunk of its own, so the sizes say what it weighs next to the engine's own code.
    rolldownOptions: { output: { codeSplitting: { groups: [{ name: 'tfjs', test: /[\\/]node_modules[\\/]@tensorflow[\\/]/ }] } } },
  },
  build: {
    // The app, the page `npm run bench` drives, and the WebGPU kernel-test page the e2e suite drives.
    rolldownOptions: { input: { main: 'index.html', bench: 'bench.html', kernelTests: 'kernel-tests.html' } },
  },
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
  },
});
