import type { PixelCNNConfig } from '../model/config';
import type { InputFile, SkippedFile } from '../data/types';
import type { BuiltinDatasetId } from '../data/builtin';
import type { SampleSettings, StartChoice, TrainSettings } from '../worker/protocol';
import { call, request } from './engineClient';
import { dropOffer, rememberImport } from './importOffer';
import { actionProblem, useFieldProblems } from './fieldProblems';
import { clearErrors, nextSampleSettings, setError, useStudio } from './store';

/**
 * What the buttons do. Each action clears the error it could have caused
 * last time, sends one request and awaits its answer (engineClient's
 * `call`): it resolves to true when the engine did it, and a refusal is
 * shown in its panel. What runs on after the answer (training, a grid
 * being drawn) arrives as events (engineEvents.ts).
 */

/** False (with the reason shown) while a field the action uses is invalid: the keyboard shortcuts reach here past the disabled buttons. */
function settingsAllow(action: 'training' | 'sampling'): boolean {
  const problem = actionProblem(useFieldProblems.getState().problems, action);
  if (problem) setError(action, `Fix the settings first: ${problem}`);
  return problem === null;
}

/** Imports in flight: the Dataset panel is busy until every one is answered. */
let importsInFlight = 0;

/** Marks the dataset busy while `answer` is awaited, with `progress` until the engine reports its own. */
async function importing(progress: { done: number; total: number } | null, answer: Promise<boolean>): Promise<boolean> {
  importsInFlight += 1;
  useStudio.setState({ importing: true, importProgress: progress });
  try {
    return await answer;
  } finally {
    importsInFlight -= 1;
    if (importsInFlight === 0) useStudio.setState({ importing: false, importProgress: null });
  }
}

export async function startTraining(): Promise<boolean> {
  clearErrors('training');
  if (!settingsAllow('training')) return false;
  useStudio.setState({ trainingStopReason: null });
  return call('training', { type: 'train', settings: useStudio.getState().trainSettings });
}

export async function pauseTraining(): Promise<boolean> {
  return call('training', { type: 'pause' });
}

export function toggleTraining(): Promise<boolean> {
  return useStudio.getState().training ? pauseTraining() : startTraining();
}

export async function trainOneStep(): Promise<boolean> {
  clearErrors('training');
  if (!settingsAllow('training')) return false;
  useStudio.setState({ trainingStopReason: null });
  return call('training', { type: 'step', settings: useStudio.getState().trainSettings });
}

export function changeTrainSettings(patch: Partial<TrainSettings>): void {
  const settings = { ...useStudio.getState().trainSettings, ...patch };
  useStudio.setState({ trainSettings: settings });
  // A running loop picks the new values up at its next step.
  if (useStudio.getState().training) void call('training', { type: 'updateTrainSettings', settings });
}

export function changeSampleSettings(patch: Partial<SampleSettings>): void {
  const settings = { ...useStudio.getState().sampleSettings, ...patch };
  useStudio.setState({ sampleSettings: settings });
  // Speed is the one setting that can change while an image is being drawn.
  if (patch.delayMs !== undefined && useStudio.getState().sampling.running) {
    void request({ type: 'setSampleDelay', delayMs: patch.delayMs });
  }
}

export function setFreshSeedEachRun(fresh: boolean): void {
  useStudio.setState({ freshSeedEachRun: fresh });
}

/** Typing a seed means "these images again", so it turns fresh seeds off. */
export function pinSeed(seed: number): void {
  useStudio.setState((s) => ({ freshSeedEachRun: false, sampleSettings: { ...s.sampleSettings, seed } }));
}

/** Draws a new grid with the Sampling panel's settings; true once it has started. */
export async function sampleImages(): Promise<boolean> {
  clearErrors('sampling');
  if (!settingsAllow('sampling')) return false;
  return call('sampling', { type: 'sample', settings: nextSampleSettings() });
}

export async function completeHeldOutImage(testIndex: number): Promise<boolean> {
  clearErrors('sampling');
  return call('sampling', { type: 'complete', testIndex, settings: nextSampleSettings() });
}

/**
 * Keeps the first `keepRows` rows of a drawing (levels at the model's size)
 * and lets the model draw the rest `count` times, side by side.
 */
export async function completeDrawing(image: Uint8Array, keepRows: number, count: number): Promise<boolean> {
  clearErrors('sampling');
  const settings = { ...nextSampleSettings(), count };
  return call('sampling', { type: 'completeDrawing', image, keepRows, settings }, [image.buffer]);
}

export async function stopSampling(): Promise<boolean> {
  return call('sampling', { type: 'stopSampling' });
}

export async function applyConfig(config: PixelCNNConfig): Promise<boolean> {
  clearErrors('model');
  // Remembered only once the engine has built it (engineEvents, on its 'model' event): a config that fails is never restarted from.
  const built = await call('model', { type: 'setConfig', config, batchSize: useStudio.getState().trainSettings.batchSize });
  // A model of the user's own choosing replaces the proposed start.
  if (built) dismissStartProposal();
  return built;
}

/** Takes a proposed start for the data (the Model panel's proposal): the shipped model carried to the data's classes, or a new model. */
export async function takeStart(start: StartChoice): Promise<boolean> {
  clearErrors('model');
  return call('model', { type: 'useStart', start });
}

/** Puts the proposed start aside: the panel stops showing it. */
export function dismissStartProposal(): void {
  useStudio.setState({ startProposal: null });
}

export async function resetModel(): Promise<boolean> {
  clearErrors('model');
  return call('model', { type: 'resetModel' });
}

export async function exportModel(): Promise<boolean> {
  clearErrors('export');
  return call('export', { type: 'exportModel' });
}

/** `switchArchitecture`: the user agreed that a file of another architecture replaces the model. */
export async function importModel(text: string, fileName: string, switchArchitecture = false): Promise<boolean> {
  clearErrors('import');
  dropOffer();
  rememberImport(text, fileName);
  return call('import', { type: 'importModel', text, fileName, switchArchitecture });
}

/**
 * A built-in dataset. `withModel` also loads the model shipped for it (the
 * current one is kept in the history) and starts drawing from it.
 */
export async function loadBuiltinDataset(id: BuiltinDatasetId = 'digits', withModel = false): Promise<boolean> {
  clearErrors('dataset');
  const engineRequest = withModel
    ? { type: 'useBuiltinDataset' as const, id, withModel, sample: nextSampleSettings() }
    : { type: 'useBuiltinDataset' as const, id };
  const loaded = await importing(null, call('dataset', engineRequest));
  // The proposal was for the images just dropped; a built-in set replaces them.
  if (loaded) dismissStartProposal();
  return loaded;
}

/** `mode` 'add' adds the files to the user's own images in use; `notRead`: files of the drop left unread, with why. */
export async function importImages(files: InputFile[], mode: 'replace' | 'add' = 'replace', notRead: SkippedFile[] = []): Promise<boolean> {
  clearErrors('dataset');
  const buffers = files.map((f) => f.bytes).filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
  return importing({ done: 0, total: files.length }, call('dataset', { type: 'importImages', files, mode, notRead }, buffers));
}

/**
 * Stops the imports of images under way: nothing of them is kept, and each
 * one's answer says it was cancelled (shown in the Dataset panel).
 */
export async function cancelImport(): Promise<boolean> {
  return call('dataset', { type: 'cancelImport' });
}

/** Deletes a checkpoint from the training history (to make room in browser storage). */
export async function deleteCheckpoint(checkpoint: number): Promise<boolean> {
  clearErrors('model');
  return call('model', { type: 'deleteCheckpoint', checkpoint });
}

/** Back to a checkpoint of the training history, or to the shipped model. */
export async function restoreCheckpoint(checkpoint: number | 'pretrained'): Promise<boolean> {
  clearErrors('model');
  return call('model', { type: 'restoreCheckpoint', checkpoint });
}
