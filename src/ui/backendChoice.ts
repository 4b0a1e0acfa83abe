import type { BackendName, BackendTrial } from '../worker/protocol';

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
  const fromUrl = parse(new URLSearchParams(globalThis.location?.search ?? '').get('backend'));
  if (fromUrl) return fromUrl;
  try {
    return parse(localStorage.getItem(KEY)) ?? 'auto';
  } catch {
    return 'auto';
  }
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
  try {
    const text = localStorage.getItem(TRIAL_KEY);
    const trial: unknown = text ? JSON.parse(text) : undefined;
    return isTrial(trial) ? trial : undefined;
  } catch {
    return undefined;
  }
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

/** Enough of a shape check that a stale or hand-edited entry is ignored rather than trusted. */
function isTrial(value: unknown): value is BackendTrial {
  if (typeof value !== 'object' || value === null) return false;
  const trial = value as Partial<BackendTrial>;
  return typeof trial.key === 'string' && typeof trial.config === 'object' && Array.isArray(trial.figures) && NAMES.some((n) => n === trial.chosen);
}
