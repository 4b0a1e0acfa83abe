/**
 * One way to read facts the app did not write just now: a model file's meta
 * and card, remembered settings, the checkpoint index. Each reader declares
 * its fields with their kinds; a field that is missing (where one is
 * expected) or of the wrong kind is dropped and named, never thrown over,
 * and the rest is used. `droppedSentence` says what was dropped in words
 * for a notice. tfjs-free.
 */

/** Whether a value is of a field's kind. */
export type Kind = (value: unknown) => boolean;

/** What a reader dropped: fields it expected and did not find, and fields whose value was not of their kind (dotted paths: "split.heldOutImages"). */
export interface FieldReport {
  missing: string[];
  wrongKind: string[];
}

export const emptyReport = (): FieldReport => ({ missing: [], wrongKind: [] });

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export const isText: Kind = (value) => typeof value === 'string';
export const isNumber: Kind = (value) => typeof value === 'number' && Number.isFinite(value);
export const isWholeNumber: Kind = (value) => typeof value === 'number' && Number.isInteger(value) && value >= 0;
export const isBoolean: Kind = (value) => typeof value === 'boolean';
export const oneOf =
  (...values: readonly unknown[]): Kind =>
  (value) =>
    values.includes(value);

/** A value JSON can hold (what a model file can carry, and what the page can show as text): no BigInt, function or cycle; nested at most `depth` deep. */
export function isJsonValue(value: unknown, depth = 16): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (depth <= 0 || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.every((item) => isJsonValue(item, depth - 1));
  return Object.values(value as Record<string, unknown>).every((item) => isJsonValue(item, depth - 1));
}

/** A field's declaration: its kind, or for a nested record, its own fields. */
export type FieldSpec = Kind | { fields: Schema; required?: readonly string[] };
export type Schema = Readonly<Record<string, FieldSpec>>;

/**
 * Reads `raw` against `schema`: each declared field of its kind is kept
 * (a nested record field by field); one of the wrong kind is dropped and
 * named; a `required` one that is absent is named as missing. Fields the
 * schema does not declare are kept when `keepOthers` says they may be
 * (e.g. isJsonValue), else left out silently.
 */
export function readFields(
  raw: Record<string, unknown>,
  schema: Schema,
  options: { required?: readonly string[]; keepOthers?: Kind; prefix?: string; report?: FieldReport } = {},
): { value: Record<string, unknown>; report: FieldReport } {
  const { required = [], keepOthers, prefix = '', report = emptyReport() } = options;
  const value: Record<string, unknown> = {};
  for (const [field, spec] of Object.entries(schema)) {
    const path = `${prefix}${field}`;
    const given = Object.hasOwn(raw, field) ? raw[field] : undefined;
    if (given === undefined) {
      if (required.includes(field)) report.missing.push(path);
      continue;
    }
    if (typeof spec === 'function') {
      if (spec(given)) value[field] = Array.isArray(given) ? [...(given as unknown[])] : given;
      else report.wrongKind.push(path);
    } else if (isRecord(given)) {
      value[field] = readFields(given, spec.fields, { required: spec.required, keepOthers, prefix: `${path}.`, report }).value;
    } else {
      report.wrongKind.push(path);
    }
  }
  if (keepOthers) {
    for (const [field, given] of Object.entries(raw)) {
      if (Object.hasOwn(schema, field) || given === undefined) continue;
      // JSON.parse makes "__proto__" an own field; assigned here it would become the record's prototype, whose fields no check has seen.
      if (field === '__proto__') report.wrongKind.push(`${prefix}${field}`);
      else if (keepOthers(given)) value[field] = given;
      else report.wrongKind.push(`${prefix}${field}`);
    }
  }
  return { value, report };
}

/** 'a', 'a' and 'b', 'a', 'b' and 'c'. */
function quotedList(names: readonly string[]): string {
  const quoted = names.map((name) => `'${name}'`);
  return quoted.length <= 1 ? (quoted[0] ?? '') : `${quoted.slice(0, -1).join(', ')} and ${quoted.at(-1)}`;
}

/**
 * A notice naming what a reader dropped, or null when nothing was:
 * "The model file's card had no 'learningRate'; it is shown without it."
 * `what`: whose fields ("The model file's card"); `use`: how the rest is
 * used, with "it" or "them" for the dropped fields ("it is shown without
 * {them}").
 */
export function droppedSentence(what: string, report: FieldReport, use: string): string | null {
  const { missing, wrongKind } = report;
  if (missing.length === 0 && wrongKind.length === 0) return null;
  const parts: string[] = [];
  if (missing.length > 0) parts.push(`had no ${quotedList(missing)}`);
  if (wrongKind.length > 0) parts.push(`${missing.length > 0 ? ', and ' : 'had '}${quotedList(wrongKind)} of the wrong kind`);
  const them = missing.length + wrongKind.length === 1 ? 'it' : 'them';
  return `${what} ${parts.join('')}; ${use.replace('{them}', them)}.`;
}
