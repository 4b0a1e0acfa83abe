import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type PixelCNNConfig, validateConfig } from '../model/config';
import { type DataFacts, type MeasuredSpeed, MIN_FINE_TUNE_STEPS, MIN_FRESH_STEPS, estimateMsPerStep, proposeStart } from './startProposal';

const DIGITS: PixelCNNConfig = { ...DEFAULT_CONFIG };
const ICONS: PixelCNNConfig = {
  ...DEFAULT_CONFIG,
  width: 16,
  height: 16,
  colorChannels: 3,
  hiddenChannels: 24,
  headChannels: 96,
  firstKernelSize: 5,
  classes: 9,
};
const SHIPPED = { digits: DIGITS, icons: ICONS };
const LETTERS = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'K', 'R'];

/** The default model trains a step of 16 in `ms` here. */
function speed(ms: number, source: MeasuredSpeed['source'] = 'trial'): MeasuredSpeed {
  return { config: DEFAULT_CONFIG, batchSize: 16, msPerStep: ms, source, backend: 'wasm' };
}

function facts(partial: Partial<DataFacts>): DataFacts {
  return { width: 28, height: 28, colour: false, images: 2000, classNames: LETTERS, ...partial };
}

const OPTIONS = { batchSize: 16, backend: 'wasm' as const };

describe('proposeStart', () => {
  it('gray images the digits model fits: fine-tune it, carried to the data’s classes', () => {
    const proposal = proposeStart(facts({}), SHIPPED, speed(1800), OPTIONS);
    expect(proposal.start).toEqual({ from: 'digits', config: { ...DIGITS, classes: 10 } });
    expect(proposal.title).toBe('Fine-tune the shipped digits model');
    expect(proposal.steps).toBe(Math.floor(300_000 / 1800));
    expect(proposal.reasons.join(' ')).toMatch(/grayscale and 28×28/);
    expect(proposal.reasons.join(' ')).toMatch(/your 10 classes \(A, B, C, D, E, …\)/);
    expect(proposal.reasons.join(' ')).toMatch(/measured when the app started \(1\.8 s a step of 16 images on wasm\)/);
  });

  it('larger gray images still fit the digits model (scaled down); colour images go to the icons model', () => {
    const larger = proposeStart(facts({ width: 64, height: 60 }), SHIPPED, speed(1800), OPTIONS);
    expect(larger.start.from).toBe('digits');
    expect(larger.reasons[0]).toMatch(/Your images are scaled to 28×28 for it\.$/);
    expect(proposeStart(facts({}), SHIPPED, speed(1800), OPTIONS).reasons[0]).not.toMatch(/scaled/);
    const colour = proposeStart(facts({ width: 32, height: 32, colour: true, classNames: ['a', 'b'] }), SHIPPED, speed(1800), OPTIONS);
    expect(colour.start).toEqual({ from: 'icons', config: { ...ICONS, classes: 2 } });
    // The icons model costs less a step than the default one, so more steps fit in the same minutes.
    expect(colour.steps).toBeGreaterThan(Math.floor(300_000 / 1800));
  });

  it('images smaller than the shipped model, or far from square: a new model at their size', () => {
    const small = proposeStart(facts({ width: 16, height: 16 }), SHIPPED, speed(1800), OPTIONS);
    expect(small.start.from).toBeNull();
    expect(small.start.config).toMatchObject({ width: 16, height: 16, colorChannels: 1, classes: 10 });
    expect(small.reasons[0]).toMatch(/draws 28×28 images; yours are 16×16/);
    expect(small.steps).toBeGreaterThanOrEqual(MIN_FRESH_STEPS);
    expect(proposeStart(facts({ width: 200, height: 30 }), SHIPPED, speed(1800), OPTIONS).start.from).toBeNull();
  });

  it('a slow browser gets a smaller model at a smaller size, the largest that trains enough steps', () => {
    const slow = proposeStart(facts({ width: 64, height: 64 }), SHIPPED, speed(20_000), OPTIONS);
    expect(slow.start.from).toBeNull();
    expect(slow.reasons[0]).toMatch(/would train only about \d+ steps in 5 minutes/);
    expect(slow.steps).toBeGreaterThanOrEqual(MIN_FRESH_STEPS);
    const { config } = slow.start;
    // Nothing larger in the ladder trains enough steps: a bigger side at the same model size would not.
    const bigger = { ...config, width: config.width + 4, height: config.height + 4 };
    expect(Math.floor(300_000 / estimateMsPerStep(speed(20_000), bigger, 16))).toBeLessThan(MIN_FRESH_STEPS);
    expect(() => validateConfig(config)).not.toThrow();
  });

  it('a fine-tune needs fewer steps than a new model', () => {
    // Just enough steps for the digits model, so it is proposed.
    const ms = Math.floor(300_000 / MIN_FINE_TUNE_STEPS);
    expect(proposeStart(facts({}), SHIPPED, speed(ms), OPTIONS).start.from).toBe('digits');
    expect(proposeStart(facts({}), SHIPPED, speed(ms + 100), OPTIONS).start.from).toBeNull();
  });

  it('unmeasured speed: assumes one and says so', () => {
    const proposal = proposeStart(facts({}), SHIPPED, null, OPTIONS);
    expect(proposal.start.from).toBe('digits');
    expect(proposal.reasons.join(' ')).toMatch(/not measured yet/);
  });

  it('training speed is scaled from the model that trained to the one proposed', () => {
    const measured: MeasuredSpeed = { config: { ...DIGITS, hiddenChannels: 64 }, batchSize: 32, msPerStep: 4000, source: 'training', backend: 'webgl' };
    const proposal = proposeStart(facts({}), SHIPPED, measured, OPTIONS);
    expect(proposal.steps).toBe(Math.floor(300_000 / estimateMsPerStep(measured, proposal.start.config, 16)));
    expect(proposal.steps).toBeGreaterThan(Math.floor(300_000 / 4000));
    expect(proposal.reasons.join(' ')).toMatch(/measured while training/);
  });

  it('images without classes: an unconditional start, and a word on class folders', () => {
    const proposal = proposeStart(facts({ classNames: null }), SHIPPED, speed(1800), OPTIONS);
    expect(proposal.start.config.classes).toBe(0);
    expect(proposal.reasons.join(' ')).toMatch(/one folder per class/);
    const fresh = proposeStart(facts({ classNames: null, width: 12, height: 12, colour: true }), SHIPPED, speed(1800), OPTIONS);
    expect(fresh.start.config).toMatchObject({ classes: 0, labelDropout: 0, colorChannels: 3, width: 12 });
    expect(() => validateConfig(fresh.start.config)).not.toThrow();
  });

  it('no shipped model: a new one', () => {
    const proposal = proposeStart(facts({}), {}, speed(1800), OPTIONS);
    expect(proposal.start.from).toBeNull();
    expect(proposal.reasons[0]).toMatch(/no shipped digits model/);
    expect(proposal.start.config).toMatchObject({ width: 28, height: 28, classes: 10 });
  });

  it('every fresh proposal is a valid config, for gray and colour at every size', () => {
    for (const colour of [false, true])
      for (const side of [3, 8, 13, 16, 28, 100])
        for (const ms of [200, 1800, 60_000]) {
          const { start } = proposeStart(facts({ width: side, height: side, colour }), {}, speed(ms), OPTIONS);
          expect(() => validateConfig(start.config), `${colour} ${side} ${ms}`).not.toThrow();
          expect(start.config.width).toBeLessThanOrEqual(side);
        }
  });
});
