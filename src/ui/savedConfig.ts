import { CONFIG_FIELDS, DEFAULT_CONFIG, isConfigShape, type PixelCNNConfig, validateConfig, withLaterFields } from '../model/config';

/**
 * The architecture survives a reload so the engine can rebuild (and restore
 * the weights of) the same model the user was last working with. A config
 * remembered by an earlier version lacks the fields added since; it reads as
 * what it was (withLaterFields), e.g. a PixelCNN without position or classes.
 */
const CONFIG_KEY = 'pixelcnn.config';

export function loadSavedConfig(): PixelCNNConfig {
  try {
    const raw = localStorage.getItem(CONFIG_KEY);
    if (!raw) return DEFAULT_CONFIG;
    const json: unknown = JSON.parse(raw);
    if (typeof json !== 'object' || json === null || Array.isArray(json)) return DEFAULT_CONFIG;
    const parsed = withLaterFields(json as Record<string, unknown>);
    if (!isConfigShape(parsed)) return DEFAULT_CONFIG;
    validateConfig(parsed);
    // Only the architecture's own fields, whatever else an older version stored beside them.
    return Object.fromEntries(CONFIG_FIELDS.map((field) => [field, parsed[field]])) as unknown as PixelCNNConfig;
  } catch {
    // Private mode, a corrupt entry or an outdated shape: the default is always safe.
    return DEFAULT_CONFIG;
  }
}

export function saveConfig(config: PixelCNNConfig): void {
  try {
    localStorage.setItem(CONFIG_KEY, JSON.stringify(config));
  } catch {
    // Storage can be full or disabled; losing the remembered config is harmless.
  }
}
