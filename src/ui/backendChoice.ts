import { isConfigShape } from '../model/config';
import { type Schema, droppedSentence, isBoolean, isNumber, isRecord, isText, isWholeNumber, oneOf, readFields } from '../model/fields';
import type { BackendFigure, BackendName, BackendTrial, TrialOutcome } from '../worker/protocol';

/**
 * The user's backend override: "auto" lets the engine pick the fastest;
 * a name makes it try that backend first. A `?backend=` query parameter
 * wins over the remembered choice, so a link can pin a backend.
 */
export type BackendChoice = BackendName | 'auto';

const KEY = 'pixelcnn.backend';
const NAMES: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

function parse(value: string | null): BackendChoice | null {
  if (value === 'auto') return 'auto';
  return NAMES.find((n) => n === value) ?? null;
}

export function loadBackendChoice(): BackendChoice {
  return readBackendChoice().choice;
}

const CHOICES_TEXT = `${NAMES.join(', ')} or auto`;

/**
 * The backend choice read as the other remembered values are: the link's
 * `?backend=` first, then the remembered one, else 'auto'. A value that is
 * not a choice is not used: `linkNotice` or `rememberedNotice` names it and
 * what is used instead, and a bad remembered value is forgotten, so it is
 * said once. Nothing here throws.
 */
export function readBackendChoice(search: string = globalThis.location?.search ?? ''): {
  choice: BackendChoice;
  linkNotice: string | null;
  rememberedNotice: string | null;
} {
  const given = new URLSearchParams(search).get('backend');
  const fromUrl = parse(given);
  let stored: string | null = null;
  try {
    stored = localStorage.getItem(KEY);
  } catch {
    // Storage disabled: nothing is remembered.
  }
  const remembered = parse(stored);
  let rememberedNotice: string | null = null;
  if (stored !== null && remembered === null) {
    rememberedNotice = `The remembered backend choice “${shortText(stored)}” is not one of ${CHOICES_TEXT}; it is forgotten, and the app picks the backend itself.`;
    try {
      localStorage.removeItem(KEY);
    } catch {
      // Nothing more to do: it is not used either way.
    }
  }
  const fallback = remembered ?? 'auto';
  const linkNotice =
    given !== null && fromUrl === null
      ? `This link's “backend=${shortText(given)}” is not one of ${CHOICES_TEXT}; ${fallback === 'auto' ? 'the app picks the backend itself' : `the remembered ${fallback} is used`} instead.`
      : null;
  return { choice: fromUrl ?? fallback, linkNotice, rememberedNotice };
}

/** A query string without a `backend` parameter the app refuses (readBackendChoice), so the address bar never keeps it. */
export function searchWithoutRefusedBackend(search: string): string {
  const params = new URLSearchParams(search);
  const given = params.get('backend');
  if (given === null || parse(given) !== null) return search;
  params.delete('backend');
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/** A value from outside as a notice quotes it: at most 40 characters. */
function shortText(value: string): string {
  return value.length > 40 ? `${value.slice(0, 40)}…` : value;
}

export function saveBackendChoice(choice: BackendChoice): void {
  try {
    localStorage.setItem(KEY, choice);
  } catch {
    // Storage disabled: the choice lasts for this page only.
  }
}

export function requestedBackend(choice: BackendChoice): BackendName | undefined {
  return choice === 'auto' ? undefined : choice;
}

/**
 * The figures of the last measured trial. The engine reuses them while the
 * model and adapters match (it checks the key), so a reload does not spend
 * seconds timing backends again.
 */
const TRIAL_KEY = 'pixelcnn.backendTrial';

export function loadRememberedTrial(): BackendTrial | undefined {
  return readRememberedTrial().trial;
}

/**
 * The remembered trial read field by field (fields.ts): one missing a field
 * the engine or the badge reads, or with one of the wrong kind, is not used
 * (the backends are timed again) and `notice` names what was wrong; a
 * figure's optional fields of the wrong kind are dropped, named.
 */
export function readRememberedTrial(): { trial: BackendTrial | undefined; notice: string | null } {
  let raw: unknown;
  try {
    const text = localStorage.getItem(TRIAL_KEY);
    if (!text) return { trial: undefined, notice: null };
    raw = JSON.parse(text);
  } catch {
    raw = undefined;
  }
  const what = 'The remembered backend timings';
  if (!isRecord(raw)) return { trial: undefined, notice: `${what} could not be read; the backends are timed again.` };
  const { value, report } = readFields(raw, TRIAL_SCHEMA, { required: TRIAL_REQUIRED });
  const figures: BackendFigure[] = [];
  if (Array.isArray(value.figures)) {
    value.figures.forEach((figure: unknown, i) => {
      const read = isRecord(figure) ? readFields(figure, FIGURE_SCHEMA, { required: FIGURE_REQUIRED, prefix: `figures.${i + 1}.`, report }).value : null;
      if (read === null) report.wrongKind.push(`figures.${i + 1}`);
      else figures.push(read as unknown as BackendFigure);
    });
  }
  const usable = report.missing.length === 0 && !report.wrongKind.some((path) => !isOptionalFigureField(path));
  const trial = usable ? ({ ...value, figures } as unknown as BackendTrial) : undefined;
  return {
    trial,
    notice: droppedSentence(what, report, usable ? 'they are used without {them}' : 'the backends are timed again'),
  };
}

const NAMES_KIND = oneOf(...NAMES);
const OUTCOMES: readonly TrialOutcome[] = ['timed', 'too-slow', 'failed', 'skipped', 'unavailable'];

const TRIAL_SCHEMA: Schema = {
  key: isText,
  config: isConfigShape,
  batch: isWholeNumber,
  steps: isWholeNumber,
  figures: Array.isArray,
  chosen: NAMES_KIND,
  totalMs: isNumber,
  measuredAt: isText,
  source: oneOf('measured', 'remembered'),
};
const TRIAL_REQUIRED = ['key', 'config', 'batch', 'steps', 'figures', 'chosen', 'totalMs', 'measuredAt'];

const FIGURE_SCHEMA: Schema = {
  name: NAMES_KIND,
  adapter: isText,
  software: isBoolean,
  outcome: oneOf(...OUTCOMES),
  msPerStep: isNumber,
  warmUpMs: isNumber,
  note: isText,
  trialMs: isNumber,
  cores: isWholeNumber,
};
const FIGURE_REQUIRED = ['name', 'adapter', 'software', 'outcome'];
const OPTIONAL_FIGURE_FIELDS = Object.keys(FIGURE_SCHEMA).filter((field) => !FIGURE_REQUIRED.includes(field));

/** A figure's optional field ("figures.2.note"): the trial is used without it. */
function isOptionalFigureField(path: string): boolean {
  const parts = path.split('.');
  return parts.length === 3 && parts[0] === 'figures' && OPTIONAL_FIGURE_FIELDS.includes(parts[2]!);
}

export function rememberTrial(trial: BackendTrial): void {
  try {
    localStorage.setItem(TRIAL_KEY, JSON.stringify(trial));
  } catch {
    // Storage disabled: the next start measures again.
  }
}

export function forgetTrial(): void {
  try {
    localStorage.removeItem(TRIAL_KEY);
  } catch {
    // Nothing stored, then.
  }
}
