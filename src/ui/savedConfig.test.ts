import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONFIG_SPEC, DEFAULT_CONFIG, type PixelCNNConfig } from '../model/config';
import { loadSavedConfig, saveConfig } from './savedConfig';

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

  it('falls back to the default for anything it cannot use', () => {
    expect(loadSavedConfig()).toBe(DEFAULT_CONFIG);
    localStorage.setItem(KEY, '{ not json');
    expect(loadSavedConfig()).toBe(DEFAULT_CONFIG);
    remember({ ...DEFAULT_CONFIG, architecture: 'transformer' });
    expect(loadSavedConfig()).toBe(DEFAULT_CONFIG);
    remember({ ...DEFAULT_CONFIG, position: 'yes' });
    expect(loadSavedConfig()).toBe(DEFAULT_CONFIG);
    remember({ ...DEFAULT_CONFIG, classes: CONFIG_SPEC.classes.range!.max + 1 });
    expect(loadSavedConfig()).toBe(DEFAULT_CONFIG);
  });
});
