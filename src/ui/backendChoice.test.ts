import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../model/config';
import type { BackendTrial } from '../worker/protocol';
import { loadRememberedTrial, readBackendChoice, readRememberedTrial, rememberTrial, saveBackendChoice, searchWithoutRefusedBackend } from './backendChoice';

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

describe('the backend choice (a link, then the remembered one)', () => {
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

  it('takes the link first, then the remembered choice, then auto, and says nothing when each reads', () => {
    expect(readBackendChoice('')).toEqual({ choice: 'auto', linkNotice: null, rememberedNotice: null });
    saveBackendChoice('webgl');
    expect(readBackendChoice('')).toEqual({ choice: 'webgl', linkNotice: null, rememberedNotice: null });
    expect(readBackendChoice('?backend=cpu')).toEqual({ choice: 'cpu', linkNotice: null, rememberedNotice: null });
  });

  it('names a remembered choice that is none, forgets it (said once), and picks automatically', () => {
    items.set('pixelcnn.backend', 'webgpu2');
    expect(readBackendChoice('')).toEqual({
      choice: 'auto',
      linkNotice: null,
      rememberedNotice:
        'The remembered backend choice “webgpu2” is not one of webgpu, webgl, wasm, cpu or auto; it is forgotten, and the app picks the backend itself.',
    });
    expect(items.has('pixelcnn.backend')).toBe(false);
    expect(readBackendChoice('').rememberedNotice).toBeNull();
    items.set('pixelcnn.backend', '__proto__'.repeat(20));
    expect(readBackendChoice('').rememberedNotice).toContain(`“${'__proto__'.repeat(20).slice(0, 40)}…”`);
  });

  it("names a link's backend that is none, uses the remembered choice, and leaves it out of the address bar", () => {
    saveBackendChoice('wasm');
    expect(readBackendChoice('?backend=gpu')).toEqual({
      choice: 'wasm',
      linkNotice: "This link's “backend=gpu” is not one of webgpu, webgl, wasm, cpu or auto; the remembered wasm is used instead.",
      rememberedNotice: null,
    });
    expect(searchWithoutRefusedBackend('?backend=gpu&x=1')).toBe('?x=1');
    expect(searchWithoutRefusedBackend('?backend=gpu')).toBe('');
    expect(searchWithoutRefusedBackend('?backend=wasm')).toBe('?backend=wasm');
  });

  it('storage that throws reads as nothing remembered', () => {
    (globalThis as { localStorage?: unknown }).localStorage = {
      getItem: () => {
        throw new Error('SecurityError');
      },
    };
    expect(readBackendChoice('?backend=cpu')).toEqual({ choice: 'cpu', linkNotice: null, rememberedNotice: null });
  });
});
