import fc from 'fast-check';

/**
 * What the property-based tests of untrusted input share: how many cases
 * each property tries and from which seed, and generators of hostile
 * values. `npm test` runs a fixed seed, so a failure there fails the same
 * way every time; `FUZZ_RUNS=5000 npx vitest run <file>` tries more cases
 * locally, and `FUZZ_SEED` another seed (fast-check prints the seed and the
 * shrunk case of a failure).
 */

function fromEnvironment(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number, got "${text}".`);
  return value;
}

/** Cases per property: FUZZ_RUNS, else a number that keeps the whole property suite to a few seconds. */
export const FUZZ_RUNS = fromEnvironment('FUZZ_RUNS') ?? 100;

/** The seed of every property: FUZZ_SEED, else a fixed one. */
export const FUZZ_SEED = fromEnvironment('FUZZ_SEED') ?? 25;

/** fast-check's parameters for a property; `scale` runs fewer cases for an expensive one (at least 1). */
export function fuzzParameters(scale = 1): fc.Parameters<unknown> {
  return { numRuns: Math.max(1, Math.round(FUZZ_RUNS * scale)), seed: FUZZ_SEED };
}

/** Asserts `property` with the suite's run count and seed. */
export function check<T>(property: fc.IProperty<T> | fc.IAsyncProperty<T>, scale = 1): void | Promise<void> {
  return fc.assert(property as fc.IProperty<T>, fuzzParameters(scale) as fc.Parameters<T>);
}

/** Keys that mean something to JavaScript objects: a reader that copies keys into a record must not be fooled by them. */
export const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty'] as const;

/** Numbers a reader must refuse or bound: not finite, negative, huge, tiny, fractional, negative zero. */
export function hostileNumber(): fc.Arbitrary<number> {
  return fc.oneof(
    fc.constantFrom(NaN, Infinity, -Infinity, -0, -1, 0, 1, 0.5, 2 ** 31, 2 ** 32, 2 ** 53, Number.MAX_VALUE, Number.MIN_VALUE, -(2 ** 53), 1e-300),
    fc.integer({ min: -1_000_000, max: 1_000_000 }),
    fc.double(),
  );
}

/** Text a reader must not trip on: unicode, controls, separators, path climbs, prototype keys, very long. */
export function hostileText(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string(),
    fc.string({ unit: 'grapheme' }),
    fc.string({ unit: 'binary' }),
    fc.constantFrom('', ' ', '..', '.', '/', '\\', '%', '%00', '\u0000', '\u202e', '\ud800', 'NaN', 'Infinity', '-1', '1e999', '0x10', ...PROTOTYPE_KEYS),
    fc.string({ minLength: 1, maxLength: 4 }).map((s) => s.repeat(2000)),
  );
}

/** Any JSON-like value of the wrong kind: numbers, text, booleans, null, arrays and records (prototype keys included), nested. */
export function hostileValue(): fc.Arbitrary<unknown> {
  const { value } = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      hostileNumber(),
      hostileText(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(fc.oneof(fc.string(), fc.constantFrom(...PROTOTYPE_KEYS)), tie('value'), { maxKeys: 4 }),
    ),
  }));
  return value;
}

/** A value nested `depth` times in arrays or records: deeper than any reader should walk blindly. */
export function deeplyNested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { a: value };
  return value;
}

/** Bytes as a hostile file would hold them: any bytes, or `valid` cut short, with some bytes changed, or padded. */
export function corruptedBytes(valid: Uint8Array): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    fc.uint8Array({ maxLength: 256 }),
    fc.nat({ max: valid.length }).map((end) => valid.slice(0, end)),
    fc.array(fc.tuple(fc.nat({ max: Math.max(0, valid.length - 1) }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }).map((changes) => {
      const bytes = valid.slice();
      for (const [at, value] of changes) if (at < bytes.length) bytes[at] = value;
      return bytes;
    }),
    fc.uint8Array({ minLength: 1, maxLength: 64 }).map((tail) => {
      const bytes = new Uint8Array(valid.length + tail.length);
      bytes.set(valid);
      bytes.set(tail, valid.length);
      return bytes;
    }),
  );
}
