import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';
import { pageBundleCheck, workerBundleSizes } from './scripts/check-bundle.mjs';

// Cross-origin isolation lets a threaded wasm backend use SharedArrayBuffer;
// a static host must send the same two headers.
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  // Files are what their Content-Type says, never sniffed into scripts.
  'X-Content-Type-Options': 'nosniff',
};

/**
 * index.html's Content-Security-Policy allows scripts from this origin only;
 * the dev server alone adds 'unsafe-inline' for the React refresh preamble it
 * inlines. The built app keeps the strict policy.
 */
const relaxCspForDev = {
  name: 'relax-csp-for-dev',
  apply: 'serve' as const,
  transformIndexHtml: (html: string) => html.replace("script-src 'self' 'wasm-unsafe-eval'", "script-src 'self' 'wasm-unsafe-eval' 'unsafe-inline'"),
};

export default defineConfig({
  // pageBundleCheck fails the build when tfjs reaches what index.html loads, and prints every bundle's size.
  plugins: [react(), pageBundleCheck(), relaxCspForDev],
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
