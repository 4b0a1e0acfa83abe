// Types for chromium-path.mjs, so playwright.config.ts and e2e/ can import it.

export declare const CHROMIUM_ENV_VARS: readonly string[];
export declare const SYSTEM_CHROMIUM_PATHS: readonly string[];
export declare function isExecutableFile(path: string): boolean;
export declare function chromiumFromEnv(env?: NodeJS.ProcessEnv): { name: string; value: string } | null;
export declare function findChromium(env?: NodeJS.ProcessEnv): string | null;
export declare function chromiumHelp(env?: NodeJS.ProcessEnv): string;
