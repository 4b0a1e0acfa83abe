import { sameArchitecture, type PixelCNNConfig } from '../model/config';
import type { EngineEvent, EngineRequest, ModelSummary } from '../worker/protocol';
import {
  type BackendChoice,
  forgetTrial,
  loadBackendChoice,
  loadRememberedTrial,
  rememberTrial,
  requestedBackend,
  saveBackendChoice,
} from './backendChoice';
import { plainEngineText } from '../worker/errors';
import { createEngineWorker, takePreloadedWorker } from './engineWorker';
import { downloadText } from './download';
import { offerSwitch } from './importOffer';
import { sampleChannel } from './sampleChannel';
import { handleInspectEvent, inspectFailed, resetForNewSample } from './panels/inspect/inspectStore';
import { saveConfig } from './savedConfig';
import {
  INITIAL_SAMPLING,
  addNotice,
  fitDraw,
  markStorageLost,
  nextSampleSettings,
  setError,
  useStudio,
  type StudioState,
} from './store';

/**
 * Owns the engine worker: starts it, sends it typed requests, and turns its
 * events into store updates. If the worker dies (a WebAssembly abort, out
 * of memory, a lost device, a crash), a fresh one starts by itself on the
 * last saved model and the page says what happened; after repeated deaths
 * the store says so and restartEngine() waits for the user.
 */

let worker: Worker | null = null;

export function startEngine(config: PixelCNNConfig = useStudio.getState().startConfig, backend: BackendChoice = loadBackendChoice()): void {
  worker?.terminate();
  // The worker started as the page loaded (engineWorker.ts), the first time; a new one on a restart.
  const early = takePreloadedWorker();
  const fresh = early?.worker ?? createEngineWorker();
  worker = fresh;
  // Events from a worker we already replaced must not touch the store.
  fresh.addEventListener('message', (event: MessageEvent<EngineEvent>) => {
    if (worker === fresh) handleEvent(event.data);
  });
  fresh.addEventListener('error', (event: ErrorEvent) => {
    event.preventDefault();
    if (worker === fresh) engineDied(event.message ? plainEngineText(event.message) : 'the engine script failed to load or crashed');
  });
  fresh.addEventListener('messageerror', () => {
    if (worker === fresh) engineStopped('a message from the engine could not be read.');
  });
  useStudio.setState({
    engine: { state: 'starting' },
    // The old engine's backend is gone; the badge says the new one is starting (and perhaps timing backends).
    backend: null,
    startConfig: config,
    training: false,
    importing: false,
    importProgress: null,
    sampling: INITIAL_SAMPLING,
    errors: {},
  });
  sampleChannel.clear();
  const requested = requestedBackend(backend);
  send({
    type: 'init',
    config,
    backend: requested,
    remembered: requested ? undefined : loadRememberedTrial(),
    sampleOnStart: nextSampleSettings(),
    // Another tab owns the saved model: this one works on its own copy (tabStorage.ts).
    saving: useStudio.getState().storage === 'owner',
  });
  // The preloaded worker's script failed before it was taken: handled as any engine death.
  if (early?.failure) engineDied(early.failure);
}

/** Restarts the engine on another backend; the trained model comes back from browser storage. */
export function switchBackend(choice: BackendChoice): void {
  saveBackendChoice(choice);
  restartEngine(choice);
}

/** Drops the remembered trial figures and restarts, so the engine times every backend again. */
export function measureBackendsAgain(): void {
  forgetTrial();
  restartEngine('auto');
}

export function restartEngine(backend: BackendChoice = loadBackendChoice()): void {
  const config = useStudio.getState().model?.config ?? useStudio.getState().startConfig;
  startEngine(config, backend);
}

/** Returns false when there is no live engine to send to. */
export function send(request: EngineRequest, transfer: Transferable[] = []): boolean {
  if (!worker || useStudio.getState().engine.state === 'stopped') return false;
  worker.postMessage(request, transfer);
  return true;
}

/** When the engine died by itself lately; more than MAX_AUTOMATIC_RESTARTS within a minute stops the restarts. */
let recentDeaths: number[] = [];
const DEATH_WINDOW_MS = 60_000;
const MAX_AUTOMATIC_RESTARTS = 2;

/** The engine died: start a new one on the last saved model and say so, unless it keeps dying. */
function engineDied(reason: string): void {
  const now = Date.now();
  recentDeaths = recentDeaths.filter((at) => now - at < DEATH_WINDOW_MS);
  const what = reason.replace(/[.\s]+$/, '');
  if (recentDeaths.length >= MAX_AUTOMATIC_RESTARTS) {
    engineStopped(`${what}. It has stopped ${recentDeaths.length + 1} times in a minute, so it was not restarted again; try a smaller model or batch, then Restart engine.`);
    return;
  }
  recentDeaths.push(now);
  restartEngine();
  setError('worker', `The engine stopped (${what}) and was restarted on the last saved model. Anything since the last save was lost.`);
}

function engineStopped(reason: string): void {
  worker?.terminate();
  worker = null;
  const message = `The engine stopped: ${reason}`;
  useStudio.setState((s) => ({
    engine: { state: 'stopped', message },
    training: false,
    importing: false,
    importProgress: null,
    sampling: { ...s.sampling, running: false },
  }));
}

/*
 * Sample progress arrives with every sub-pixel; the store (and so React)
 * hears about it at most once per animation frame.
 */
let pendingProgress: { drawn: number; elapsedMs: number } | null = null;
let progressFrame = 0;

function flushSampleProgress(): void {
  progressFrame = 0;
  const progress = pendingProgress;
  pendingProgress = null;
  if (progress) useStudio.setState((s) => ({ sampling: { ...s.sampling, ...progress } }));
}

function queueSampleProgress(drawn: number, elapsedMs: number): void {
  pendingProgress = { drawn, elapsedMs };
  if (!progressFrame) progressFrame = requestAnimationFrame(flushSampleProgress);
}

function cancelQueuedProgress(): void {
  if (progressFrame) cancelAnimationFrame(progressFrame);
  progressFrame = 0;
  pendingProgress = null;
}

/** The loss curve belongs to particular weights; a new or different model starts a new curve. */
function historyAfterModel(state: StudioState, model: ModelSummary): Partial<StudioState> {
  const previous = state.model;
  const lastStep = state.lossHistory.at(-1)?.step ?? 0;
  const sameWeights =
    previous !== null &&
    previous.origin === model.origin &&
    sameArchitecture(previous.config, model.config) &&
    model.steps > 0 &&
    model.steps >= lastStep;
  return sameWeights ? {} : { lossHistory: [], testHistory: [], stepsPerSecond: null, trainingStopReason: null };
}

/**
 * Long runs would grow the history (and its per-step copy) without bound;
 * past the cap, older points are thinned to every other one, which the
 * chart, averaging into a few hundred buckets anyway, cannot tell apart.
 */
const MAX_HISTORY_POINTS = 20_000;

function appendPoint<T extends { step: number }>(history: T[], point: T): T[] {
  // The engine evaluates again when training pauses; the same step twice is one point.
  const base = history.at(-1)?.step === point.step ? history.slice(0, -1) : history;
  const next = [...base, point];
  if (next.length <= MAX_HISTORY_POINTS) return next;
  const recentStart = next.length - MAX_HISTORY_POINTS / 2;
  return [...next.slice(0, recentStart).filter((_, i) => i % 2 === 0), ...next.slice(recentStart)];
}

export function handleEvent(event: EngineEvent): void {
  switch (event.type) {
    case 'ready':
      if (event.backend.trial?.source === 'measured') rememberTrial(event.backend.trial);
      useStudio.setState({ engine: { state: 'ready' }, backend: event.backend });
      return;
    case 'backend':
      if (event.backend.trial?.source === 'measured') rememberTrial(event.backend.trial);
      useStudio.setState({ backend: event.backend });
      return;
    case 'model': {
      saveConfig(event.model.config);
      // Images drawn by another architecture (another size, say) say nothing about this one.
      const previous = useStudio.getState().model;
      const newArchitecture = previous !== null && !sameArchitecture(previous.config, event.model.config);
      if (newArchitecture) sampleChannel.clear();
      useStudio.setState((s) => ({
        ...historyAfterModel(s, event.model),
        model: event.model,
        ...(newArchitecture ? { sampling: INITIAL_SAMPLING } : {}),
        sampleSettings: { ...s.sampleSettings, draw: fitDraw(s.sampleSettings.draw, event.model.config.classes) },
      }));
      return;
    }
    case 'dataset':
      useStudio.setState({ dataset: event.dataset, importing: false, importProgress: null });
      return;
    case 'datasetProgress':
      useStudio.setState({ importProgress: { done: event.done, total: event.total } });
      return;
    case 'training':
      useStudio.setState({
        training: event.running,
        trainingStopReason: !event.running && event.reason ? event.reason : null,
        ...(event.running ? {} : { stepsPerSecond: null }),
      });
      return;
    case 'trainStep':
      useStudio.setState((s) => ({
        lossHistory: appendPoint(s.lossHistory, { step: event.step, bitsPerDim: event.bitsPerDim }),
        stepsPerSecond: event.stepsPerSecond,
      }));
      return;
    case 'trainingCores':
      useStudio.setState({ trainingCores: event.cores });
      return;
    case 'evaluation':
      useStudio.setState((s) => ({
        testHistory: appendPoint(s.testHistory, { step: event.step, testBitsPerDim: event.testBitsPerDim }),
      }));
      return;
    case 'sampleStart': {
      cancelQueuedProgress();
      const { sample } = event;
      sampleChannel.start(sample);
      resetForNewSample();
      useStudio.setState({
        sampling: {
          running: true,
          mode: sample.prefixLength > 0 ? 'complete' : 'sample',
          drawn: sample.prefixLength,
          total: sample.height * sample.width * sample.channels,
          channels: sample.channels,
          prefixLength: sample.prefixLength,
          elapsedMs: 0,
          finished: null,
          captions: sample.captions,
          columns: sample.columns,
        },
      });
      return;
    }
    case 'samplePixels':
      sampleChannel.addPixels(event.from, event.to, event.values, event.elapsedMs);
      queueSampleProgress(event.to, event.elapsedMs);
      return;
    case 'sampleDone':
      cancelQueuedProgress();
      useStudio.setState((s) => ({
        sampling: {
          ...s.sampling,
          running: false,
          drawn: event.completed,
          total: event.total,
          elapsedMs: event.elapsedMs,
          finished: { stopped: event.stopped },
        },
      }));
      return;
    case 'sampleBelief':
    case 'inspection':
    case 'rankProgress':
    case 'ranking':
      handleInspectEvent(event);
      return;
    case 'exported':
      downloadText(event.text, event.fileName);
      return;
    case 'checkpoints':
      useStudio.setState({ checkpoints: event.list });
      return;
    case 'storageTaken':
      markStorageLost();
      return;
    case 'notice':
      addNotice(event.message);
      return;
    case 'fatal':
      engineDied(event.message);
      return;
    case 'importNeedsSwitch':
      offerSwitch(event.fileName, event.config, event.steps);
      return;
    case 'error':
      setError(event.context, plainEngineText(event.message));
      inspectFailed(event.context);
      // A failed request must not leave its panel looking busy.
      if (event.context === 'dataset') useStudio.setState({ importing: false, importProgress: null });
      if (event.context === 'training') useStudio.setState({ training: false });
      if (event.context === 'sampling') {
        cancelQueuedProgress();
        useStudio.setState((s) => ({ sampling: { ...s.sampling, running: false } }));
      }
      return;
    default: {
      const unhandled: never = event;
      throw new Error(`Unhandled engine event: ${JSON.stringify(unhandled)}`);
    }
  }
}

/**
 * For the end-to-end tests: make the engine die the way it can in the wild
 * ('abort': a WebAssembly abort inside a request; 'uncaught': the worker's
 * error event), to check that the page recovers.
 */
export function crashEngineForTest(how: 'abort' | 'uncaught'): boolean {
  return send({ type: 'crashForTest', how });
}
(globalThis as { pixelcnnTestHooks?: object }).pixelcnnTestHooks = { crashEngine: crashEngineForTest };
