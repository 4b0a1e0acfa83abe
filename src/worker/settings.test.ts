import { beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_SPEC, ConfigError, DEFAULT_CONFIG, type PixelCNNConfig, validateConfig } from '../model/config';
import type { ImageDataset } from '../data/types';
import { useCpuBackend } from '../test/tfSetup';
import type { RequestOutcome, SampleSettings, TrainSettings } from './protocol';
import {
  DEFAULT_SAMPLE_SETTINGS,
  DEFAULT_TRAIN_SETTINGS,
  type NumberSetting,
  SAMPLE_SETTINGS,
  TRAIN_SETTINGS,
  allowedRange,
  fitDraw,
  settingProblem,
  settingsProblem,
} from './settings';
import { recordingEngine } from './testEngine';

beforeAll(useCpuBackend);

const tiny: PixelCNNConfig = {
  ...DEFAULT_CONFIG,
  architecture: 'pixelcnn',
  height: 4,
  width: 4,
  levels: 4,
  hiddenChannels: 4,
  layers: 1,
  firstKernelSize: 3,
  kernelSize: 3,
  headChannels: 0,
  inputEmbedding: 0,
  position: false,
  classes: 0,
};
const images: ImageDataset = { width: 4, height: 4, channels: 1, levels: 4, count: 10, pixels: new Uint8Array(160) };

/** Values at and just past each limit of a declaration, with whether the declaration allows them. */
function edges(setting: NumberSetting): Array<[number, boolean]> {
  const below = setting.integer ? setting.min - 1 : setting.min - setting.step;
  const above = setting.integer ? setting.max + 1 : setting.max + setting.step;
  return [
    [setting.minExclusive ? setting.min + setting.step : setting.min, true],
    [setting.max, true],
    [setting.minExclusive ? setting.min : below, false],
    [above, false],
    ...(setting.integer ? ([[setting.min + 0.5, false]] as Array<[number, boolean]>) : []),
  ];
}

type Row = [string, NumberSetting, number, boolean];
const table: Row[] = [
  ...Object.entries(TRAIN_SETTINGS).flatMap(([key, setting]) => edges(setting).map(([v, ok]): Row => [`training.${key}`, setting, v, ok])),
  ...Object.entries(SAMPLE_SETTINGS).flatMap(([key, setting]) => edges(setting).map(([v, ok]): Row => [`sampling.${key}`, setting, v, ok])),
];

describe('one declaration per setting', () => {
  it('the declarations drive the form and the engine alike', async () => {
    const { engine } = recordingEngine({ loadBuiltinDigits: async () => images });
    await engine.handle({ type: 'init', config: tiny });
    const train: TrainSettings = { learningRate: 0.001, batchSize: 4, workers: 1 };
    const sample: SampleSettings = { count: 1, temperature: 1, seed: 1, delayMs: 0, draw: { kind: 'any' } };
    for (const [name, setting, value, allowed] of table) {
      const [action, key] = name.split('.');
      // The form's field (NumberField) says exactly this.
      const problem = settingProblem(setting, value);
      expect(problem === null, `${name} = ${value}`).toBe(allowed);
      if (!allowed) expect(problem).toBe(`${setting.label} must be ${allowedRange(setting)}, got ${value}.`);
      // The engine refuses the same values with the same sentence.
      let outcome: RequestOutcome;
      if (action === 'training') outcome = await engine.handle({ type: 'updateTrainSettings', settings: { ...train, [key]: value } });
      else {
        outcome = await engine.handle({ type: 'sample', settings: { ...sample, [key]: value } });
        await engine.handle({ type: 'stopSampling' });
      }
      expect(outcome, `${name} = ${value}`).toEqual(problem === null ? { status: 'done' } : { status: 'failed', context: action, message: problem });
    }
  });

  it('each declared default is one its setting allows, and the defaults the store and engine start from are those', () => {
    for (const [key, setting] of [...Object.entries(TRAIN_SETTINGS), ...Object.entries(SAMPLE_SETTINGS)] as Array<[string, NumberSetting]>) {
      if (setting.default !== undefined) expect(settingProblem(setting, setting.default), key).toBeNull();
    }
    expect(DEFAULT_TRAIN_SETTINGS).toEqual({
      learningRate: TRAIN_SETTINGS.learningRate.default,
      batchSize: TRAIN_SETTINGS.batchSize.default,
      stripEverySeconds: TRAIN_SETTINGS.stripEverySeconds.default,
    });
    expect(settingsProblem(TRAIN_SETTINGS, DEFAULT_TRAIN_SETTINGS, ['workers'])).toBeNull();
    expect(settingsProblem(SAMPLE_SETTINGS, { ...DEFAULT_SAMPLE_SETTINGS, seed: 0 }, ['guidance'])).toBeNull();
  });

  it("the model config's declared ranges are what validateConfig allows", () => {
    for (const [field, spec] of Object.entries(CONFIG_SPEC)) {
      if (!spec.range) continue;
      const at = (value: number) => () => validateConfig({ ...DEFAULT_CONFIG, [field]: value });
      expect(at(spec.range.min), field).not.toThrow();
      expect(at(spec.range.max), field).not.toThrow();
      expect(at(spec.range.min - 1), field).toThrow(ConfigError);
      const kind = spec.fraction ? 'a number' : 'an integer';
      expect(at(spec.range.max + 1), field).toThrow(new RegExp(`^${field} must be ${kind} from ${spec.range.min} to ${spec.range.max}`));
    }
  });
});

describe('fitDraw: a class choice fitted to a model', () => {
  it('keeps what the model can draw, and names what it cannot with what is drawn instead', () => {
    expect(fitDraw({ kind: 'class', label: 9 }, 10)).toEqual({ draw: { kind: 'class', label: 9 }, refused: null });
    expect(fitDraw({ kind: 'rows', perClass: 6 }, 10)).toEqual({ draw: { kind: 'rows', perClass: 6 }, refused: null });
    expect(fitDraw({ kind: 'class', label: 42 }, 10)).toEqual({
      draw: { kind: 'any' },
      refused: '“class:42” is not a class of this model, which has 10 (0 to 9); any class is drawn instead',
    });
    expect(fitDraw({ kind: 'rows', perClass: 7 }, 10).draw).toEqual({ kind: 'rows', perClass: 6 });
    expect(fitDraw({ kind: 'rows', perClass: 7 }, 10).refused).toMatch(/“rows:7” would draw 10 × 7 = 70 images/);
    // More classes than one run has images: no row each fits.
    expect(fitDraw({ kind: 'rows', perClass: 1 }, 100)).toMatchObject({ draw: { kind: 'any' }, refused: expect.stringMatching(/too many for a row each/) });
    // An unconditional model draws no classes: the choice stands.
    expect(fitDraw({ kind: 'class', label: 42 }, 0)).toEqual({ draw: { kind: 'class', label: 42 }, refused: null });
  });
});
