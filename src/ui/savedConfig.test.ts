import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONFIG_SPEC, DEFAULT_CONFIG, type PixelCNNConfig } from '../model/config';
import { loadSavedConfig, readSavedConfig, saveConfig } from './savedConfig';

/** A stand-in for the browser's localStorage. */
function fakeStorage(): Storage {
  const items = new Map<string, string>();
  return {
    get length() {
      return items.size;
    },
    clear: () => items.clear(),
    getItem: (key) => items.get(key) ?? null,
    key: (i) => [...items.keys()][i] ?? null,
    removeItem: (key) => void items.delete(key),
    setItem: (key, value) => void items.set(key, String(value)),
  };
}

const KEY = 'pixelcnn.config';
const remember = (value: unknown) => localStorage.setItem(KEY, JSON.stringify(value));

describe('the remembered config', () => {
  beforeEach(() => {
    (globalThis as { localStorage?: Storage }).localStorage = fakeStorage();
  });
  afterEach(() => {
    delete (globalThis as { localStorage?: Storage }).localStorage;
  });

  it('gives back a config with every new field as it was saved', () => {
    const gated: PixelCNNConfig = { ...DEFAULT_CONFIG, architecture: 'gated', firstKernelSize: 5, kernelSize: 3, position: true, classes: 4 };
    saveConfig(gated);
    expect(loadSavedConfig()).toEqual(gated);
    saveConfig({ ...gated, architecture: 'pixelcnn', position: false, classes: 0 });
    expect(loadSavedConfig()).toMatchObject({ architecture: 'pixelcnn', position: false, classes: 0 });
  });

  it('reads one remembered before the new fields as what it was: a PixelCNN with one kernel size, no position, no classes, no label dropout', () => {
    remember({
      height: 12,
      width: 12,
      colorChannels: 1,
      levels: 16,
      hiddenChannels: 8,
      layers: 3,
      kernelSize: 5,
      headChannels: 0,
      inputEmbedding: 0,
      stale: 1,
    });
    expect(loadSavedConfig()).toEqual({
      architecture: 'pixelcnn',
      height: 12,
      width: 12,
      colorChannels: 1,
      levels: 16,
      hiddenChannels: 8,
      layers: 3,
      firstKernelSize: 5,
      kernelSize: 5,
      headChannels: 0,
      inputEmbedding: 0,
      position: false,
      classes: 0,
      labelDropout: 0,
    });
    // Older still: before the head and the embedding.
    remember({ height: 12, width: 12, colorChannels: 3, levels: 16, hiddenChannels: 9, layers: 3, kernelSize: 5 });
    expect(loadSavedConfig()).toMatchObject({ headChannels: 0, inputEmbedding: 0, firstKernelSize: 5, classes: 0 });
  });

  it('falls back to the default, saying so, for a config it cannot read or whose fields do not fit together', () => {
    expect(readSavedConfig()).toEqual({ config: DEFAULT_CONFIG, notice: null });
    localStorage.setItem(KEY, '{ not json');
    expect(readSavedConfig()).toEqual({ config: DEFAULT_CONFIG, notice: 'The remembered model settings could not be read; the defaults are used.' });
    remember(['not', 'a', 'config']);
    expect(loadSavedConfig()).toBe(DEFAULT_CONFIG);
    remember({ ...DEFAULT_CONFIG, colorChannels: 3, hiddenChannels: 31 });
    const { config, notice } = readSavedConfig();
    expect(config).toBe(DEFAULT_CONFIG);
    expect(notice).toMatch(/^The remembered model settings do not fit together \(Hidden channels \(31\) must be divisible by Colour channels/);
  });

  // Each field missing, or of a kind (or range) its declaration refuses: that field takes its default, named by its label; the rest is used.
  const mine: PixelCNNConfig = { ...DEFAULT_CONFIG, architecture: 'gated', hiddenChannels: 16, layers: 4, levels: 64 };
  for (const field of Object.keys(CONFIG_SPEC) as Array<keyof PixelCNNConfig>) {
    const label = CONFIG_SPEC[field].label;
    const wrong = typeof DEFAULT_CONFIG[field] === 'string' ? 7 : 'seven';
    it(`drops '${field}' of the wrong kind, names it, and keeps the rest`, () => {
      remember({ ...mine, [field]: wrong });
      expect(readSavedConfig()).toEqual({
        config: { ...mine, [field]: DEFAULT_CONFIG[field] },
        notice: `The remembered model settings had '${label}' of the wrong kind; the defaults are used for it.`,
      });
    });
    if (CONFIG_SPEC[field].older) continue; // a field added later reads as what an older config had (above)
    it(`names '${field}' when it is missing, and keeps the rest`, () => {
      const { [field]: _gone, ...rest } = mine;
      remember(rest);
      expect(readSavedConfig()).toEqual({
        config: { ...mine, [field]: DEFAULT_CONFIG[field] },
        notice: `The remembered model settings had no '${label}'; the defaults are used for it.`,
      });
    });
  }

  it('a value out of its range is refused as its declaration says', () => {
    remember({ ...mine, classes: CONFIG_SPEC.classes.range!.max + 1 });
    expect(readSavedConfig().config).toEqual({ ...mine, classes: DEFAULT_CONFIG.classes });
    remember({ ...mine, architecture: 'transformer' });
    expect(readSavedConfig().config).toEqual({ ...mine, architecture: DEFAULT_CONFIG.architecture });
  });

  it('storage that throws is nothing remembered', () => {
    (globalThis as { localStorage?: unknown }).localStorage = {
      getItem: () => {
        throw new Error('denied');
      },
    };
    expect(readSavedConfig()).toEqual({ config: DEFAULT_CONFIG, notice: null });
  });
});
