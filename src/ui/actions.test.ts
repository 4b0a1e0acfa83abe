import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EngineCall, EngineEvent, EngineRequest } from '../worker/protocol';
import { DEFAULT_TRAIN_SETTINGS } from '../worker/settings';
import { applyConfig, importImages, loadBuiltinDataset, sampleImages, startTraining, stopSampling } from './actions';
import { startEngine } from './engineClient';
import { setFieldProblem } from './fieldProblems';
import { type StudioState, useStudio } from './store';

/**
 * The page's actions through the engine client, with a stand-in for the
 * engine's worker: each action sends one request, awaits its answer, and
 * shows a refusal in the panel the engine names; nothing is guessed from
 * other events.
 */

/** A stand-in for the engine's Worker: it keeps what the page sends and says what the test tells it to. */
class FakeWorker {
  static all: FakeWorker[] = [];
  readonly sent: EngineCall[] = [];
  terminated = false;
  private readonly listeners = new Map<string, Array<(event: unknown) => void>>();

  constructor() {
    FakeWorker.all.push(this);
  }

  addEventListener(type: string, listener: (event: unknown) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  postMessage(call: EngineCall): void {
    this.sent.push(call);
  }

  terminate(): void {
    this.terminated = true;
  }

  /** The engine says `event`. */
  emit(event: EngineEvent): void {
    for (const listener of this.listeners.get('message') ?? []) listener({ data: event });
  }

  /** The engine cannot be read any more: the page gives up on it. */
  breakChannel(): void {
    for (const listener of this.listeners.get('messageerror') ?? []) listener({});
  }

  /** The latest request of a type, with its id. */
  last<T extends EngineRequest['type']>(type: T): { id: number; request: Extract<EngineRequest, { type: T }> } {
    const call = [...this.sent].reverse().find((c) => c.request.type === type);
    if (!call) throw new Error(`No ${type} request was sent.`);
    return call as { id: number; request: Extract<EngineRequest, { type: T }> };
  }
}

const initial = useStudio.getState();
const state = (): StudioState => useStudio.getState();
/** Lets the page's awaits run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

let engine: FakeWorker;

beforeEach(() => {
  FakeWorker.all = [];
  vi.stubGlobal('Worker', FakeWorker);
  vi.stubGlobal('requestAnimationFrame', () => 0);
  vi.stubGlobal('cancelAnimationFrame', () => undefined);
  useStudio.setState({ ...initial, storage: 'owner' }, true);
  startEngine();
  engine = FakeWorker.all.at(-1)!;
  engine.emit({ type: 'answer', id: engine.last('init').id, outcome: { status: 'done' } });
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("the page's actions", () => {
  it('start the engine with init, and resolve true when the engine has done what was asked', async () => {
    expect(engine.sent[0].request).toMatchObject({ type: 'init', saving: true });
    const started = startTraining();
    const { id, request } = engine.last('train');
    expect(request.settings).toEqual(DEFAULT_TRAIN_SETTINGS);
    engine.emit({ type: 'answer', id, outcome: { status: 'done' } });
    expect(await started).toBe(true);
    expect(state().errors).toEqual({});
  });

  it('show a refusal in the panel the engine names, in plain words', async () => {
    const sampled = sampleImages();
    engine.emit({
      type: 'answer',
      id: engine.last('sample').id,
      outcome: { status: 'failed', context: 'training', message: 'There is no training data yet: drop some images or use the MNIST digits.' },
    });
    expect(await sampled).toBe(false);
    expect(state().errors).toEqual({ training: 'There is no training data yet: drop some images or use the MNIST digits.' });
  });

  it('match each answer to its own request, whatever the order', async () => {
    const first = applyConfig(initial.startConfig);
    const second = stopSampling();
    const [a, b] = engine.sent.slice(-2);
    expect(a.id).not.toBe(b.id);
    engine.emit({ type: 'answer', id: b.id, outcome: { status: 'done' } });
    engine.emit({ type: 'answer', id: a.id, outcome: { status: 'failed', context: 'model', message: 'Too big. Nothing was changed.' } });
    expect(await second).toBe(true);
    expect(await first).toBe(false);
    expect(state().errors.model).toBe('Too big. Nothing was changed.');
  });

  it('keep the dataset busy until every import is answered, not until a dataset arrives', async () => {
    const files = [{ name: 'a.png', bytes: new ArrayBuffer(4) }];
    const first = importImages(files);
    expect(state()).toMatchObject({ importing: true, importProgress: { done: 0, total: 1 } });
    const second = loadBuiltinDataset('icons');
    engine.emit({ type: 'dataset', dataset: state().dataset! });
    expect(state().importing).toBe(true);
    engine.emit({
      type: 'answer',
      id: engine.last('importImages').id,
      outcome: { status: 'failed', context: 'dataset', message: 'None of the files could be used.' },
    });
    expect(await first).toBe(false);
    expect(state().importing).toBe(true);
    engine.emit({ type: 'answer', id: engine.last('useBuiltinDataset').id, outcome: { status: 'done' } });
    expect(await second).toBe(true);
    expect(state()).toMatchObject({ importing: false, importProgress: null, errors: { dataset: 'None of the files could be used.' } });
  });

  it('send nothing while a field they use is invalid, and say why', async () => {
    setFieldProblem('training.batchSize', 'Batch size must be a whole number from 1 to 256, got 0.');
    const before = engine.sent.length;
    expect(await startTraining()).toBe(false);
    expect(engine.sent).toHaveLength(before);
    expect(state().errors.training).toBe('Fix the settings first: Batch size must be a whole number from 1 to 256, got 0.');
    setFieldProblem('training.batchSize', null);
  });

  it('after the engine dies, are not answered (the banner says why), and a new engine starts', async () => {
    const pending = applyConfig(initial.startConfig);
    engine.emit({ type: 'fatal', message: 'the engine ran out of memory' });
    expect(await pending).toBe(false);
    expect(engine.terminated).toBe(true);
    expect(state().errors).toEqual({
      worker: 'The engine stopped (the engine ran out of memory) and was restarted on the last saved model. Anything since the last save was lost.',
    });
    const next = FakeWorker.all.at(-1)!;
    expect(next).not.toBe(engine);
    expect(next.sent[0].request.type).toBe('init');
    // The old engine's answers find nothing to settle.
    engine.emit({ type: 'answer', id: engine.last('setConfig').id, outcome: { status: 'failed', context: 'model', message: 'late' } });
    await settle();
    expect(state().errors.model).toBeUndefined();
  });

  it('with no engine running, say so in their own panel', async () => {
    engine.breakChannel();
    expect(state().engine).toEqual({ state: 'stopped', message: 'The engine stopped: a message from the engine could not be read.' });
    expect(await sampleImages()).toBe(false);
    expect(state().errors.sampling).toBe('The engine is not running. Use "Restart engine" at the top of the page.');
  });
});
