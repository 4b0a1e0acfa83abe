import { describe, expect, it } from 'vitest';
import { SAMPLE_SETTINGS } from '../worker/settings';
import { formatHash, hashNotices, parseHash } from './urlState';

describe('the link hash', () => {
  it('reads every setting and the built-in model, and writes them back the same', () => {
    const hash = '#model=icons&seed=1234&t=0.85&n=6&draw=class:3&speed=50&g=2.5';
    const { state, problems, unknown } = parseHash(hash);
    expect(problems).toEqual([]);
    expect(unknown).toEqual([]);
    expect(state).toEqual({
      model: 'icons',
      settings: { seed: 1234, temperature: 0.85, count: 6, draw: { kind: 'class', label: 3 }, delayMs: 50, guidance: 2.5 },
    });
    expect(formatHash(state)).toBe(hash);
    expect(parseHash('draw=rows:4&draw=any').state.settings.draw).toEqual({ kind: 'rows', perClass: 4 });
    expect(parseHash('#draw=rows:4').state.settings.draw).toEqual({ kind: 'rows', perClass: 4 });
  });

  it('names values that do not read and leaves them out; keeps keys it does not know', () => {
    const { state, problems, unknown } = parseHash('#model=cats&seed=-1&t=hot&n=65&draw=rows:0&speed=fast&g=11&mine=1&seed=7');
    expect(state).toEqual({ settings: { seed: 7 } });
    expect(problems).toEqual([
      '“model=cats” is not a built-in model (digits or icons)',
      '“seed=-1” is not seed: a whole number from 0 to 4,294,967,295',
      '“t=hot” is not temperature: a number from 0.1 to 2',
      '“n=65” is not images: a whole number from 1 to 64',
      '“draw=rows:0” is not any, class:N or rows:N',
      '“speed=fast” is not speed: a whole number from 0 to 10,000',
      '“g=11” is not guidance: a number from 0 to 10',
    ]);
    expect(unknown).toEqual([['mine', '1']]);
    expect(formatHash(state, unknown)).toBe('#seed=7&mine=1');
  });

  it('uses the first value of a key given twice that reads, and names the ones it dropped (a link never silently takes the last)', () => {
    const parsed = parseHash('#n=4&n=8&t=hot&t=0.5&t=2&seed=1');
    expect(parsed.state.settings).toEqual({ count: 4, temperature: 0.5, seed: 1 });
    expect(parsed.repeated).toEqual(['“n=8”', '“t=2”']);
    expect(hashNotices(parsed)).toEqual([
      "This link's “t=hot” is not temperature: a number from 0.1 to 2; the default is used instead.",
      'This link sets a setting more than once: “n=8”, “t=2” are dropped, and the first value that read is used.',
    ]);
    // What the page writes back holds only the value used.
    expect(formatHash(parsed.state, parsed.unknown)).toBe('#seed=1&t=0.5&n=4');
    expect(hashNotices(parseHash('#seed=1&t=0.5&n=4'))).toEqual([]);
  });

  it('names keys it does not read, cut short, and keeps them in the link', () => {
    const parsed = parseHash(`#size=99999&__proto__=1&heldout=5000&q=${'x'.repeat(200_000)}&seed=2`);
    const [notice] = hashNotices(parsed);
    expect(notice).toBe(
      "This link's “size=99999”, “__proto__=1”, “heldout=5000” and 1 more are not among the settings a link sets (model, seed, t, n, draw, speed, g); left in the link unread.",
    );
    expect(hashNotices(parseHash('#size=9&heldout=5'))[0]).toMatch(/^This link's “size=9” and “heldout=5” are not among/);
    expect(hashNotices(parseHash(`#q=${'x'.repeat(200_000)}`))[0]).toMatch(/^This link's “q=x{37}…” is not among/);
    expect(formatHash(parsed.state, parsed.unknown)).toMatch(/^#seed=2&size=99999&__proto__=1&heldout=5000&q=x+$/);
  });

  it("reads each number with the setting's own limits: what the panel and the engine take, and nothing else", () => {
    for (const [field, setting] of Object.entries(SAMPLE_SETTINGS)) {
      const key = { seed: 'seed', temperature: 't', count: 'n', delayMs: 'speed', guidance: 'g' }[field]!;
      for (const value of [setting.min, setting.max]) {
        const { state, problems } = parseHash(`#${key}=${value}`);
        expect(problems, `${key}=${value}`).toEqual([]);
        expect(state.settings, `${key}=${value}`).toEqual({ [field]: value });
        // A link written for it reads back the same.
        expect(parseHash(formatHash(state)).state).toEqual(state);
      }
      const step = setting.integer ? 1 : 0.05;
      for (const value of [setting.min - step, setting.max + step]) {
        if (value < 0) continue;
        expect(parseHash(`#${key}=${Number(value.toFixed(2))}`).problems, `${key}=${value}`).toHaveLength(1);
      }
    }
    // Numbers only as decimals: no hex, sign, exponent or blanks.
    for (const value of ['0x2', '+1', '1e1', ' 1', '', '1.']) expect(parseHash(`#t=${value}`).problems, value).toHaveLength(1);
    expect(parseHash('#t=0').problems).toHaveLength(1);
    expect(parseHash('#n=32').state.settings.count).toBe(32);
    expect(parseHash('#speed=5000').state.settings.delayMs).toBe(5000);
    expect(parseHash('#draw=class:1000').problems).toHaveLength(1);
    expect(parseHash('#draw=class:999').state.settings.draw).toEqual({ kind: 'class', label: 999 });
  });

  it('reads a fraction at the precision it writes, so a link holds the settings it set (found by urlState.fuzz.test.ts)', () => {
    // g=0.000001 was read as 0.000001 and written back as g=0: the link no longer drew what the page drew.
    expect(parseHash('#g=0.000001').state.settings.guidance).toBe(0);
    expect(parseHash('#t=1.23456').state.settings.temperature).toBe(1.235);
    const state = parseHash('#t=0.10049&g=9.9999').state;
    expect(parseHash(formatHash(state)).state).toEqual(state);
  });

  it('writes only what is set, in one order', () => {
    expect(formatHash({ settings: {} })).toBe('');
    expect(formatHash({ model: 'digits', settings: { delayMs: 0, seed: 5, draw: { kind: 'any' }, temperature: 1, count: 16 } })).toBe(
      '#model=digits&seed=5&t=1&n=16&draw=any&speed=0',
    );
  });
});
