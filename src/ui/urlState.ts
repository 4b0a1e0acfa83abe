import { BUILTIN_DATASETS, type BuiltinDatasetId, isBuiltinDatasetId } from '../data/builtin';
import { type ClassDraw, MAX_SAMPLE_IMAGES, type SampleSettings } from '../worker/protocol';
import { loadBuiltinDataset } from './actions';
import { hasOwnModel, modelStanding } from './builtinModel';
import { addNotice, type StudioState, useStudio } from './store';

/**
 * A shareable link: the URL hash holds the sampling settings and which
 * built-in model draws, e.g.
 *
 *   #model=digits&seed=1234&t=1&n=16&draw=class:3&speed=10
 *
 * so opening it draws the same images (same model, seed and settings, same
 * backend). Every key is declared once in HASH_KEYS (name, how it reads, how
 * it writes); a new setting is one more entry. Keys the app does not know
 * are kept as they are, and a value that does not read is named in a notice
 * and left at its default.
 */

export interface HashState {
  /** The built-in model the link was made with. */
  model?: BuiltinDatasetId;
  settings: Partial<SampleSettings>;
}

interface HashKey {
  key: string;
  /** What the value is, for the notice when it does not read. */
  what: string;
  read(value: string, into: HashState): boolean;
  write(state: HashState): string | null;
}

function wholeNumber(value: string, min: number, max: number): number | null {
  if (!/^\d+$/.test(value)) return null;
  const n = Number(value);
  return n >= min && n <= max ? n : null;
}

function readDraw(value: string): ClassDraw | null {
  if (value === 'any') return { kind: 'any' };
  const [kind, number] = value.split(':');
  if (kind === 'class') {
    const label = wholeNumber(number ?? '', 0, 1_000_000);
    return label === null ? null : { kind: 'class', label };
  }
  if (kind === 'rows') {
    const perClass = wholeNumber(number ?? '', 1, MAX_SAMPLE_IMAGES);
    return perClass === null ? null : { kind: 'rows', perClass };
  }
  return null;
}

function writeDraw(draw: ClassDraw): string {
  switch (draw.kind) {
    case 'any':
      return 'any';
    case 'class':
      return `class:${draw.label}`;
    case 'rows':
      return `rows:${draw.perClass}`;
  }
}

/** Most images the Sampling panel's Images field allows. */
export const MAX_LINK_COUNT = 16;

export const HASH_KEYS: readonly HashKey[] = [
  {
    key: 'model',
    what: `a built-in model (${Object.keys(BUILTIN_DATASETS).join(' or ')})`,
    read: (value, into) => isBuiltinDatasetId(value) && ((into.model = value), true),
    write: (state) => state.model ?? null,
  },
  {
    key: 'seed',
    what: 'a whole number from 0',
    read: (value, into) => {
      const seed = wholeNumber(value, 0, 2 ** 32 - 1);
      return seed !== null && ((into.settings.seed = seed), true);
    },
    write: (state) => (state.settings.seed === undefined ? null : String(state.settings.seed)),
  },
  {
    key: 't',
    what: 'a temperature from 0 to 2',
    read: (value, into) => {
      const t = Number(value);
      return value.trim() !== '' && Number.isFinite(t) && t >= 0 && t <= 2 && ((into.settings.temperature = t), true);
    },
    write: (state) => (state.settings.temperature === undefined ? null : String(Number(state.settings.temperature.toFixed(3)))),
  },
  {
    key: 'n',
    what: `a number of images from 1 to ${MAX_LINK_COUNT}`,
    read: (value, into) => {
      const count = wholeNumber(value, 1, MAX_LINK_COUNT);
      return count !== null && ((into.settings.count = count), true);
    },
    write: (state) => (state.settings.count === undefined ? null : String(state.settings.count)),
  },
  {
    key: 'draw',
    what: 'any, class:N or rows:N',
    read: (value, into) => {
      const draw = readDraw(value);
      return draw !== null && ((into.settings.draw = draw), true);
    },
    write: (state) => (state.settings.draw ? writeDraw(state.settings.draw) : null),
  },
  {
    key: 'speed',
    what: 'a pause per pixel in ms, from 0 to 2000',
    read: (value, into) => {
      const delayMs = wholeNumber(value, 0, 2000);
      return delayMs !== null && ((into.settings.delayMs = delayMs), true);
    },
    write: (state) => (state.settings.delayMs === undefined ? null : String(state.settings.delayMs)),
  },
];

/** Reads a hash ("#a=1&b=2" or without the #): what it sets, what did not read, and the keys it does not know (kept). */
export function parseHash(hash: string): { state: HashState; problems: string[]; unknown: Array<[string, string]> } {
  const state: HashState = { settings: {} };
  const problems: string[] = [];
  const unknown: Array<[string, string]> = [];
  const params = new URLSearchParams(hash.startsWith('#') ? hash.slice(1) : hash);
  for (const [key, value] of params) {
    const spec = HASH_KEYS.find((k) => k.key === key);
    if (!spec) unknown.push([key, value]);
    else if (!spec.read(value, state)) problems.push(`“${key}=${value}” is not ${spec.what}`);
  }
  return { state, problems, unknown };
}

/** The hash for a state ('' when it sets nothing), keys in HASH_KEYS order, then the unknown ones kept from the link. */
export function formatHash(state: HashState, unknown: ReadonlyArray<[string, string]> = []): string {
  const params = new URLSearchParams();
  for (const spec of HASH_KEYS) {
    const value = spec.write(state);
    if (value !== null) params.set(spec.key, value);
  }
  for (const [key, value] of unknown) params.append(key, value);
  const text = params.toString();
  // ':' needs no escaping in a fragment, and reads better.
  return text === '' ? '' : `#${text.replace(/%3A/gi, ':')}`;
}

/**
 * The built-in model in use: an untouched shipped model of the loaded
 * built-in dataset; null for a model the user trained, imported or reset.
 */
export function builtinModelOf(state: Pick<StudioState, 'model' | 'dataset'>): BuiltinDatasetId | null {
  const id = state.dataset?.builtin ?? null;
  return id && modelStanding(state.model, id) === 'shipped' ? id : null;
}

let unknownKeys: Array<[string, string]> = [];

/**
 * Applies the page's hash before the engine starts (so the first run uses
 * its settings), then keeps the hash in step with the settings and the
 * model, and loads the link's built-in model once the engine is up if
 * another one is in use (never over a model the user trained: then a
 * notice says how to load it).
 */
export function startUrlState(): void {
  const { state, problems, unknown } = parseHash(window.location.hash);
  unknownKeys = unknown;
  const settings = state.settings;
  if (Object.keys(settings).length > 0) {
    useStudio.setState((s) => ({
      sampleSettings: { ...s.sampleSettings, ...settings },
      // A link's seed is the point of the link: keep it for the first run and after.
      freshSeedEachRun: settings.seed === undefined ? s.freshSeedEachRun : false,
    }));
  }
  if (problems.length > 0) addNotice(`This link's ${problems.join('; ')}; the default is used instead.`);

  let pendingModel = state.model ?? null;
  useStudio.subscribe((current) => {
    if (pendingModel && current.engine.state === 'ready' && current.model && current.dataset && !current.importing) {
      const wanted = pendingModel;
      pendingModel = null;
      if (builtinModelOf(current) !== wanted) {
        const title = BUILTIN_DATASETS[wanted].title.toLowerCase();
        if (hasOwnModel(current.model)) {
          addNotice(`This link draws with the built-in ${title} model, but your own model is loaded, so its images will differ. Choose the ${title} under Built-in datasets to load it.`);
        } else {
          loadBuiltinDataset(wanted, true);
        }
      }
    }
    writeHash(current);
  });
}

function writeHash(current: StudioState): void {
  // Until the engine has said which model it has, the link's own model key stands.
  const model = current.model ? builtinModelOf(current) ?? undefined : parseHash(window.location.hash).state.model;
  const hash = formatHash({ model, settings: current.sampleSettings }, unknownKeys);
  if (hash !== window.location.hash) window.history.replaceState(window.history.state, '', `${window.location.pathname}${window.location.search}${hash}`);
}
