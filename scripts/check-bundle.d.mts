// Types for check-bundle.mjs, so vite.config.ts can import it.
import type { Plugin } from 'vite';

export declare function pageBundleCheck(options?: { page?: string; report?: string; budgetBytes?: number }): Plugin;
export declare function workerBundleSizes(): Plugin;
