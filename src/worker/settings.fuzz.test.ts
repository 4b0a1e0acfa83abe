import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { check, hostileValue } from '../test/fuzz';
import { type NumberSetting, SAMPLE_SETTINGS, TRAIN_SETTINGS, settingProblem } from './settings';

/** The engine's own check of a setting, given any value: a sentence naming the setting, or null for a value it allows. */
describe('a setting, checked against its declaration', () => {
  const settings: NumberSetting[] = Object.values({ ...SAMPLE_SETTINGS, ...TRAIN_SETTINGS });

  it('refuses every value it does not allow by name, and never throws', () => {
    check(
      fc.property(fc.constantFrom(...settings), hostileValue(), (setting, value) => {
        const problem = settingProblem(setting, value);
        if (problem === null) {
          expect(typeof value).toBe('number');
          const n = value as number;
          expect(Number.isFinite(n) && n <= setting.max && (setting.minExclusive ? n > setting.min : n >= setting.min)).toBe(true);
          if (setting.integer) expect(Number.isInteger(n)).toBe(true);
        } else {
          expect(problem.startsWith(setting.label)).toBe(true);
          expect(problem.length).toBeLessThan(400);
        }
      }),
    );
  });

  it('words a refusal of a record that cannot be turned into text (found: {"toString": 0} threw a TypeError)', () => {
    for (const setting of settings) expect(settingProblem(setting, JSON.parse('{"toString": 0}'))).toMatch(/^.+, got \{"toString":0\}\.$/);
  });
});
