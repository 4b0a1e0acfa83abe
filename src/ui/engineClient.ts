import type { PixelCNNConfig } from '../model/config';
import type { EngineCall, EngineEvent, EngineRequest, ErrorContext, RequestOutcome } from '../worker/protocol';
import { type BackendChoice, forgetTrial, loadBackendChoice, readRememberedTrial, requestedBackend, saveBackendChoice } from './backendChoice';
import { plainEngineText } from '../worker/errors';
import { cancelQueuedProgress, handleEvent } from './engineEvents';
import { createEngineWorker, takePreloadedWorker } from './workerLauncher';
import { sampleChannel } from './sampleChannel';
import { startupFailed, startupStep, takeSafeStart } from './safeStart';
import { INITIAL_SAMPLING, addNotice, nextSampleSettings, setError, useStudio } from './store';

/**
 * Owns the engine worker: starts it, sends it requests and hands each
 * request's answer back to whoever awaits it (`request`, `call`), and
 * passes every other event to the page's reducer (engineEvents.ts). If the
 * worker dies (a WebAssembly abort, out of memory, a lost device, a crash),
 * a fresh one starts by itself on the last saved model and the page says
 * what happened; after repeated deaths the store says so and
 * restartEngine() waits for the user.
 */

let worker: Worker | null = null;

/**
 * What became of a request: the engine's outcome, or no answer at all,
 * because no engine was running to send it to (`no-engine`) or the engine
 * stopped before it answered (`engine-stopped`; the page says so already).
 */
export type Answer = RequestOutcome | { status: 'unanswered'; why: 'no-engine' | 'engine-stopped' };

/** Requests sent and not yet answered, by id; ids are never reused, so an old engine's answers find nothing. */
const awaiting = new Map<number, (answer: Answer) => void>();
let nextRequestId = 1;

/** Every request still waiting gets no answer: its engine is gone. */
function abandonRequests(): void {
  const waiting = [...awaiting.values()];
  awaiting.clear();
  for (const settle of waiting) settle({ status: 'unanswered', why: 'engine-stopped' });
}

function receive(event: EngineEvent): void {
  if (event.type === 'answer') {
    const settle = awaiting.get(event.id);
    awaiting.delete(event.id);
    settle?.(event.outcome);
  } else if (event.type === 'fatal') engineDied(event.message);
  else handleEvent(event);
}

export function startEngine(config: PixelCNNConfig = useStudio.getState().startConfig, backend: BackendChoice = loadBackendChoice()): void {
  worker?.terminate();
  abandonRequests();
  // The worker started as the page loaded (workerLauncher.ts), the first time; a new one on a restart.
  const early = takePreloadedWorker();
  const fresh = early?.worker ?? createEngineWorker();
  worker = fresh;
  // Events from a worker we already replaced must not touch the store.
  fresh.addEventListener('message', (event: MessageEvent<EngineEvent>) => {
    if (worker === fresh) receive(event.data);
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
    // The new engine says again if its saves find no room.
    saveProblem: null,
  });
  sampleChannel.clear();
  cancelQueuedProgress();
  const requested = requestedBackend(backend);
  const remembered = requested ? { trial: undefined, notice: null } : readRememberedTrial();
  if (remembered.notice) addNotice(remembered.notice);
  const started = call('backend', {
    type: 'init',
    config,
    backend: requested,
    remembered: remembered.trial,
    sampleOnStart: nextSampleSettings(),
    // Another tab owns the saved model: this one works on its own copy (tabStorage.ts).
    saving: useStudio.getState().storage === 'owner',
    // The last visit's start failed: this one starts from the shipped model, keeping the saved one in the history.
    ...safeStartField(),
  });
  // The engine's start-up is over: a step of a successful start (safeStart.ts).
  void started.then((done) => {
    if (done) startupStep('engineStarted');
  });
  // The preloaded worker's script failed before it was taken: handled as any engine death.
  if (early?.failure) engineDied(early.failure);
}

/** `safeStart`, on the page's first init only, when the last visit's start failed (safeStart.ts). */
function safeStartField(): { safeStart?: string } {
  const reason = takeSafeStart();
  return reason === null ? {} : { safeStart: reason };
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

/** Sends `request` to the engine; resolves to its answer. */
export function request(engineRequest: EngineRequest, transfer: Transferable[] = []): Promise<Answer> {
  if (!worker || useStudio.getState().engine.state === 'stopped') return Promise.resolve({ status: 'unanswered', why: 'no-engine' });
  const id = nextRequestId++;
  const answer = new Promise<Answer>((settle) => awaiting.set(id, settle));
  worker.postMessage({ id, request: engineRequest } satisfies EngineCall, transfer);
  return answer;
}

/**
 * Sends `request` and waits for its answer; true when the engine did it.
 * A refusal or failure is shown in the panel the engine names; with no
 * engine running, in `panel`, saying how to start one. An engine that
 * stopped before it answered is reported once, by the engine banner.
 */
export async function call(panel: ErrorContext, engineRequest: EngineRequest, transfer: Transferable[] = []): Promise<boolean> {
  const answer = await request(engineRequest, transfer);
  if (answer.status === 'failed') setError(answer.context, plainEngineText(answer.message));
  else if (answer.status === 'unanswered' && answer.why === 'no-engine')
    setError(panel, 'The engine is not running. Use "Restart engine" at the top of the page.');
  return answer.status === 'done';
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
  // While the page is starting, a death makes the next visit start safely.
  startupFailed(`the engine stopped (${what})`);
  if (recentDeaths.length >= MAX_AUTOMATIC_RESTARTS) {
    engineStopped(
      `${what}. It has stopped ${recentDeaths.length + 1} times in a minute, so it was not restarted again; try a smaller model or batch, then Restart engine.`,
    );
    return;
  }
  recentDeaths.push(now);
  restartEngine();
  setError('worker', `The engine stopped (${what}) and was restarted on the last saved model. Anything since the last save was lost.`);
}

function engineStopped(reason: string): void {
  worker?.terminate();
  worker = null;
  abandonRequests();
  cancelQueuedProgress();
  const message = `The engine stopped: ${reason}`;
  startupFailed(`the engine stopped (${reason.replace(/[.\s]+$/, '')})`);
  useStudio.setState((s) => ({
    engine: { state: 'stopped', message },
    training: false,
    importing: false,
    importProgress: null,
    sampling: { ...s.sampling, running: false },
  }));
}
