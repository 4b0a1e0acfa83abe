import { CONFIG_FIELDS, CONFIG_SPEC, ConfigError, DEFAULT_CONFIG, type PixelCNNConfig, fieldProblem, validateConfig, withLaterFields } from '../model/config';
import { droppedSentence, emptyReport, isRecord } from '../model/fields';
import { withFieldLabels } from './format';

/**
 * The architecture survives a reload so the engine can rebuild (and restore
 * the weights of) the same model the user was last working with. A config
 * remembered by an earlier version lacks the fields added since; it reads as
 * what it was (withLaterFields), e.g. a PixelCNN without position or classes.
 */
const CONFIG_KEY = 'pixelcnn.config';

/** The remembered config, or the default; nothing here throws. */
export function loadSavedConfig(): PixelCNNConfig {
  return readSavedConfig().config;
}

/**
 * The remembered config read field by field against its declaration
 * (CONFIG_SPEC): a field that is missing, or whose value its declaration
 * refuses, takes its default and is named in `notice` (by the label the
 * Model panel shows); a config whose fields do not fit together is replaced
 * by the default, saying why. Nothing remembered (or storage off) is the
 * default with no notice.
 */
export function readSavedConfig(): { config: PixelCNNConfig; notice: string | null } {
  let raw: string | null;
  try {
    raw = localStorage.getItem(CONFIG_KEY);
  } catch {
    // Private mode or storage disabled: nothing is remembered.
    return { config: DEFAULT_CONFIG, notice: null };
  }
  if (!raw) return { config: DEFAULT_CONFIG, notice: null };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    json = undefined;
  }
  if (!isRecord(json)) return { config: DEFAULT_CONFIG, notice: 'The remembered model settings could not be read; the defaults are used.' };
  const filled = withLaterFields(json);
  const report = emptyReport();
  // Only the architecture's own fields, whatever else an older version stored beside them.
  const config: Record<string, unknown> = {};
  for (const field of CONFIG_FIELDS) {
    const value = filled[field];
    const label = CONFIG_SPEC[field].label;
    if (value === undefined) report.missing.push(label);
    else if (fieldProblem(field, value) !== null) report.wrongKind.push(label);
    else {
      config[field] = value;
      continue;
    }
    config[field] = DEFAULT_CONFIG[field];
  }
  try {
    validateConfig(config as unknown as PixelCNNConfig);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { config: DEFAULT_CONFIG, notice: `The remembered model settings do not fit together (${withFieldLabels(error.message)}); the defaults are used.` };
  }
  return { config: config as unknown as PixelCNNConfig, notice: droppedSentence('The remembered model settings', report, 'the defaults are used for {them}') };
}

export function saveConfig(config: PixelCNNConfig): void {
  try {
    localStorage.setItem(CONFIG_KEY, JSON.stringify(config));
  } catch {
    // Storage can be full or disabled; losing the remembered config is harmless.
  }
}
