import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isBuiltinDatasetId } from '../data/builtin';
import { CONFIG_SPEC } from '../model/config';
import { check, hostileNumber, hostileText, PROTOTYPE_KEYS } from '../test/fuzz';
import { MAX_SAMPLE_IMAGES, SAMPLE_SETTINGS, type SampleSettings, settingProblem } from '../worker/settings';
import { HASH_KEYS, formatHash, parseHash, type HashState } from './urlState';

/** Property-based tests of the link reader: whatever a link holds, what it returns is what the engine's declarations allow. */

const KNOWN_KEYS = HASH_KEYS.map((k) => k.key);

/** A value a link might carry for a key: a near miss of a valid one, a hostile number or text, or junk. */
const linkValue = fc.oneof(
  hostileNumber().map(String),
  hostileText(),
  fc.constantFrom('any', 'class:', 'rows:', 'class:-1', 'class:1e3', 'rows:0x2', 'class:3:4', 'rows:64', 'rows:65', 'digits', 'icons', 'DIGITS'),
  fc.tuple(fc.constantFrom('class', 'rows', 'any', '__proto__'), hostileNumber()).map(([kind, n]) => `${kind}:${n}`),
  fc.double({ min: 0, max: 2 ** 33, noNaN: true }).map((n) => String(n)),
);
const linkKey = fc.oneof(fc.constantFrom(...KNOWN_KEYS), fc.constantFrom(...PROTOTYPE_KEYS), hostileText());
const link = fc.array(fc.tuple(linkKey, linkValue), { maxLength: 12 });

function encode(pairs: ReadonlyArray<[string, string]>): string {
  // As a browser escapes it (a lone surrogate becomes U+FFFD).
  return `#${new URLSearchParams(pairs.map(([k, v]) => [k, v])).toString()}`;
}

/** The same checks the Sampling panel and the engine make: SAMPLE_SETTINGS, and a class within CONFIG_SPEC's most classes. */
function settingsAllowed(settings: Partial<SampleSettings>): void {
  for (const [field, value] of Object.entries(settings)) {
    if (field === 'draw') continue;
    const setting = SAMPLE_SETTINGS[field as keyof typeof SAMPLE_SETTINGS];
    expect(setting, `a field the settings do not declare: ${field}`).toBeDefined();
    expect(settingProblem(setting, value)).toBeNull();
  }
  const draw = settings.draw;
  if (draw === undefined) return;
  expect(['any', 'class', 'rows']).toContain(draw.kind);
  if (draw.kind === 'class') {
    expect(Number.isInteger(draw.label) && draw.label >= 0 && draw.label < CONFIG_SPEC.classes.range!.max).toBe(true);
  }
  if (draw.kind === 'rows') expect(Number.isInteger(draw.perClass) && draw.perClass >= 1 && draw.perClass <= MAX_SAMPLE_IMAGES).toBe(true);
}

describe('the link reader, given any hash', () => {
  it('never throws, and returns only values the settings allow', () => {
    check(
      fc.property(link, (pairs) => {
        const { state, problems, unknown } = parseHash(encode(pairs));
        settingsAllowed(state.settings);
        if (state.model !== undefined) expect(isBuiltinDatasetId(state.model)).toBe(true);
        // Every pair is read, refused by name, or kept as unknown.
        expect(problems.length + unknown.length).toBeLessThanOrEqual(pairs.length);
        for (const problem of problems) expect(KNOWN_KEYS.some((key) => problem.startsWith(`“${key}=`))).toBe(true);
        // Nothing lands on the records' prototypes.
        expect(Object.getPrototypeOf(state.settings)).toBe(Object.prototype);
        expect(Object.keys(state.settings).every((field) => field in SAMPLE_SETTINGS || field === 'draw')).toBe(true);
      }),
    );
  });

  it('never throws on raw text, however it is escaped', () => {
    check(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), hostileText()), (text) => {
        settingsAllowed(parseHash(text).state.settings);
        settingsAllowed(parseHash(`#${text}`).state.settings);
      }),
    );
  });

  it('writes a link that reads back as the same state, and refuses nothing it wrote', () => {
    check(
      fc.property(link, (pairs) => {
        const { state, unknown } = parseHash(encode(pairs));
        const again = parseHash(formatHash(state, unknown));
        expect(again.problems).toEqual([]);
        expect(again.state).toEqual(state);
      }),
    );
  });

  it('reads every state the panel can hold', () => {
    const setting = (field: keyof typeof SAMPLE_SETTINGS) => {
      const s = SAMPLE_SETTINGS[field];
      return s.integer ? fc.integer({ min: s.min, max: s.max }) : fc.double({ min: s.min, max: s.max, noNaN: true }).map((n) => Number(n.toFixed(3)));
    };
    const state: fc.Arbitrary<HashState> = fc.record({
      model: fc.constantFrom('digits' as const, 'icons' as const),
      settings: fc.record({
        seed: setting('seed'),
        temperature: setting('temperature').filter((n) => n >= SAMPLE_SETTINGS.temperature.min),
        count: setting('count'),
        delayMs: setting('delayMs'),
        guidance: setting('guidance'),
        draw: fc.oneof(
          fc.constant({ kind: 'any' as const }),
          fc.integer({ min: 0, max: CONFIG_SPEC.classes.range!.max - 1 }).map((label) => ({ kind: 'class' as const, label })),
          fc.integer({ min: 1, max: MAX_SAMPLE_IMAGES }).map((perClass) => ({ kind: 'rows' as const, perClass })),
        ),
      }),
    });
    check(
      fc.property(state, (s) => {
        const read = parseHash(formatHash(s));
        expect(read.problems).toEqual([]);
        expect(read.state).toEqual(s);
      }),
    );
  });
});
