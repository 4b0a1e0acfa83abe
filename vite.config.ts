import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// Cross-origin isolation lets a threaded wasm backend use SharedArrayBuffer;
// a static host must send the same two headers.
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  plugins: [react()],
  worker: { format: 'es' },
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
