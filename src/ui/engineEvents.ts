import { sameArchitecture } from '../model/config';
import type { EngineEvent, ModelSummary } from '../worker/protocol';
import { plainEngineText } from '../worker/errors';
import { fitDraw } from '../worker/settings';
import { rememberTrial } from './backendChoice';
import { downloadText } from './download';
import { offerSwitch } from './importOffer';
import { learningTimeline } from './learningTimeline';
import { handleInspectEvent, resetForNewSample } from './panels/inspect/inspectStore';
import { sampleChannel } from './sampleChannel';
import { saveConfig } from './savedConfig';
import { INITIAL_SAMPLING, addNotice, markStorageLost, setError, useStudio, type StudioState } from './store';

/**
 * The page's reducer: what each engine event does to the store. Requests'
 * answers and the engine's death are the engine client's (engineClient.ts);
 * everything else the engine says arrives here: the model and dataset it
 * holds, and the runs that stream on after their request was answered
 * (training steps, sample pixels, a ranking), each with how it ended. No
 * event is read for what some request's outcome might have been: an action
 * awaits its own (actions.ts).
 */
export type StoreEvent = Exclude<EngineEvent, { type: 'answer' | 'fatal' }>;

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

/** Drops progress not yet shown (a run ended, or the engine was replaced). */
export function cancelQueuedProgress(): void {
  if (progressFrame) cancelAnimationFrame(progressFrame);
  progressFrame = 0;
  pendingProgress = null;
}

/** The loss curve belongs to particular weights; a new or different model starts a new curve. */
function historyAfterModel(state: StudioState, model: ModelSummary): Partial<StudioState> {
  const previous = state.model;
  const lastStep = state.lossHistory.at(-1)?.step ?? 0;
  const sameWeights =
    previous !== null && previous.origin === model.origin && sameArchitecture(previous.config, model.config) && model.steps > 0 && model.steps >= lastStep;
  return sameWeights ? {} : { lossHistory: [], testHistory: [], stepsPerSecond: null, trainingStopReason: null };
}

/**
 * Long runs would grow the history (and its per-step copy) without bound;
 * past the cap, older points are thinned to every other one, which the
 * chart, averaging into a few hundred buckets anyway, cannot tell apart.
 */
export const MAX_HISTORY_POINTS = 20_000;

function appendPoint<T extends { step: number }>(history: T[], point: T): T[] {
  // The engine evaluates again when training pauses; the same step twice is one point.
  const base = history.at(-1)?.step === point.step ? history.slice(0, -1) : history;
  const next = [...base, point];
  if (next.length <= MAX_HISTORY_POINTS) return next;
  const recentStart = next.length - MAX_HISTORY_POINTS / 2;
  return [...next.slice(0, recentStart).filter((_, i) => i % 2 === 0), ...next.slice(recentStart)];
}

export function handleEvent(event: StoreEvent): void {
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
      const history = historyAfterModel(useStudio.getState(), event.model);
      // The learning timeline sits beside the loss chart and starts again with it.
      if (history.lossHistory) learningTimeline.clear();
      useStudio.setState((s) => ({
        ...history,
        model: event.model,
        ...(newArchitecture ? { sampling: INITIAL_SAMPLING } : {}),
        sampleSettings: { ...s.sampleSettings, draw: fitDraw(s.sampleSettings.draw, event.model.config.classes).draw },
      }));
      return;
    }
    case 'dataset':
      useStudio.setState({ dataset: event.dataset });
      return;
    case 'startProposal':
      useStudio.setState({ startProposal: event.proposal });
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
    case 'learningStrip':
      learningTimeline.add(event.strip);
      return;
    case 'trainingCores':
      useStudio.setState({ trainingCores: event.cores });
      return;
    case 'trainingArithmetic':
      useStudio.setState({ trainingArithmetic: event.arithmetic });
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
    case 'rankFailed':
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
    case 'saveProblem':
      // Said once as a notice too, where a user scrolled down to their training sees it; the banner stays.
      if (event.message !== null && useStudio.getState().saveProblem === null) addNotice(event.message);
      useStudio.setState({ saveProblem: event.message });
      return;
    case 'notice':
      addNotice(event.message, event.lasting ?? false);
      return;
    case 'importNeedsSwitch':
      offerSwitch(event.fileName, event.config, event.steps);
      return;
    case 'error':
      // A failure outside any request; whatever it stopped has said so in its own stream (sampleDone, training).
      setError(event.context, plainEngineText(event.message));
      return;
    default: {
      const unhandled: never = event;
      throw new Error(`Unhandled engine event: ${JSON.stringify(unhandled)}`);
    }
  }
}
