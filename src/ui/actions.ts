import type { PixelCNNConfig } from '../model/config';
import type { InputFile, SkippedFile } from '../data/types';
import type { BuiltinDatasetId } from '../data/builtin';
import type { ErrorContext, SampleSettings, TrainSettings } from '../worker/protocol';
import { send } from './engineClient';
import { dropOffer, rememberImport } from './importOffer';
import { actionProblem, useFieldProblems } from './fieldProblems';
import { clearErrors, nextSampleSettings, setError, useStudio } from './store';

/**
 * What the buttons do. Each action clears the error it could have caused
 * last time, then sends one request; the answer arrives as events.
 */

/** False (with the reason shown) while a field the action uses is invalid: the keyboard shortcuts reach here past the disabled buttons. */
function settingsAllow(action: 'training' | 'sampling'): boolean {
  const problem = actionProblem(useFieldProblems.getState().problems, action);
  if (problem) setError(action, `Fix the settings first: ${problem}`);
  return problem === null;
}

function sendOrExplain(ok: boolean, context: ErrorContext): boolean {
  if (!ok) setError(context, 'The engine is not running. Use "Restart engine" at the top of the page.');
  return ok;
}

export function startTraining(): void {
  clearErrors('training');
  if (!settingsAllow('training')) return;
  useStudio.setState({ trainingStopReason: null });
  sendOrExplain(send({ type: 'train', settings: useStudio.getState().trainSettings }), 'training');
}

export function pauseTraining(): void {
  send({ type: 'pause' });
}

export function toggleTraining(): void {
  if (useStudio.getState().training) pauseTraining();
  else startTraining();
}

export function trainOneStep(): void {
  clearErrors('training');
  if (!settingsAllow('training')) return;
  useStudio.setState({ trainingStopReason: null });
  sendOrExplain(send({ type: 'step', settings: useStudio.getState().trainSettings }), 'training');
}

export function changeTrainSettings(patch: Partial<TrainSettings>): void {
  const settings = { ...useStudio.getState().trainSettings, ...patch };
  useStudio.setState({ trainSettings: settings });
  // A running loop picks the new values up at its next step.
  if (useStudio.getState().training) send({ type: 'updateTrainSettings', settings });
}

export function changeSampleSettings(patch: Partial<SampleSettings>): void {
  const settings = { ...useStudio.getState().sampleSettings, ...patch };
  useStudio.setState({ sampleSettings: settings });
  // Speed is the one setting that can change while an image is being drawn.
  if (patch.delayMs !== undefined && useStudio.getState().sampling.running) {
    send({ type: 'setSampleDelay', delayMs: patch.delayMs });
  }
}

export function setFreshSeedEachRun(fresh: boolean): void {
  useStudio.setState({ freshSeedEachRun: fresh });
}

/** Typing a seed means "these images again", so it turns fresh seeds off. */
export function pinSeed(seed: number): void {
  useStudio.setState((s) => ({ freshSeedEachRun: false, sampleSettings: { ...s.sampleSettings, seed } }));
}

export function startSampling(): void {
  clearErrors('sampling');
  if (!settingsAllow('sampling')) return;
  sendOrExplain(send({ type: 'sample', settings: nextSampleSettings() }), 'sampling');
}

export function completeHeldOutImage(testIndex: number): void {
  clearErrors('sampling');
  sendOrExplain(send({ type: 'complete', testIndex, settings: nextSampleSettings() }), 'sampling');
}

/**
 * Keeps the first `keepRows` rows of a drawing (levels at the model's size)
 * and lets the model draw the rest `count` times, side by side.
 */
export function completeDrawing(image: Uint8Array, keepRows: number, count: number): void {
  clearErrors('sampling');
  const settings = { ...nextSampleSettings(), count };
  sendOrExplain(send({ type: 'completeDrawing', image, keepRows, settings }, [image.buffer]), 'sampling');
}

export function stopSampling(): void {
  send({ type: 'stopSampling' });
}

export function applyConfig(config: PixelCNNConfig): void {
  clearErrors('model');
  // Remembered only once the engine has built it (engineClient, on its 'model' event): a config that fails is never restarted from.
  sendOrExplain(send({ type: 'setConfig', config, batchSize: useStudio.getState().trainSettings.batchSize }), 'model');
}

export function resetModel(): void {
  clearErrors('model');
  sendOrExplain(send({ type: 'resetModel' }), 'model');
}

export function exportModel(): void {
  clearErrors('export');
  sendOrExplain(send({ type: 'exportModel' }), 'export');
}

/** `switchArchitecture`: the user agreed that a file of another architecture replaces the model. */
export function importModel(text: string, fileName: string, switchArchitecture = false): void {
  clearErrors('import');
  dropOffer();
  rememberImport(text, fileName);
  sendOrExplain(send({ type: 'importModel', text, fileName, switchArchitecture }), 'import');
}

/**
 * A built-in dataset. `withModel` also loads the model shipped for it (the
 * current one is kept in the history) and starts drawing from it.
 */
export function loadBuiltinDataset(id: BuiltinDatasetId = 'digits', withModel = false): void {
  clearErrors('dataset');
  const request = withModel ? { type: 'useBuiltinDataset' as const, id, withModel, sample: nextSampleSettings() } : { type: 'useBuiltinDataset' as const, id };
  if (sendOrExplain(send(request), 'dataset')) {
    useStudio.setState({ importing: true, importProgress: null });
  }
}

/** `mode` 'add' adds the files to the user's own images in use; `notRead`: files of the drop left unread, with why. */
export function importImages(files: InputFile[], mode: 'replace' | 'add' = 'replace', notRead: SkippedFile[] = []): void {
  clearErrors('dataset');
  const buffers = files.map((f) => f.bytes).filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
  if (sendOrExplain(send({ type: 'importImages', files, mode, notRead }, buffers), 'dataset')) {
    useStudio.setState({ importing: true, importProgress: { done: 0, total: files.length } });
  }
}

/** Back to a checkpoint of the training history, or to the shipped model. */
export function restoreCheckpoint(checkpoint: number | 'pretrained'): void {
  clearErrors('model');
  sendOrExplain(send({ type: 'restoreCheckpoint', checkpoint }), 'model');
}
