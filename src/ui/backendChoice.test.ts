import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../model/config';
import type { BackendTrial } from '../worker/protocol';
import { loadRememberedTrial, readRememberedTrial, rememberTrial } from './backendChoice';

/**
 * The remembered backend timings, read field by field: a trial that lacks
 * what the engine or the badge reads is not used, and a notice names the
 * field; a figure's optional field of the wrong kind is dropped, named.
 */

const trial: BackendTrial = {
  key: 'k',
  config: DEFAULT_CONFIG,
  batch: 8,
  steps: 3,
  figures: [
    { name: 'wasm', adapter: 'cpu', software: true, outcome: 'timed', msPerStep: 120, warmUpMs: 300, trialMs: 900, cores: 2 },
    { name: 'webgl', adapter: 'swiftshader', software: true, outcome: 'too-slow', note: 'slower than wasm' },
  ],
  chosen: 'wasm',
  totalMs: 2000,
  measuredAt: '2026-12-07T08:00:00.000Z',
  source: 'measured',
};

const KEY = 'pixelcnn.backendTrial';

describe('the remembered backend timings', () => {
  let items: Map<string, string>;
  beforeEach(() => {
    items = new Map();
    (globalThis as { localStorage?: unknown }).localStorage = {
      getItem: (key: string) => items.get(key) ?? null,
      setItem: (key: string, value: string) => void items.set(key, value),
      removeItem: (key: string) => void items.delete(key),
    };
  });
  afterEach(() => {
    delete (globalThis as { localStorage?: unknown }).localStorage;
  });

  it('gives back a trial as it was remembered', () => {
    rememberTrial(trial);
    expect(readRememberedTrial()).toEqual({ trial, notice: null });
    items.clear();
    expect(readRememberedTrial()).toEqual({ trial: undefined, notice: null });
  });

  for (const field of ['key', 'config', 'batch', 'steps', 'figures', 'chosen', 'totalMs', 'measuredAt'] as const) {
    it(`is not used without '${field}', or with one of the wrong kind, and says so`, () => {
      const { [field]: _gone, ...rest } = trial;
      items.set(KEY, JSON.stringify(rest));
      expect(readRememberedTrial()).toEqual({
        trial: undefined,
        notice: `The remembered backend timings had no '${field}'; the backends are timed again.`,
      });
      items.set(KEY, JSON.stringify({ ...trial, [field]: field === 'figures' ? 'fast' : { wrong: true } }));
      expect(loadRememberedTrial()).toBeUndefined();
      expect(readRememberedTrial().notice).toBe(`The remembered backend timings had '${field}' of the wrong kind; the backends are timed again.`);
    });
  }

  it('a figure without what the badge shows makes the trial unused; an optional field of the wrong kind is dropped, and the rest used', () => {
    items.set(KEY, JSON.stringify({ ...trial, figures: [{ ...trial.figures[0], adapter: 5 }] }));
    expect(readRememberedTrial()).toEqual({
      trial: undefined,
      notice: "The remembered backend timings had 'figures.1.adapter' of the wrong kind; the backends are timed again.",
    });
    items.set(KEY, JSON.stringify({ ...trial, figures: [{ ...trial.figures[0], msPerStep: 'quick' }, 7] }));
    expect(readRememberedTrial().trial).toBeUndefined();
    items.set(KEY, JSON.stringify({ ...trial, figures: [{ ...trial.figures[0], msPerStep: 'quick' }, trial.figures[1]] }));
    const { [`msPerStep`]: _gone, ...first } = trial.figures[0]!;
    expect(readRememberedTrial()).toEqual({
      trial: { ...trial, figures: [first, trial.figures[1]] },
      notice: "The remembered backend timings had 'figures.1.msPerStep' of the wrong kind; they are used without it.",
    });
  });

  it('an entry that does not read is not used, saying so', () => {
    items.set(KEY, '{ not json');
    expect(readRememberedTrial()).toEqual({ trial: undefined, notice: 'The remembered backend timings could not be read; the backends are timed again.' });
  });
});
