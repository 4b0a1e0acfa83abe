import { create } from 'zustand';
import type { PixelCNNConfig } from '../model/config';
import {
  type BackendInfo,
  type CheckpointList,
  type DatasetSummary,
  type ErrorContext,
  type ModelSummary,
  type SampleSettings,
  type StartProposal,
  type TrainSettings,
  DEFAULT_SAMPLE_SETTINGS,
  DEFAULT_TRAIN_SETTINGS,
} from '../worker/protocol';
import { readBackendChoice } from './backendChoice';
import { readSavedConfig } from './savedConfig';

/**
 * Everything the panels show, in one place. The engine client writes events
 * in; actions.ts turns clicks into requests. Sample pixels are the one thing
 * kept out of here (see sampleChannel.ts) because they change too often.
 */

export type EngineStatus = { state: 'starting' } | { state: 'ready' } | { state: 'stopped'; message: string };

export interface LossPoint {
  step: number;
  bitsPerDim: number;
}

export interface TestLossPoint {
  step: number;
  testBitsPerDim: number;
}

export interface SamplingState {
  running: boolean;
  /** What the current or last run was: free sampling or completing a held-out image. */
  mode: 'sample' | 'complete' | null;
  /** Sub-pixels per image known so far (prefix included), in generation order. */
  drawn: number;
  /** Sub-pixels per image in total: H × W × C. */
  total: number;
  channels: 1 | 3;
  prefixLength: number;
  elapsedMs: number;
  /** Set when a run ends; `stopped` means the user pressed Stop. */
  finished: { stopped: boolean } | null;
  /** Each image's class name (a conditional model), or null. */
  captions: string[] | null;
  /** Grid columns (one row per class), or null for a near-square grid. */
  columns: number | null;
}

export interface Notice {
  id: number;
  message: string;
}

/**
 * Whether this tab writes the saved model and images (tabStorage.ts):
 * `checking` until the browser answers; `owner`; `guest` when another tab
 * owned them first; `lost` when another tab took them over; `unowned` when
 * this tab does not save and the tab that did has closed.
 */
export type StorageOwnership = 'checking' | 'owner' | 'guest' | 'lost' | 'unowned';

export interface StudioState {
  engine: EngineStatus;
  /** The config the engine was last started with, used to start it again. */
  startConfig: PixelCNNConfig;
  backend: BackendInfo | null;
  model: ModelSummary | null;

  dataset: DatasetSummary | null;
  /** The start the Model panel proposes for images just dropped (startProposal.ts), until one is taken or it is put aside. */
  startProposal: StartProposal | null;
  /** True from sending an import until its dataset (or error) comes back. */
  importing: boolean;
  importProgress: { done: number; total: number } | null;

  training: boolean;
  /** Why training last stopped on its own (NaN loss, no data…), if it did. */
  trainingStopReason: string | null;
  lossHistory: LossPoint[];
  testHistory: TestLossPoint[];
  stepsPerSecond: number | null;
  /** Cores that compute each training batch (the engine's `trainingCores`); null until it says. */
  trainingCores: number | null;
  /** How training steps' arithmetic runs (the engine's `trainingArithmetic`); null until it says. */
  trainingArithmetic: 'tfjs' | 'SIMD kernels' | null;
  trainSettings: TrainSettings;

  sampleSettings: SampleSettings;
  /** Pick a new random seed after every run, so Sample shows new images each time. */
  freshSeedEachRun: boolean;
  sampling: SamplingState;

  errors: Partial<Record<ErrorContext, string>>;
  notices: Notice[];

  /** The training history the engine keeps (checkpoints to go back to). */
  checkpoints: CheckpointList | null;
  storage: StorageOwnership;
  /** Why the engine's last write to browser storage failed for want of room, until a write goes through. */
  saveProblem: string | null;
}

export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}

export const INITIAL_SAMPLING: SamplingState = {
  running: false,
  mode: null,
  drawn: 0,
  total: 0,
  channels: 1,
  prefixLength: 0,
  elapsedMs: 0,
  finished: null,
  captions: null,
  columns: null,
};

/** The config last used, read once as the page loads (what it had to drop is said once the store exists, below). */
const remembered = readSavedConfig();

export const useStudio = create<StudioState>()(() => ({
  engine: { state: 'starting' },
  startConfig: remembered.config,
  backend: null,
  model: null,
  dataset: null,
  startProposal: null,
  importing: false,
  importProgress: null,
  training: false,
  trainingStopReason: null,
  lossHistory: [],
  testHistory: [],
  stepsPerSecond: null,
  trainingCores: null,
  trainingArithmetic: null,
  // The declared defaults (src/worker/settings.ts), and a random seed.
  trainSettings: DEFAULT_TRAIN_SETTINGS,
  sampleSettings: { ...DEFAULT_SAMPLE_SETTINGS, seed: randomSeed() },
  freshSeedEachRun: true,
  sampling: INITIAL_SAMPLING,
  errors: {},
  notices: [],
  checkpoints: null,
  storage: 'checking',
  saveProblem: null,
}));

/** The step count shown everywhere: the live training step, or the model's saved count. */
export function currentStep(state: StudioState): number {
  const last = state.lossHistory.at(-1)?.step ?? 0;
  return Math.max(last, state.model?.steps ?? 0);
}

export function setError(context: ErrorContext, message: string): void {
  useStudio.setState((s) => ({ errors: { ...s.errors, [context]: message } }));
}

export function clearErrors(...contexts: ErrorContext[]): void {
  useStudio.setState((s) => {
    if (!contexts.some((c) => s.errors[c] !== undefined)) return s;
    const errors = { ...s.errors };
    for (const context of contexts) delete errors[context];
    return { errors };
  });
}

let nextNoticeId = 1;
const NOTICE_LIFETIME_MS = 8000;
const MAX_NOTICES = 4;

/** A notice that fades after a few seconds, or with `lasting`, stays until dismissed. */
export function addNotice(message: string, lasting = false): void {
  const id = nextNoticeId++;
  useStudio.setState((s) => ({ notices: [...s.notices, { id, message }].slice(-MAX_NOTICES) }));
  if (!lasting) setTimeout(() => dismissNotice(id), NOTICE_LIFETIME_MS);
}

/** This tab no longer saves: another took browser storage over. Said once, however many ways it was learnt. */
export function markStorageLost(): void {
  if (useStudio.getState().storage === 'lost') return;
  useStudio.setState({ storage: 'lost' });
  // The banner sits at the top of the page; a notice reaches a user scrolled down to their training.
  addNotice('Another tab took over saving: what this tab does is no longer saved. The banner at the top of the page takes it back.');
}

export function dismissNotice(id: number): void {
  useStudio.setState((s) => ({ notices: s.notices.filter((n) => n.id !== id) }));
}

/**
 * The settings for the next run. A fresh seed is picked here, before the
 * run, so the Seed field always shows the seed of the images on screen.
 */
export function nextSampleSettings(): SampleSettings {
  const { freshSeedEachRun, sampleSettings } = useStudio.getState();
  if (!freshSeedEachRun) return sampleSettings;
  const settings = { ...sampleSettings, seed: randomSeed() };
  useStudio.setState({ sampleSettings: settings });
  return settings;
}

// Said once the notices exist: what the remembered config had to drop (savedConfig.ts), and a remembered backend choice that is none.
if (remembered.notice) addNotice(remembered.notice, true);
const rememberedBackend = readBackendChoice().rememberedNotice;
if (rememberedBackend) addNotice(rememberedBackend, true);
