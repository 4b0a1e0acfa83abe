import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * How src's modules import each other, read from their text: what the tests
 * that guard the code's shape walk (tfjsFree.test.ts, importCycles.test.ts).
 * Only static imports: `import … from`, `export … from` and bare `import '…'`.
 * A dynamic `import()` loads its module later, so it is not followed.
 */

export const ROOT = path.resolve(__dirname, '../..');

export interface StaticImport {
  specifier: string;
  /** `import type …` or `export type …`: gone once compiled. (`import { type A }` is not: under isolatedModules the import may stay.) */
  typeOnly: boolean;
}

/** `file`'s static imports, in the order they are written. */
export function staticImports(file: string): StaticImport[] {
  const text = readFileSync(file, 'utf8');
  const found: StaticImport[] = [];
  // An import or export clause holds no quote and no semicolon before its `from`.
  for (const match of text.matchAll(/^(?:import|export)\s+(type\s+)?[^'";]*?\bfrom\s+['"]([^'"]+)['"]/gm)) {
    found.push({ specifier: match[2], typeOnly: match[1] !== undefined });
  }
  for (const match of text.matchAll(/^import\s+['"]([^'"]+)['"]/gm)) found.push({ specifier: match[1], typeOnly: false });
  return found;
}

/** The modules `file` imports for their values (type-only imports vanish when compiled). */
export function valueImports(file: string): string[] {
  return staticImports(file)
    .filter((i) => !i.typeOnly)
    .map((i) => i.specifier);
}

/**
 * The TypeScript module a relative specifier names, as the bundler finds it;
 * null for a package, or for a file that is no TypeScript module (a
 * stylesheet, JSON, a script in scripts/). A specifier that names nothing
 * is an error.
 */
export function resolveLocal(from: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null;
  const base = path.resolve(path.dirname(from), specifier.replace(/\?.*$/, ''));
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts')]) {
    if (existsSync(candidate) && /\.tsx?$/.test(candidate)) return candidate;
  }
  if (existsSync(base) && !/\.tsx?$/.test(base)) return null;
  throw new Error(`${path.relative(ROOT, from)} imports ${specifier}, which is not a file here`);
}

/** Every TypeScript module under `dir` (declaration files left out), sorted. */
export function modulesUnder(dir: string): string[] {
  const found: string[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) found.push(full);
    }
  };
  walk(dir);
  return found.sort();
}
