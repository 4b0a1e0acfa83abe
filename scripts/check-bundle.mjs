// Vite plugins that keep the page lean and say what every bundle weighs.
//
// pageBundleCheck (the main build): walks what index.html loads, its entry
// chunk and every chunk that chunk imports, statically or dynamically, and
// fails the build if any of them holds a module of TensorFlow.js, naming the
// module and the chain of imports that brought it in. tfjs belongs in the
// engine worker only. The page's JavaScript over its budget (350 KB) draws a
// warning. After writing, it prints the sizes (the page's
// JavaScript, each worker and the tfjs inside it) and writes them to
// dist/bundle-sizes.json, where `npm run bench` reads pageJsBytes.
//
// workerBundleSizes (each worker build): records every worker chunk's size
// and whether it holds tfjs, for the printout above (tfjs is a chunk of its
// own in each worker build, see vite.config.ts), and fails the build if the
// engine worker's entry chunk, or a chunk it imports statically, holds tfjs:
// the entry loads tfjs by dynamic import only (src/worker/engine.worker.ts).

import { writeFileSync } from 'node:fs';
import path from 'node:path';

const TFJS = /[\\/]node_modules[\\/]@tensorflow[\\/]/;

/** Worker chunks seen by the worker builds of this run, by file name. */
const workerChunks = new Map();

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
const bytesOf = (text) => Buffer.byteLength(text, 'utf8');

/** A module id as a reader knows it: a path in the project, or a package's path. */
function readable(id, root) {
  const clean = id.replace(/\?.*$/, '');
  const inPackages = clean.lastIndexOf(`${path.sep}node_modules${path.sep}`);
  if (inPackages >= 0) return clean.slice(inPackages + '/node_modules/'.length);
  return path.relative(root, clean);
}

/** The shortest chain of importers from a project module down to `id`, e.g. "src/ui/a.ts → src/model/b.ts → @tensorflow/tfjs/…". */
function importChain(context, id, root) {
  const previous = new Map([[id, null]]);
  const queue = [id];
  while (queue.length > 0) {
    const current = queue.shift();
    const info = context.getModuleInfo(current);
    const importers = [...(info?.importers ?? []), ...(info?.dynamicImporters ?? [])];
    if (importers.length === 0 || (!TFJS.test(current) && !current.includes('node_modules') && current !== id)) {
      const chain = [];
      for (let at = current; at !== null; at = previous.get(at)) chain.push(readable(at, root));
      return chain.join(' → ');
    }
    for (const importer of importers) {
      if (previous.has(importer)) continue;
      previous.set(importer, current);
      queue.push(importer);
    }
  }
  return readable(id, root);
}

/**
 * @param {{ tfjsFreeEntries?: string[] }} [options] `tfjsFreeEntries`: worker entry files whose own chunk,
 * with every chunk it imports statically, must hold no tfjs (it loads tfjs by dynamic import only), or the
 * build fails naming the module and the chain of imports that brought it in.
 */
export function workerBundleSizes({ tfjsFreeEntries = ['engine.worker.ts'] } = {}) {
  let root = process.cwd();
  return {
    name: 'worker-bundle-sizes',
    apply: 'build',
    configResolved(config) {
      root = config.root;
    },
    generateBundle(_options, bundle) {
      const chunks = Object.values(bundle).filter((c) => c.type === 'chunk');
      const entry = chunks.find((c) => c.isEntry);
      const worker = entry ? path.basename(entry.facadeModuleId ?? entry.fileName).replace(/\.[jt]s$/, '') : 'worker';
      for (const chunk of chunks) {
        const tfjs = chunk.moduleIds.some((id) => TFJS.test(id));
        workerChunks.set(path.basename(chunk.fileName), { worker, tfjs });
      }
      if (entry?.facadeModuleId && tfjsFreeEntries.includes(path.basename(entry.facadeModuleId))) {
        const byName = new Map(chunks.map((c) => [c.fileName, c]));
        const seen = new Set();
        const queue = [entry.fileName];
        while (queue.length > 0) {
          const name = queue.shift();
          if (seen.has(name) || !byName.has(name)) continue;
          seen.add(name);
          queue.push(...byName.get(name).imports);
        }
        for (const name of seen) {
          const tfjsModule = byName.get(name).moduleIds.find((id) => TFJS.test(id));
          if (tfjsModule) {
            this.error(
              `tfjs reached the worker entry: ${readable(tfjsModule, root)} is in ${name}, which ${path.basename(entry.facadeModuleId)} loads before anything else, ` +
                `through ${importChain(this, tfjsModule, root)}. The entry loads tfjs only by dynamic import, so a first visit's first grid is not held up by it.`,
            );
          }
        }
      }
    },
  };
}

/**
 * @param {{ page?: string, report?: string, budgetBytes?: number }} [options] `budgetBytes`: the page's
 * JavaScript above this draws a warning (not a failure), naming the largest chunks.
 */
export function pageBundleCheck({ page = 'index.html', report = 'bundle-sizes.json', budgetBytes = 350 * 1024 } = {}) {
  let root = process.cwd();
  let outDir = 'dist';
  let sizes = null;
  return {
    name: 'page-bundle-check',
    apply: 'build',
    configResolved(config) {
      root = config.root;
      outDir = path.resolve(config.root, config.build.outDir);
    },
    generateBundle(_options, bundle) {
      const chunks = new Map(
        Object.values(bundle)
          .filter((c) => c.type === 'chunk')
          .map((c) => [c.fileName, c]),
      );
      const entry = [...chunks.values()].find((c) => c.isEntry && c.facadeModuleId && path.basename(c.facadeModuleId) === page);
      if (!entry) this.error(`page bundle check: no entry chunk for ${page} in this build`);

      // What the HTML loads at once (the entry and its static imports), then what it may load later.
      const closure = (start, follow) => {
        const seen = new Set();
        const queue = [...start];
        while (queue.length > 0) {
          const name = queue.shift();
          if (seen.has(name) || !chunks.has(name)) continue;
          seen.add(name);
          queue.push(...follow(chunks.get(name)));
        }
        return seen;
      };
      const initial = closure([entry.fileName], (c) => c.imports);
      const everything = closure([entry.fileName], (c) => [...c.imports, ...c.dynamicImports]);

      for (const name of everything) {
        const tfjsModule = chunks.get(name).moduleIds.find((id) => TFJS.test(id));
        if (tfjsModule) {
          this.error(
            `tfjs reached the page: ${readable(tfjsModule, root)} is in ${name}, which ${page} loads, through ${importChain(this, tfjsModule, root)}. ` +
              'The page (src/ui, src/main.tsx) may import only tfjs-free modules (model/config, model/card); tfjs runs in the engine worker.',
          );
        }
      }

      const page_ = [...initial].map((name) => ({ file: name, bytes: bytesOf(chunks.get(name).code) }));
      const later = [...everything].filter((name) => !initial.has(name)).map((name) => ({ file: name, bytes: bytesOf(chunks.get(name).code) }));
      const workers = Object.values(bundle)
        .filter((a) => a.type === 'asset' && /\.js$/.test(a.fileName))
        .map((a) => {
          const known = workerChunks.get(path.basename(a.fileName));
          const bytes = typeof a.source === 'string' ? bytesOf(a.source) : a.source.byteLength;
          return { worker: known?.worker ?? 'unknown', file: a.fileName, bytes, tfjs: known?.tfjs ?? false };
        })
        .sort((a, b) => a.worker.localeCompare(b.worker) || Number(a.tfjs) - Number(b.tfjs));
      const pageBytes = page_.reduce((sum, c) => sum + c.bytes, 0);
      if (pageBytes > budgetBytes) {
        const largest = [...page_]
          .sort((a, b) => b.bytes - a.bytes)
          .slice(0, 3)
          .map((c) => `${c.file} ${kb(c.bytes)}`)
          .join(', ');
        this.warn(`the page's JavaScript is ${kb(pageBytes)}, over its budget of ${kb(budgetBytes)} (largest: ${largest})`);
      }
      sizes = {
        page,
        pageJsBytes: pageBytes,
        budgetBytes,
        pageJs: page_,
        pageLazyJs: later,
        workers,
      };
    },
    writeBundle() {
      if (!sizes) return;
      writeFileSync(path.join(outDir, report), JSON.stringify(sizes, null, 2) + '\n');
      const lines = [`\nPage bundle check: no tfjs in what ${page} loads.`];
      lines.push(`  page JavaScript (loaded before the engine worker starts): ${kb(sizes.pageJsBytes)} of a ${kb(sizes.budgetBytes)} budget`);
      for (const c of sizes.pageJs) lines.push(`    ${c.file}  ${kb(c.bytes)}`);
      for (const c of sizes.pageLazyJs) lines.push(`  page, loaded later: ${c.file}  ${kb(c.bytes)}`);
      for (const w of sizes.workers) lines.push(`  ${w.worker}: ${w.file}  ${kb(w.bytes)}${w.tfjs ? ' (tfjs)' : ''}`);
      lines.push(`  (written to ${path.relative(root, path.join(outDir, report))})`);
      console.log(lines.join('\n'));
    },
  };
}
