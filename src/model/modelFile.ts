import { type PixelCNNConfig, CONFIG_FIELDS, ConfigError, validateConfig, withLaterFields } from './config';
import { type ModelMeta, readModelMeta } from './modelMeta';
import { valueText } from './valueText';

/**
 * The model file: one self-describing JSON document. The app exports and
 * imports it, IndexedDB stores it, and the shipped pretrained model uses it.
 * Weights are stored already multiplied by their masks, so a reader that
 * ignores masks still gets a causal network.
 */
export const MODEL_FORMAT = 'pixelcnn-studio-model';
export const MODEL_FORMAT_VERSION = 1;

export interface SavedTensor {
  name: string;
  shape: number[];
  /** Little-endian float32 values, base64-encoded. */
  data: string;
}

export interface SavedModel {
  format: typeof MODEL_FORMAT;
  version: typeof MODEL_FORMAT_VERSION;
  config: PixelCNNConfig;
  tensors: SavedTensor[];
  /** What is recorded beside the weights: steps, origin, card, class names, guidance… (modelMeta.ts). */
  meta: ModelMeta;
}

/** Thrown when a file is not a model, or is a model for another architecture. */
export class ModelFileError extends Error {
  override name = 'ModelFileError';
}

/** Float32 values as base64 of their little-endian bytes: compact, and safe inside JSON. */
export function encodeFloat32(values: Float32Array): string {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  let binary = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(binary);
}

/** The native base64 decoder where the engine has one (current browsers; not Node 20). */
const fromBase64 = (Uint8Array as unknown as { fromBase64?: (text: string) => Uint8Array }).fromBase64;

export function decodeFloat32(text: string, name: string): Float32Array {
  let bytes: Uint8Array;
  try {
    bytes = fromBase64 ? fromBase64(text) : bytesOf(atob(text));
  } catch {
    throw new ModelFileError(`Tensor "${name}" is not valid base64.`);
  }
  if (bytes.length % 4 !== 0) throw new ModelFileError(`Tensor "${name}" has a byte length that is not a multiple of 4.`);
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
}

function bytesOf(binary: string): Uint8Array {
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks that `json` is a model file and returns it typed; throws ModelFileError naming what is wrong. */
export function parseSavedModel(json: unknown): SavedModel {
  return readSavedModel(json).saved;
}

/**
 * parseSavedModel, and the fields of the file's `meta` that were dropped
 * because they were not of their kind, and the card's fields a pretrained
 * model's card should have and lacks (readModelMeta).
 */
export function readSavedModel(json: unknown): { saved: SavedModel; droppedMeta: string[]; missingMeta: string[] } {
  if (!isRecord(json) || json.format !== MODEL_FORMAT) {
    throw new ModelFileError(`This is not a PixelCNN model file (expected "format": "${MODEL_FORMAT}").`);
  }
  if (json.version !== MODEL_FORMAT_VERSION) {
    throw new ModelFileError(`Unsupported model file version ${valueText(json.version)}; this app reads version ${MODEL_FORMAT_VERSION}.`);
  }
  if (!isRecord(json.config)) throw new ModelFileError('The model file has no "config" object.');
  const config = withLaterFields(json.config) as unknown as PixelCNNConfig;
  try {
    validateConfig(config);
  } catch (error) {
    if (error instanceof ConfigError) throw new ModelFileError(`The model file's config is invalid: ${error.message}`);
    throw error;
  }
  if (!Array.isArray(json.tensors)) throw new ModelFileError('The model file has no "tensors" list.');
  for (const tensor of json.tensors as unknown[]) {
    if (
      !isRecord(tensor) ||
      typeof tensor.name !== 'string' ||
      typeof tensor.data !== 'string' ||
      !Array.isArray(tensor.shape) ||
      !tensor.shape.every((d) => Number.isInteger(d) && (d as number) > 0)
    ) {
      throw new ModelFileError('The model file has a malformed tensor entry (needs name, shape and data).');
    }
  }
  // Only the architecture's own fields, whatever else the file's config holds.
  const pickedConfig = Object.fromEntries(CONFIG_FIELDS.map((field) => [field, config[field]])) as unknown as PixelCNNConfig;
  const { meta, dropped, missing } = readModelMeta(json.meta, pickedConfig);
  return {
    saved: { format: MODEL_FORMAT, version: MODEL_FORMAT_VERSION, config: pickedConfig, tensors: json.tensors as SavedTensor[], meta },
    droppedMeta: dropped,
    missingMeta: missing,
  };
}
