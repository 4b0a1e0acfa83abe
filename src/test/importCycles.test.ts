import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, modulesUnder, resolveLocal, staticImports } from './moduleImports';

/**
 * No module under src imports itself, however far round: the floors
 * (model, then data and kernels, then worker, then ui, then the tools) only
 * work while every arrow points one way, and a cycle is where that starts to
 * give. Type-only imports count too: they vanish from the bundle, but not
 * from what a reader must hold in mind to change a module, and one edit
 * turns them into value imports (the cycle pixelcnn → gatedPixelCNN →
 * layers → pixelcnn was type-only before the model got its contract module,
 * network.ts).
 */

type Graph = Map<string, string[]>;

/** src's modules, each with the modules of src it imports statically. */
function srcGraph(): Graph {
  const graph: Graph = new Map();
  for (const file of modulesUnder(path.join(ROOT, 'src'))) {
    const targets = staticImports(file)
      .map((i) => resolveLocal(file, i.specifier))
      .filter((target): target is string => target !== null);
    graph.set(path.relative(ROOT, file), [...new Set(targets.map((t) => path.relative(ROOT, t)))]);
  }
  return graph;
}

/**
 * One cycle for each knot of the graph (a strongly connected component of
 * more than one module, or a module that imports itself), written
 * a → b → … → a from the knot's first module in sorted order.
 */
function findCycles(graph: Graph): string[][] {
  // Tarjan's strongly connected components.
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const knots: string[][] = [];
  const visit = (node: string) => {
    index.set(node, counter);
    low.set(node, counter);
    counter++;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!));
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || (graph.get(node) ?? []).includes(node)) knots.push(component.sort());
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return knots.sort((a, b) => a[0].localeCompare(b[0])).map((knot) => shortestCycle(graph, knot));
}

/** The shortest way from the knot's first module back to itself, inside the knot. */
function shortestCycle(graph: Graph, knot: string[]): string[] {
  const start = knot[0];
  const members = new Set(knot);
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const next of graph.get(node) ?? []) {
      if (!members.has(next)) continue;
      if (next === start) {
        const way = [node];
        while (way[0] !== start) way.unshift(cameFrom.get(way[0])!);
        return [...way, start];
      }
      if (!cameFrom.has(next)) {
        cameFrom.set(next, node);
        queue.push(next);
      }
    }
  }
  throw new Error(`no cycle through ${start}`);
}

describe('imports under src', () => {
  it('form no cycle', () => {
    const cycles = findCycles(srcGraph()).map((cycle) => cycle.join(' → '));
    expect(cycles).toEqual([]);
  });

  it('the check names a cycle where there is one (so a pass above means something)', () => {
    const graph: Graph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts', 'd.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', []],
      ['e.ts', ['e.ts']],
    ]);
    expect(findCycles(graph)).toEqual([
      ['a.ts', 'b.ts', 'c.ts', 'a.ts'],
      ['e.ts', 'e.ts'],
    ]);
    expect(
      findCycles(
        new Map([
          ['a.ts', ['b.ts']],
          ['b.ts', []],
        ]),
      ),
    ).toEqual([]);
  });

  it('reads every kind of static import, type-only ones included', () => {
    const imports = staticImports(path.join(ROOT, 'src/test/importCycles.test.ts'));
    expect(imports.map((i) => i.specifier)).toEqual(['node:path', 'vitest', './moduleImports']);
    const gated = srcGraph().get('src/model/gatedPixelCNN.ts');
    expect(gated).toContain('src/model/network.ts');
  });
});
