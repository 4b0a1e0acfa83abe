// ESLint flat config. `npm run lint` runs ESLint and then `prettier --check`; prettier owns the layout, so no rule here is
// about style. Why each piece is here:
//   @eslint/js recommended         the core rules that catch real mistakes in any JavaScript;
//   typescript-eslint recommended  the same for TypeScript, and the parser for .ts/.tsx/.mts. The syntactic presets only:
//                                  the type-checked ones run tsc's checker a second time, more than doubling the run, and
//                                  want a pass over their findings first (floating promises, async without await, ...);
//   react-hooks recommended        the rules of hooks and the React Compiler's checks, for the page's components;
//   globals                        each environment's own globals: page, worker, Node scripts, tests.
// typescript-eslint reads TypeScript through its JavaScript API, which TypeScript 7 does not have: package.json
// installs TypeScript 6 as `typescript` for it, and TypeScript 7 as `@typescript/native`, whose `tsc` type-checks.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

export default defineConfig(
  {
    // Not linted: docs, data, the Python twin, generated code (kernels.generated.ts is written by `npm run build-wasm`
    // from kernels.wat, and a test fails when it drifts), and git-ignored output and caches.
    ignores: [
      'docs/',
      'pretraining/',
      'public/',
      'python/',
      '**/*.generated.*',
      'dist/',
      'test-results/',
      'playwright-report/',
      '.pretrain/',
      '.test-sets/',
      '.probe/',
      '.cache/',
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // A leading `_` marks a name unused on purpose, and `const { a, ...rest } = x` is how the code leaves a field out.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
    },
  },
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.mts'],
    rules: {
      // tsc checks every name against each environment's lib (tsconfig.page.json, tsconfig.worker.json), better than a globals list can.
      'no-undef': 'off',
    },
  },
  {
    files: ['src/**/*.tsx'],
    ...reactHooks.configs.flat.recommended,
  },
  // The environments, as in the tsconfigs: the page, the workers, Node (scripts, tools, tests, build configs).
  { files: ['src/**'], languageOptions: { globals: { ...globals.browser, ...globals.worker } } },
  { files: ['src/main.tsx', 'src/preloadEngine.ts', 'src/ui/**', 'src/bench/main.ts', 'src/kernelTests/**'], languageOptions: { globals: globals.browser } },
  { files: ['src/worker/**', 'src/bench/bench.worker.ts'], languageOptions: { globals: globals.worker } },
  { files: ['scripts/**', 'src/node/**', 'src/pretrain/**', 'src/eval/**', 'src/twin/**', '*.config.{js,ts}'], languageOptions: { globals: globals.node } },
  {
    files: ['**/*.test.ts', 'src/test/**', 'src/worker/testEngine.ts', 'src/worker/dataParallel/testHelpers.ts'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
  // The end-to-end tests and the benches that drive Chromium run under Node, and the callbacks they hand to page.evaluate run in the page.
  { files: ['e2e/**', 'scripts/bench.mjs', 'scripts/bench-first-pixel.mjs'], languageOptions: { globals: { ...globals.node, ...globals.browser } } },
);
