import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../model/config';
import type { LearningStrip, MaskPicture, ModelSummary } from '../worker/protocol';
import { handleEvent } from './engineEvents';
import { KEPT_RECENT, learningTimeline } from './learningTimeline';
import { useStudio } from './store';

/** The strips the page keeps (learningTimeline.ts) and when the reducer lets them go. */

const start = useStudio.getState();

function strip(step: number, timeline = 1): LearningStrip {
  return {
    timeline,
    step,
    elapsedMs: step * 1000,
    drawMs: 5,
    count: 2,
    height: 2,
    width: 2,
    channels: 1,
    levels: 4,
    pixels: new Uint8Array(8),
    captions: null,
    guidance: 1,
  };
}

function summary(config = DEFAULT_CONFIG, steps = 0): ModelSummary {
  const masks = { architecture: 'gated', colorChannels: 1 } as unknown as MaskPicture;
  return { config, parameterCount: 1, origin: 'new', steps, masks, card: {}, classNames: [], guidance: 1, guidanceUnavailable: null };
}

const steps = () => learningTimeline.strips().map((s) => s.step);

beforeEach(() => {
  useStudio.setState(start, true);
  learningTimeline.clear();
});

describe('the learning timeline on the page', () => {
  it('keeps the first strip and the latest ones, counting those let go, and tells its listeners', () => {
    let heard = 0;
    const stop = learningTimeline.subscribe(() => heard++);
    for (let step = 0; step < KEPT_RECENT + 5; step++) handleEvent({ type: 'learningStrip', strip: strip(step) });
    stop();
    expect(heard).toBe(KEPT_RECENT + 5);
    expect(steps()).toEqual([0, ...Array.from({ length: KEPT_RECENT }, (_, i) => i + 5)]);
    expect(learningTimeline.dropped()).toBe(4);
  });

  it('starts again with a strip of another timeline, and when the loss chart starts again for another model', () => {
    handleEvent({ type: 'model', model: summary(DEFAULT_CONFIG, 0) });
    handleEvent({ type: 'learningStrip', strip: strip(0) });
    handleEvent({ type: 'learningStrip', strip: strip(3) });
    handleEvent({ type: 'trainStep', step: 3, bitsPerDim: 3, stepsPerSecond: 1 });
    // The same weights, announced again when training pauses: the strips stay.
    handleEvent({ type: 'model', model: summary(DEFAULT_CONFIG, 3) });
    expect(steps()).toEqual([0, 3]);
    handleEvent({ type: 'learningStrip', strip: strip(0, 2) });
    expect(learningTimeline.strips().map((s) => [s.timeline, s.step])).toEqual([[2, 0]]);
    handleEvent({ type: 'model', model: summary({ ...DEFAULT_CONFIG, layers: 3 }, 0) });
    expect(steps()).toEqual([]);
  });
});
