import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { check } from '../test/fuzz';
import { CONFIG_FIELDS, CONFIG_SPEC, type PixelCNNConfig, validateConfig } from './config';
import {
  estimateTrainingMemory,
  LARGE_MODEL_FILE_BYTES,
  largeModelFileQuestion,
  MAX_MODEL_FILE_BYTES,
  MEMORY_BUDGETS,
  modelFileSizeProblem,
  parameterFloats,
} from './memory';

/** The size limits of a model file: what they say, and that the app opens every model it could have trained. */

describe('the size of a model file', () => {
  it('is said with its size and the limit when refused', () => {
    expect(modelFileSizeProblem('huge.json', MAX_MODEL_FILE_BYTES)).toBeNull();
    expect(modelFileSizeProblem('huge.json', 300e6)).toBe(
      '“huge.json” is 300 MB; the largest model file the app opens is 256 MB, more than any model it can train needs.',
    );
  });

  it('is asked about above the size opened without asking, with what keeping it costs', () => {
    expect(largeModelFileQuestion('big.json', LARGE_MODEL_FILE_BYTES, 5)).toBeNull();
    expect(largeModelFileQuestion('big.json', 52e6, 5)).toBe(
      "“big.json” is 52 MB, more than the 32 MB the app opens without asking. The app keeps the model in this browser, and each checkpoint of its history takes as much again: with 5 checkpoints, about 312 MB of this browser's storage. Open it?",
    );
  });

  it('is within the largest the app opens for every model whose training fits the largest memory budget', () => {
    const budget = Math.max(...Object.values(MEMORY_BUDGETS).map((b) => b.bytes));
    const field = (name: keyof PixelCNNConfig): fc.Arbitrary<unknown> => {
      const spec = CONFIG_SPEC[name];
      if (spec.choices) return fc.constantFrom(...spec.choices.map((c) => c.value));
      if (spec.range) return spec.fraction ? fc.double({ min: spec.range.min, max: spec.range.max, noNaN: true }) : fc.integer(spec.range);
      return fc.boolean();
    };
    const config = fc
      .record(Object.fromEntries(CONFIG_FIELDS.map((name) => [name, field(name)])) as { [K in keyof PixelCNNConfig]: fc.Arbitrary<PixelCNNConfig[K]> })
      .map((c) => ({
        ...c,
        firstKernelSize: c.firstKernelSize | 1,
        kernelSize: c.kernelSize | 1,
        hiddenChannels: c.hiddenChannels * c.colorChannels,
        headChannels: c.headChannels * c.colorChannels,
      }))
      .filter((c) => {
        try {
          validateConfig(c);
          return true;
        } catch {
          return false;
        }
      });
    // Tiny images too: their activations are small, so their weights come nearest the budget.
    check(
      fc.property(config, fc.boolean(), (wide, tiny) => {
        const c = tiny ? { ...wide, height: 1, width: 1 } : wide;
        if (estimateTrainingMemory(c, 1).totalBytes > budget) return;
        // Base64 of float32 weights: 16/3 characters per weight, and the names and the JSON around them.
        expect(parameterFloats(c).trainable * (16 / 3) + 1e6).toBeLessThan(MAX_MODEL_FILE_BYTES);
      }),
    );
  });
});
