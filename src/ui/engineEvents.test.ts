import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_CONFIG, type PixelCNNConfig } from '../model/config';
import type { DatasetSummary, MaskPicture, ModelSummary, SampleStart } from '../worker/protocol';
import { MAX_HISTORY_POINTS, handleEvent } from './engineEvents';
import { useInspect } from './panels/inspect/inspectStore';
import { INITIAL_SAMPLING, type StudioState, useStudio } from './store';

/** The page's reducer (engineEvents.ts): each engine event's effect on the store, and nothing else. */

const start = useStudio.getState();
const masks = { architecture: 'gated', colorChannels: 1 } as unknown as MaskPicture;

function summary(config: PixelCNNConfig = DEFAULT_CONFIG, steps = 0, origin: ModelSummary['origin'] = 'new'): ModelSummary {
  return { config, parameterCount: 1, origin, steps, masks, card: {}, classNames: [], guidance: 1, guidanceUnavailable: null };
}

const sample: SampleStart = {
  count: 2,
  height: 2,
  width: 2,
  channels: 1,
  levels: 4,
  prefixLength: 0,
  initial: new Uint8Array(8),
  columns: null,
  captions: ['a', 'b'],
};

/** Animation frames run when the test says so. */
let frames: Array<() => void> = [];

beforeEach(() => {
  useStudio.setState(start, true);
  frames = [];
  vi.stubGlobal('requestAnimationFrame', (callback: () => void) => frames.push(callback));
  vi.stubGlobal('cancelAnimationFrame', () => {
    frames = [];
  });
});

afterEach(() => {
  vi.unstubAllGlobals();
});

const state = (): StudioState => useStudio.getState();

describe("the page's reducer", () => {
  it('keeps the loss curve for the same weights, and starts a new one (and a new grid) for another model', () => {
    handleEvent({ type: 'model', model: summary(DEFAULT_CONFIG, 0) });
    handleEvent({ type: 'trainStep', step: 1, bitsPerDim: 3, stepsPerSecond: 2 });
    handleEvent({ type: 'evaluation', step: 1, testBitsPerDim: 3.5 });
    handleEvent({ type: 'model', model: summary(DEFAULT_CONFIG, 1) });
    expect(state().lossHistory).toEqual([{ step: 1, bitsPerDim: 3 }]);
    expect(state().testHistory).toEqual([{ step: 1, testBitsPerDim: 3.5 }]);

    handleEvent({ type: 'sampleStart', sample });
    expect(state().sampling.running).toBe(true);
    const other = { ...DEFAULT_CONFIG, layers: 3 };
    handleEvent({ type: 'model', model: summary(other, 0) });
    expect(state().model!.config).toEqual(other);
    expect(state().lossHistory).toEqual([]);
    expect(state().testHistory).toEqual([]);
    expect(state().sampling).toEqual(INITIAL_SAMPLING);
  });

  it('fits the class choice to a model with fewer classes', () => {
    useStudio.setState({ sampleSettings: { ...state().sampleSettings, draw: { kind: 'class', label: 7 } } });
    handleEvent({ type: 'model', model: summary({ ...DEFAULT_CONFIG, classes: 5 }) });
    expect(state().sampleSettings.draw).toEqual({ kind: 'any' });
  });

  it('one point per step (an evaluation again at a pause replaces it), and long histories thinned', () => {
    handleEvent({ type: 'evaluation', step: 25, testBitsPerDim: 2 });
    handleEvent({ type: 'evaluation', step: 25, testBitsPerDim: 1.9 });
    expect(state().testHistory).toEqual([{ step: 25, testBitsPerDim: 1.9 }]);
    useStudio.setState({ lossHistory: Array.from({ length: MAX_HISTORY_POINTS }, (_, i) => ({ step: i + 1, bitsPerDim: 1 })) });
    handleEvent({ type: 'trainStep', step: MAX_HISTORY_POINTS + 1, bitsPerDim: 1, stepsPerSecond: 1 });
    expect(state().lossHistory.length).toBe(MAX_HISTORY_POINTS * 0.75 + 1);
    expect(state().lossHistory.at(-1)!.step).toBe(MAX_HISTORY_POINTS + 1);
  });

  it('training that stops on its own says why; a pause clears the reason and the speed', () => {
    handleEvent({ type: 'training', running: true });
    handleEvent({ type: 'trainStep', step: 1, bitsPerDim: 3, stepsPerSecond: 4 });
    expect(state()).toMatchObject({ training: true, stepsPerSecond: 4 });
    handleEvent({ type: 'training', running: false, reason: 'Training stopped at step 1: the loss became NaN.' });
    expect(state()).toMatchObject({ training: false, stepsPerSecond: null, trainingStopReason: 'Training stopped at step 1: the loss became NaN.' });
    handleEvent({ type: 'training', running: false });
    expect(state().trainingStopReason).toBeNull();
  });

  it('follows a grid from its start to its end, telling React of its progress at most once a frame', () => {
    handleEvent({ type: 'sampleStart', sample });
    expect(state().sampling).toMatchObject({ running: true, mode: 'sample', drawn: 0, total: 4, captions: ['a', 'b'], finished: null });
    handleEvent({ type: 'samplePixels', from: 0, to: 1, values: new Uint8Array(2), elapsedMs: 5 });
    handleEvent({ type: 'samplePixels', from: 1, to: 2, values: new Uint8Array(2), elapsedMs: 9 });
    expect(state().sampling.drawn).toBe(0);
    expect(frames).toHaveLength(1);
    frames[0]();
    expect(state().sampling).toMatchObject({ drawn: 2, elapsedMs: 9 });
    handleEvent({ type: 'samplePixels', from: 2, to: 3, values: new Uint8Array(2), elapsedMs: 12 });
    handleEvent({ type: 'sampleDone', completed: 3, total: 4, elapsedMs: 14, stopped: true });
    expect(state().sampling).toMatchObject({ running: false, drawn: 3, elapsedMs: 14, finished: { stopped: true } });
    // The progress queued before the end is dropped, not shown over it.
    for (const frame of frames) frame();
    expect(state().sampling.drawn).toBe(3);
  });

  it('a failure outside any request is shown in its panel and changes nothing else', () => {
    useStudio.setState({ training: true, importing: true, sampling: { ...INITIAL_SAMPLING, running: true } });
    handleEvent({ type: 'error', context: 'sampling', message: 'Sampling failed: Aborted(). Build with -sASSERTIONS for more info.' });
    expect(state().errors.sampling).toBe('The engine ran out of memory or hit an internal error in its WebAssembly code.');
    expect(state()).toMatchObject({ training: true, importing: true });
    expect(state().sampling.running).toBe(true);
  });

  it("a dataset arriving does not end an import (the import's answer does), and its progress is shown", () => {
    useStudio.setState({ importing: true });
    handleEvent({ type: 'datasetProgress', done: 3, total: 10 });
    expect(state().importProgress).toEqual({ done: 3, total: 10 });
    handleEvent({ type: 'dataset', dataset: { name: 'digits' } as DatasetSummary });
    expect(state()).toMatchObject({ dataset: { name: 'digits' }, importing: true });
  });

  it('a ranking that fails while it runs stops its progress and says why in the Dataset panel', () => {
    handleEvent({ type: 'rankProgress', done: 64, total: 200 });
    expect(useInspect.getState().rankProgress).toEqual({ done: 64, total: 200 });
    handleEvent({ type: 'rankFailed', message: 'The ranking stopped: the model or the data changed while it ran. Rank again.' });
    expect(useInspect.getState().rankProgress).toBeNull();
    expect(state().errors.dataset).toMatch(/^The ranking stopped/);
  });

  it('notices, and another tab taking over storage, said once', () => {
    useStudio.setState({ storage: 'owner' });
    handleEvent({ type: 'notice', message: 'Imported “a.json”.' });
    handleEvent({ type: 'storageTaken' });
    handleEvent({ type: 'storageTaken' });
    expect(state().storage).toBe('lost');
    expect(state().notices.map((n) => n.message)).toEqual(['Imported “a.json”.', expect.stringMatching(/^Another tab took over saving/)]);
  });

  it('a save refused for want of room: a lasting problem, said once as a notice, taken back by the next save', () => {
    useStudio.setState({ notices: [], saveProblem: null });
    handleEvent({ type: 'saveProblem', message: 'The model at step 2 could not be saved in this browser.' });
    handleEvent({ type: 'saveProblem', message: 'The model at step 3 could not be saved in this browser.' });
    expect(state().saveProblem).toBe('The model at step 3 could not be saved in this browser.');
    expect(state().notices.map((n) => n.message)).toEqual(['The model at step 2 could not be saved in this browser.']);
    handleEvent({ type: 'saveProblem', message: null });
    expect(state().saveProblem).toBeNull();
  });
});
