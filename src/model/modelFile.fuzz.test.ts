import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { check, deeplyNested, hostileValue } from '../test/fuzz';
import { mutatedJson } from '../test/jsonMutation';
import { useCpuBackend } from '../test/tfSetup';
import { CONFIG_FIELDS, fieldProblem, type PixelCNNConfig, validateConfig } from './config';
import { createPixelCNN } from './pixelcnn';
import { loadWeights, ModelFileError, readModelMeta, readSavedModel, saveModel, type SavedModel } from './serialize';
import { TINY_GATED } from './testConfigs';

/**
 * Property-based tests of the model file's reader (readSavedModel, the one
 * door every file the user brings goes through, then loadWeights): whatever
 * a file holds, the reader returns a model file whose every part satisfies
 * the declarations the engine builds from, or refuses it with a
 * ModelFileError that says what was wrong. Nothing else escapes.
 */

beforeAll(useCpuBackend);

/** A guidable conditional model, so every meta field applies. */
const CONFIG: PixelCNNConfig = { ...TINY_GATED, classes: 3, labelDropout: 0.15, position: true, headChannels: 4, inputEmbedding: 2 };
const SHIPPED_CARD: unknown = JSON.parse(readFileSync(new URL('../../public/models/mnist-pixelcnn.card.json', import.meta.url), 'utf8'));

let valid: SavedModel;
beforeAll(async () => {
  const model = createPixelCNN(CONFIG, 7);
  valid = await saveModel(model, {
    steps: 12,
    origin: 'pretrained',
    card: SHIPPED_CARD as Record<string, unknown>,
    classNames: ['a', 'b', 'c'],
    guidance: 2,
    independentChannels: false,
    savedAt: '2026-12-07T00:00:00Z',
  });
  model.dispose();
});

/** Reads `text` as a file the user brought: JSON, then the reader. Returns what it read, or the refusal's message. */
function read(text: string): { saved: SavedModel; droppedMeta: string[] } | string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  try {
    return readSavedModel(json);
  } catch (error) {
    // The only refusal: a ModelFileError with a sentence.
    expect(error).toBeInstanceOf(ModelFileError);
    expect((error as Error).message.length).toBeGreaterThan(10);
    return (error as Error).message;
  }
}

/** What the engine relies on in a file the reader let through. */
function satisfiesDeclarations({ saved, droppedMeta }: { saved: SavedModel; droppedMeta: string[] }): void {
  expect(() => validateConfig(saved.config)).not.toThrow();
  expect(Object.keys(saved.config).sort()).toEqual([...CONFIG_FIELDS].sort());
  for (const field of CONFIG_FIELDS) expect(fieldProblem(field, saved.config[field])).toBeNull();
  for (const tensor of saved.tensors) {
    expect(typeof tensor.name).toBe('string');
    expect(typeof tensor.data).toBe('string');
    expect(tensor.shape.every((d) => Number.isInteger(d) && d > 0)).toBe(true);
  }
  // The meta is what its reader keeps: reading it again drops nothing.
  expect(readModelMeta(saved.meta, saved.config).dropped).toEqual([]);
  expect(droppedMeta.every((field) => typeof field === 'string')).toBe(true);
  // It can cross to the page and into IndexedDB (both copy it as structured clone does) and be written out again.
  expect(() => structuredClone(saved.meta)).not.toThrow();
  expect(() => JSON.stringify(saved.meta)).not.toThrow();
}

describe('the model file reader, given a hostile file', () => {
  it('reads the valid file it is built from', () => {
    const result = read(JSON.stringify(valid));
    expect(typeof result).not.toBe('string');
    satisfiesDeclarations(result as { saved: SavedModel; droppedMeta: string[] });
  });

  it('refuses by name, or returns a file that satisfies the declarations, whatever one field holds', () => {
    check(
      fc.property(mutatedJson(valid, { most: 3, maxDepth: 4 }), (text) => {
        const result = read(text);
        if (typeof result !== 'string') satisfiesDeclarations(result);
      }),
    );
  });

  it('never throws past the reader on any JSON value', () => {
    check(
      fc.property(hostileValue(), (value) => {
        const result = read(JSON.stringify(value) ?? 'null');
        if (typeof result !== 'string') satisfiesDeclarations(result);
      }),
    );
  });

  it('names a value it refuses without throwing, whatever the value is (found: {"toString": 0} threw a TypeError past the reader)', () => {
    const hostile: unknown[] = [{ toString: 0 }, { valueOf: 'x', toString: [] }, JSON.parse('{"__proto__": null}'), [{ toString: 0 }], 'x'.repeat(100_000)];
    for (const value of hostile) {
      const text = JSON.stringify(value);
      for (const edit of [
        { ...valid, version: '@' },
        { ...valid, config: { ...valid.config, height: '@' } },
        { ...valid, config: { ...valid.config, architecture: '@' } },
        { ...valid, config: { ...valid.config, position: '@' } },
      ]) {
        const result = read(JSON.stringify(edit).replace('"@"', text));
        expect(typeof result, text.slice(0, 40)).toBe('string');
        expect((result as string).length).toBeLessThan(400);
      }
    }
  });

  it('keeps no meta field nested deeper than a file of the app writes', () => {
    // A card field 100,000 arrays deep parses, but cannot be copied to the page, stored or written out again.
    for (const field of ['card', 'classNames', 'steps']) {
      const text = JSON.stringify({ ...valid, meta: { ...valid.meta, [field]: field === 'card' ? { note: 1 } : 1 } }).replace(
        field === 'card' ? '{"note":1}' : `"${field}":1`,
        field === 'card' ? `{"note":${'['.repeat(100_000)}1${']'.repeat(100_000)}}` : `"${field}":${'['.repeat(100_000)}1${']'.repeat(100_000)}`,
      );
      const result = read(text);
      if (typeof result !== 'string') satisfiesDeclarations(result);
    }
    const result = read(JSON.stringify({ ...valid, meta: { ...valid.meta, card: { deep: deeplyNested(50) } } }));
    if (typeof result !== 'string') satisfiesDeclarations(result);
  });

  it('loads weights only when every tensor fits, and leaves the model untouched when one does not', async () => {
    const model = createPixelCNN(CONFIG, 3);
    loadWeights(model, valid);
    const before = model.variables.map((v) => v.dataSync().slice());
    const tensors = fc.oneof(
      // One tensor's data, name or shape changed.
      fc
        .tuple(fc.nat(), fc.oneof(fc.string(), fc.base64String(), fc.constantFrom('', '====', 'AAAA', 'AACAfw==', 'AACA/w==')))
        .map(([i, data]) => valid.tensors.map((t, j) => (j === i % valid.tensors.length ? { ...t, data } : t))),
      fc.tuple(fc.nat(), fc.string()).map(([i, name]) => valid.tensors.map((t, j) => (j === i % valid.tensors.length ? { ...t, name } : t))),
      fc
        .tuple(fc.nat(), fc.array(fc.integer({ min: 1, max: 9 }), { maxLength: 5 }))
        .map(([i, shape]) => valid.tensors.map((t, j) => (j === i % valid.tensors.length ? { ...t, shape } : t))),
      fc.nat().map((i) => valid.tensors.filter((_, j) => j !== i % valid.tensors.length)),
    );
    const tensorsBefore = tf.memory().numTensors;
    check(
      fc.property(tensors, (list) => {
        try {
          loadWeights(model, { ...valid, tensors: list });
        } catch (error) {
          expect(error).toBeInstanceOf(ModelFileError);
          model.variables.forEach((v, i) => expect(v.dataSync()).toEqual(before[i]));
          return;
        }
        // Accepted (a changed name the model does not use is ignored): back to the file's weights.
        loadWeights(model, valid);
      }),
      0.5,
    );
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    model.dispose();
  });
});
