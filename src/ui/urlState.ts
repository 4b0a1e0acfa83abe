import { BUILTIN_DATASETS, type BuiltinDatasetId, isBuiltinDatasetId } from '../data/builtin';
import { CONFIG_SPEC } from '../model/config';
import { valueText } from '../model/valueText';
import { type ClassDraw, MAX_SAMPLE_IMAGES, type SampleSettings } from '../worker/protocol';
import { SAMPLE_SETTINGS, allowedRange, settingProblem } from '../worker/settings';
import { loadBuiltinDataset } from './actions';
import { readBackendChoice, searchWithoutRefusedBackend } from './backendChoice';
import { hasOwnModel, modelStanding } from './builtinModel';
import { addNotice, type StudioState, useStudio } from './store';

/**
 * A shareable link: the URL hash holds the sampling settings and which
 * built-in model draws, e.g.
 *
 *   #model=digits&seed=1234&t=1&n=16&draw=class:3&speed=10&g=2
 *
 * so opening it draws the same images (same model, seed and settings, same
 * backend). Every key is declared once in HASH_KEYS (name, how it reads, how
 * it writes); a new setting is one more entry. The number keys are read with
 * the settings' own declarations (SAMPLE_SETTINGS), which the Sampling panel
 * and the engine use too, so a link cannot ask for what they refuse. Keys
 * the app does not know are kept as they are, and a value that does not
 * read is named in a notice and left at its default.
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

/** A decimal number as a link writes it ("12", "0.85"): no sign, exponent, hex or blanks. */
function decimal(value: string): number | null {
  return /^\d+(\.\d+)?$/.test(value) ? Number(value) : null;
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
    const label = wholeNumber(number ?? '', 0, MAX_CLASSES - 1);
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

/** The most classes a model may have (CONFIG_SPEC), so a class number above it cannot be one. */
const MAX_CLASSES = CONFIG_SPEC.classes.range!.max;

type NumberField = keyof typeof SAMPLE_SETTINGS;

/** A fraction as a link holds it: three decimals, so what a link reads is what it writes back. */
function linkFraction(n: number): number {
  return Number(n.toFixed(3));
}

/** A key holding one of the Sampling panel's number settings, read and checked with its SAMPLE_SETTINGS declaration. */
function numberKey(key: string, field: NumberField): HashKey {
  const setting = SAMPLE_SETTINGS[field];
  return {
    key,
    what: `${setting.label.toLowerCase()}: ${allowedRange(setting)}`,
    read: (value, into) => {
      const read = decimal(value);
      const n = read === null || setting.integer ? read : linkFraction(read);
      return n !== null && settingProblem(setting, n) === null && ((into.settings[field] = n), true);
    },
    write: (state) => {
      const n = state.settings[field];
      return n === undefined ? null : String(setting.integer ? n : linkFraction(n));
    },
  };
}

export const HASH_KEYS: readonly HashKey[] = [
  {
    key: 'model',
    what: `a built-in model (${Object.keys(BUILTIN_DATASETS).join(' or ')})`,
    read: (value, into) => isBuiltinDatasetId(value) && ((into.model = value), true),
    write: (state) => state.model ?? null,
  },
  numberKey('seed', 'seed'),
  numberKey('t', 'temperature'),
  numberKey('n', 'count'),
  {
    key: 'draw',
    what: 'any, class:N or rows:N',
    read: (value, into) => {
      const draw = readDraw(value);
      return draw !== null && ((into.settings.draw = draw), true);
    },
    write: (state) => (state.settings.draw ? writeDraw(state.settings.draw) : null),
  },
  numberKey('speed', 'delayMs'),
  numberKey('g', 'guidance'),
];

/**
 * Reads a hash ("#a=1&b=2" or without the #): what it sets, what did not
 * read, the keys it does not know (kept), and the values dropped because
 * their key was given again after a value that read (the first one read is
 * used, so "n=4&n=8" draws 4, and says it dropped "n=8").
 */
export function parseHash(hash: string): { state: HashState; problems: string[]; unknown: Array<[string, string]>; repeated: string[] } {
  const state: HashState = { settings: {} };
  const problems: string[] = [];
  const unknown: Array<[string, string]> = [];
  const repeated: string[] = [];
  const read = new Set<string>();
  const params = new URLSearchParams(hash.startsWith('#') ? hash.slice(1) : hash);
  for (const [key, value] of params) {
    const spec = HASH_KEYS.find((k) => k.key === key);
    if (!spec) unknown.push([key, value]);
    else if (read.has(key)) repeated.push(`“${key}=${value}”`);
    else if (!spec.read(value, state)) problems.push(`“${key}=${value}” is not ${spec.what}`);
    else read.add(key);
  }
  return { state, problems, unknown, repeated };
}

/**
 * The notices for what a link's hash could not use (parseHash), none when it
 * used everything. Keys the app does not read are named too (cut short), so
 * a "size=99" or a typo is not silently without effect; they stay in the
 * link, as a newer version's keys would.
 */
export function hashNotices({ problems, repeated, unknown }: ReturnType<typeof parseHash>): string[] {
  const notices: string[] = [];
  if (unknown.length > 0) {
    const named = unknown.slice(0, 3).map(([key, value]) => `“${valueText(`${key}=${value}`, 40)}”`);
    const more = unknown.length > 3 ? ` and ${unknown.length - 3} more` : '';
    const keys = HASH_KEYS.map((k) => k.key).join(', ');
    const list = more || named.length === 1 ? `${named.join(', ')}${more}` : `${named.slice(0, -1).join(', ')} and ${named.at(-1)}`;
    notices.push(`This link's ${list} ${unknown.length === 1 ? 'is' : 'are'} not among the settings a link sets (${keys}); left in the link unread.`);
  }
  if (problems.length > 0) notices.push(`This link's ${problems.join('; ')}; the default is used instead.`);
  if (repeated.length > 0) {
    notices.push(
      `This link sets a setting more than once: ${repeated.join(', ')} ${repeated.length === 1 ? 'is' : 'are'} dropped, and the first value that read is used.`,
    );
  }
  return notices;
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
  const parsed = parseHash(window.location.hash);
  const { state, unknown } = parsed;
  unknownKeys = unknown;
  const settings = state.settings;
  if (Object.keys(settings).length > 0) {
    useStudio.setState((s) => ({
      sampleSettings: { ...s.sampleSettings, ...settings },
      // A link's seed is the point of the link: keep it for the first run and after.
      freshSeedEachRun: settings.seed === undefined ? s.freshSeedEachRun : false,
    }));
  }
  for (const notice of hashNotices(parsed)) addNotice(notice);
  const backendNotice = readBackendChoice().linkNotice;
  if (backendNotice) addNotice(backendNotice);

  let pendingModel = state.model ?? null;
  useStudio.subscribe((current) => {
    if (pendingModel && current.engine.state === 'ready' && current.model && current.dataset && !current.importing) {
      const wanted = pendingModel;
      pendingModel = null;
      if (builtinModelOf(current) !== wanted) {
        const title = BUILTIN_DATASETS[wanted].title.toLowerCase();
        if (hasOwnModel(current.model)) {
          addNotice(
            `This link draws with the built-in ${title} model, but your own model is loaded, so its images will differ. Choose the ${title} under Built-in datasets to load it.`,
          );
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
  const model = current.model ? (builtinModelOf(current) ?? undefined) : parseHash(window.location.hash).state.model;
  const hash = formatHash({ model, settings: current.sampleSettings }, unknownKeys);
  // A `?backend=` the app refused is dropped with the hash's refused values: the address bar holds only what is used.
  const search = searchWithoutRefusedBackend(window.location.search);
  if (hash !== window.location.hash || search !== window.location.search) {
    window.history.replaceState(window.history.state, '', `${window.location.pathname}${search}${hash}`);
  }
}
