import { describe, expect, it } from 'vitest';
import { formatHash, parseHash } from './urlState';

describe('the link hash', () => {
  it('reads every setting and the built-in model, and writes them back the same', () => {
    const hash = '#model=icons&seed=1234&t=0.85&n=6&draw=class:3&speed=50';
    const { state, problems, unknown } = parseHash(hash);
    expect(problems).toEqual([]);
    expect(unknown).toEqual([]);
    expect(state).toEqual({ model: 'icons', settings: { seed: 1234, temperature: 0.85, count: 6, draw: { kind: 'class', label: 3 }, delayMs: 50 } });
    expect(formatHash(state)).toBe(hash);
    expect(parseHash('draw=rows:4&draw=any').state.settings.draw).toEqual({ kind: 'any' });
    expect(parseHash('#draw=rows:4').state.settings.draw).toEqual({ kind: 'rows', perClass: 4 });
  });

  it('names values that do not read and leaves them out; keeps keys it does not know', () => {
    const { state, problems, unknown } = parseHash('#model=cats&seed=-1&t=hot&n=17&draw=rows:0&speed=fast&mine=1&seed=7');
    expect(state).toEqual({ settings: { seed: 7 } });
    expect(problems).toEqual([
      '“model=cats” is not a built-in model (digits or icons)',
      '“seed=-1” is not a whole number from 0',
      '“t=hot” is not a temperature from 0 to 2',
      '“n=17” is not a number of images from 1 to 16',
      '“draw=rows:0” is not any, class:N or rows:N',
      '“speed=fast” is not a pause per pixel in ms, from 0 to 2000',
    ]);
    expect(unknown).toEqual([['mine', '1']]);
    expect(formatHash(state, unknown)).toBe('#seed=7&mine=1');
  });

  it('writes only what is set, in one order', () => {
    expect(formatHash({ settings: {} })).toBe('');
    expect(formatHash({ model: 'digits', settings: { delayMs: 0, seed: 5, draw: { kind: 'any' }, temperature: 1, count: 16 } })).toBe(
      '#model=digits&seed=5&t=1&n=16&draw=any&speed=0',
    );
  });
});
