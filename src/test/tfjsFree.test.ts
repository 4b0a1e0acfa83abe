import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, resolveLocal, valueImports } from './moduleImports';

/**
 * Modules that must load without tfjs: what the worker runs to draw a first
 * visit's first grid while tfjs is still loading. Each is followed through
 * its value imports (type-only imports vanish when compiled); none may reach
 * a tfjs package.
 */
const TFJS_FREE = [
  'src/model/fileSampler.ts',
  'src/model/modelFile.ts',
  'src/model/sampling.ts',
  'src/model/incrementalArithmetic.ts',
  'src/worker/earlyGrid.ts',
];

/** The chain of modules from `entry` to the first package import matching `forbidden`, or null. */
function pathTo(entry: string, forbidden: RegExp): string[] | null {
  const seen = new Set<string>();
  const visit = (file: string, chain: string[]): string[] | null => {
    if (seen.has(file)) return null;
    seen.add(file);
    for (const specifier of valueImports(file)) {
      if (forbidden.test(specifier)) return [...chain, path.relative(ROOT, file), specifier];
      const next = resolveLocal(file, specifier);
      const found = next && visit(next, [...chain, path.relative(ROOT, file)]);
      if (found) return found;
    }
    return null;
  };
  return visit(path.join(ROOT, entry), []);
}

describe('modules that run before tfjs has loaded', () => {
  for (const entry of TFJS_FREE) {
    it(`${entry} reaches no tfjs`, () => {
      expect(pathTo(entry, /^@tensorflow\//)?.join(' → ') ?? null).toBeNull();
    });
  }

  it('the check finds tfjs where it is imported (so a pass above means something)', () => {
    expect(pathTo('src/model/referenceSampler.ts', /^@tensorflow\//)).toEqual(['src/model/referenceSampler.ts', '@tensorflow/tfjs']);
    expect(pathTo('src/model/serialize.ts', /^@tensorflow\//)?.at(-1)).toBe('@tensorflow/tfjs');
  });
});
