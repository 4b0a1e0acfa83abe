import { describe, expect, it } from 'vitest';
import { CONFIG_FIELDS, CONFIG_SPEC, type ConfigFieldSpec, ConfigError, DEFAULT_CONFIG, type PixelCNNConfig, validateConfig, withLaterFields } from './config';

/** The default with widths that split into three colour groups too, so any one field can be varied alone. */
const base: PixelCNNConfig = { ...DEFAULT_CONFIG, hiddenChannels: 48, headChannels: 96 };
const withField = (field: keyof PixelCNNConfig, value: unknown) => () => validateConfig({ ...base, [field]: value } as PixelCNNConfig);

describe('the config declaration (CONFIG_SPEC)', () => {
  it('declares every field once, with its default: DEFAULT_CONFIG is the defaults, and a valid config', () => {
    expect(Object.keys(DEFAULT_CONFIG)).toEqual(CONFIG_FIELDS);
    for (const field of CONFIG_FIELDS) expect(DEFAULT_CONFIG[field], field).toBe(CONFIG_SPEC[field].default);
    expect(() => validateConfig(DEFAULT_CONFIG)).not.toThrow();
  });

  it('validateConfig allows what each declaration allows and refuses the rest, naming the field', () => {
    for (const field of CONFIG_FIELDS) {
      const spec: ConfigFieldSpec = CONFIG_SPEC[field];
      if (spec.choices) {
        for (const choice of spec.choices) expect(withField(field, choice.value), `${field} = ${String(choice.value)}`).not.toThrow();
        expect(withField(field, 'other'), field).toThrow(new RegExp(`^${field} must be `));
      } else if (spec.range) {
        const { min, max } = spec.range;
        const kind = spec.fraction ? 'a number' : 'an integer';
        for (const value of [min, max]) expect(withField(field, value), `${field} = ${value}`).not.toThrow();
        for (const value of [min - 1, max + 1, Number.NaN, String(min)]) {
          // The text "1" is named as text, so it does not read as the number 1.
          const got = typeof value === 'string' ? `the text “${value}”` : String(value);
          expect(withField(field, value), `${field} = ${String(value)}`).toThrow(`${field} must be ${kind} from ${min} to ${max}, got ${got}.`);
        }
        if (!spec.fraction) expect(withField(field, min + 0.5), field).toThrow(ConfigError);
        if (spec.odd) expect(withField(field, min + 1), field).toThrow(`${field} must be odd so the kernel has a centre tap, got ${min + 1}.`);
      } else {
        for (const value of [true, false]) expect(withField(field, value), `${field} = ${value}`).not.toThrow();
        expect(withField(field, 'yes'), field).toThrow(`${field} must be true or false, got the text “yes”.`);
      }
    }
  });

  it('refuses a width that does not split into R, G and B groups, after every field is of its kind', () => {
    const rgb: PixelCNNConfig = { ...DEFAULT_CONFIG, colorChannels: 3, hiddenChannels: 30, headChannels: 96 };
    expect(() => validateConfig(rgb)).not.toThrow();
    expect(() => validateConfig({ ...rgb, hiddenChannels: 32 })).toThrow(
      'hiddenChannels (32) must be divisible by colorChannels (3) so the features split evenly into R, G and B groups.',
    );
    expect(() => validateConfig({ ...rgb, headChannels: 128 })).toThrow(
      'headChannels (128) must be divisible by colorChannels (3) so the head splits evenly into R, G and B groups.',
    );
    expect(() => validateConfig({ ...rgb, hiddenChannels: 32, layers: 0 })).toThrow(/^layers must be/);
  });

  it('reads a config of a file written before the later fields as what it was', () => {
    const old = { height: 8, width: 8, colorChannels: 1, levels: 4, hiddenChannels: 6, layers: 2, kernelSize: 5 };
    expect(withLaterFields(old)).toEqual({
      ...old,
      architecture: 'pixelcnn',
      firstKernelSize: 5,
      headChannels: 0,
      inputEmbedding: 0,
      position: false,
      classes: 0,
      labelDropout: 0,
    });
  });
});
