import { describe, expect, it } from 'vitest';
import { dropLabels, labelDropoutRandom } from './schedule';

describe('label dropout', () => {
  it('draws what the twin draws (values from python/pixelcnn_studio/schedule.py)', () => {
    const first = labelDropoutRandom(2026, 0);
    expect([first(), first(), first()]).toEqual([0.9841662147082388, 0.5459697034675628, 0.5222025660332292]);
    const later = labelDropoutRandom(2026, 7);
    expect([later(), later(), later()]).toEqual([0.8129042207729071, 0.5037153521552682, 0.013094492023810744]);
    const labels = Array.from({ length: 20 }, (_, i) => i % 10);
    expect(Array.from(dropLabels(labels, 0.3, 2026, 5, 10))).toEqual([0, 1, 2, 10, 10, 5, 6, 7, 8, 10, 0, 1, 10, 3, 4, 5, 10, 10, 10, 9]);
    expect(Array.from(dropLabels(labels.slice(0, 10), 0.15, 5, 123456, 10))).toEqual([0, 1, 10, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('drops about the asked share over many steps, the same labels for the same seed and step', () => {
    const labels = Int32Array.from({ length: 16 }, (_, i) => i % 10);
    let dropped = 0;
    let total = 0;
    for (let step = 0; step < 2000; step++) {
      const kept = dropLabels(labels, 0.15, 2026, step, 10);
      expect(kept).toEqual(dropLabels(labels, 0.15, 2026, step, 10));
      for (let i = 0; i < kept.length; i++) {
        if (kept[i] === 10) dropped++;
        else expect(kept[i]).toBe(labels[i]);
      }
      total += kept.length;
    }
    // 32,000 draws: the standard error of the share is 0.002.
    expect(Math.abs(dropped / total - 0.15)).toBeLessThan(0.01);
    // Another step or another seed drops other images.
    expect(dropLabels(labels, 0.5, 2026, 1, 10)).not.toEqual(dropLabels(labels, 0.5, 2026, 2, 10));
    expect(dropLabels(labels, 0.5, 2027, 1, 10)).not.toEqual(dropLabels(labels, 0.5, 2026, 1, 10));
  });

  it('keeps every label, and leaves its input alone, at probability 0', () => {
    const labels = Int32Array.from([3, 1, 4, 1, 5]);
    expect(Array.from(dropLabels(labels, 0, 1, 0, 10))).toEqual([3, 1, 4, 1, 5]);
    dropLabels(labels, 0.5, 1, 0, 10);
    expect(Array.from(labels)).toEqual([3, 1, 4, 1, 5]);
  });
});
