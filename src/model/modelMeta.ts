import { type ModelCard, readCard } from './card';
import type { PixelCNNConfig } from './config';
import { MAX_GUIDANCE } from './guidance';

/**
 * What a model file records beside its weights (modelFile.ts's `meta`),
 * typed, and read from a file in one place: parseSavedModel reads it with
 * readModelMeta, so the engine, the first-visit grid and the tools take each
 * fact as its type says. tfjs-free.
 */

/** Where a model's weights came from. */
export type ModelOrigin = 'new' | 'restored' | 'imported' | 'pretrained';

export const MODEL_ORIGINS: readonly ModelOrigin[] = ['new', 'restored', 'imported', 'pretrained'];

export interface ModelMeta {
  /** Optimizer steps taken on the weights, across sessions: a whole number, 0 or more. */
  steps?: number;
  /** Where the weights came from when they were saved; the shipped model's file says 'pretrained'. */
  origin?: ModelOrigin;
  /** The facts shipped with a pretrained model (a ModelCard), or whatever facts a file records there. */
  card?: ModelCard | Record<string, unknown>;
  /** A conditional model's class names in label order: config.classes names, none empty. */
  classNames?: string[];
  /** The guidance weight the model samples with unless asked for another, 0 to MAX_GUIDANCE. */
  guidance?: number;
  /** The PyTorch twin trained it with its colour channels independent (one colour group, so G does not see R). */
  independentChannels?: boolean;
  /** When the app saved the file in the browser, or exported it (ISO 8601). */
  savedAt?: string;
  exportedAt?: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isText = (value: unknown) => typeof value === 'string';

/** Deepest nesting of arrays and records a card may hold (the app's own cards nest 3 deep). */
export const MAX_CARD_DEPTH = 16;

/**
 * True when `value` nests arrays and records no deeper than `most` levels.
 * Walked without recursion: a value too deep for a recursive walk (a card
 * 100,000 arrays deep parses, but cannot be copied to the page or stored)
 * must not overflow the check itself. A record met again (a cycle, which
 * storage can hold and JSON cannot) is not walked again: the card reader
 * drops that field by name (readCard), rather than the whole card here.
 */
function nestedAtMost(value: unknown, most: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  const seen = new Set<object>();
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null || seen.has(node)) continue;
    if (depth >= most) return false;
    seen.add(node);
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return true;
}

/** For each field, whether a value is of its kind for a model of `config`. */
const KINDS: { readonly [K in keyof Required<ModelMeta>]: (value: unknown, config: PixelCNNConfig) => boolean } = {
  steps: (value) => typeof value === 'number' && Number.isInteger(value) && value >= 0,
  origin: (value) => MODEL_ORIGINS.includes(value as ModelOrigin),
  card: (value) => isRecord(value) && nestedAtMost(value, MAX_CARD_DEPTH),
  classNames: (value, config) =>
    config.classes > 0 && Array.isArray(value) && value.length === config.classes && value.every((name) => typeof name === 'string' && name !== ''),
  guidance: (value) => typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= MAX_GUIDANCE,
  independentChannels: (value) => typeof value === 'boolean',
  savedAt: isText,
  exportedAt: isText,
};

/**
 * A file's `meta` for a model of `config`, each field of its kind: a field of
 * the wrong kind (a negative step count, class names that do not fit the
 * model, a guidance weight out of range) is dropped and named in `dropped`;
 * facts the app does not read (the twin's figures, say) are left out. The
 * card is read field by field (card.ts, readCard): its fields of the wrong
 * kind are in `dropped`, and those a pretrained model's card should have and
 * lacks in `missing`, as "card.learningRate".
 */
export function readModelMeta(raw: unknown, config: PixelCNNConfig): { meta: ModelMeta; dropped: string[]; missing: string[] } {
  if (!isRecord(raw)) return { meta: {}, dropped: raw === undefined ? [] : ['meta'], missing: [] };
  const meta: Record<string, unknown> = {};
  const dropped: string[] = [];
  const missing: string[] = [];
  for (const [field, isKind] of Object.entries(KINDS)) {
    const value = raw[field];
    if (value === undefined) continue;
    if (!isKind(value, config)) dropped.push(field);
    else if (field === 'card') {
      const { card, report } = readCard(value as Record<string, unknown>);
      meta.card = card;
      dropped.push(...report.wrongKind.map((name) => `card.${name}`));
      missing.push(...report.missing.map((name) => `card.${name}`));
    } else meta[field] = Array.isArray(value) ? [...value] : value;
  }
  return { meta: meta as ModelMeta, dropped, missing };
}

/** The card as a record of facts (a ModelCard is one), empty when the file has none. */
export function cardFacts(meta: ModelMeta): Record<string, unknown> {
  return (meta.card ?? {}) as Record<string, unknown>;
}
