import type { BackendName } from '../worker/protocol';

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
