import fc from 'fast-check';
import { hostileValue, PROTOTYPE_KEYS } from './fuzz';

/**
 * Hostile edits of a valid JSON document (a model file, a card): one value
 * anywhere in it replaced by a hostile one, a field deleted, or a field
 * added (prototype keys included). Applied to the document's text, so a
 * "__proto__" key arrives as JSON.parse makes it: an own property.
 */

type Path = Array<string | number>;

/** Every path in `value` down to `maxDepth`, the root included. */
function pathsOf(value: unknown, maxDepth: number, at: Path = [], into: Path[] = []): Path[] {
  into.push(at);
  if (at.length >= maxDepth || typeof value !== 'object' || value === null) return into;
  if (Array.isArray(value)) value.forEach((item, i) => pathsOf(item, maxDepth, [...at, i], into));
  else for (const [key, item] of Object.entries(value)) pathsOf(item, maxDepth, [...at, key], into);
  return into;
}

type Edit = { kind: 'replace'; value: unknown } | { kind: 'delete' } | { kind: 'add'; key: string; value: unknown };

function applyEdit(root: unknown, path: Path, edit: Edit): unknown {
  if (path.length === 0) return edit.kind === 'replace' ? edit.value : root;
  const parent = path.slice(0, -1).reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], root) as Record<string | number, unknown>;
  const key = path[path.length - 1];
  const target = parent[key];
  if (edit.kind === 'replace') parent[key] = edit.value;
  else if (edit.kind === 'delete') {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key];
  } else if (typeof target === 'object' && target !== null && !Array.isArray(target)) {
    Object.defineProperty(target, edit.key, { value: edit.value, enumerable: true, configurable: true, writable: true });
  }
  return root;
}

const edit: fc.Arbitrary<Edit> = fc.oneof(
  { weight: 3, arbitrary: hostileValue().map((value): Edit => ({ kind: 'replace', value })) },
  { weight: 1, arbitrary: fc.constant<Edit>({ kind: 'delete' }) },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.oneof(fc.constantFrom(...PROTOTYPE_KEYS), fc.string()), hostileValue()).map(([key, value]): Edit => ({ kind: 'add', key, value })),
  },
);

/** The JSON text of `valid` after 1 to `most` hostile edits. */
export function mutatedJson(valid: unknown, { most = 3, maxDepth = 4 } = {}): fc.Arbitrary<string> {
  const text = JSON.stringify(valid);
  return fc.array(fc.tuple(fc.nat(), edit), { minLength: 1, maxLength: most }).map((edits) => {
    let root: unknown = JSON.parse(text);
    for (const [pick, generated] of edits) {
      // A copy: fast-check replays generated values while it shrinks, so they must not be edited in place.
      const change = structuredClone(generated);
      const paths = pathsOf(root, maxDepth);
      root = applyEdit(root, paths[pick % paths.length], change);
    }
    // undefined values vanish from the text, as they would from a file.
    return JSON.stringify(root) ?? 'null';
  });
}
