import { BUILTIN_DATASET_IDS, type BuiltinDatasetId, isBuiltinDatasetId } from '../data/builtin';
import { valueText } from '../model/valueText';
import type { InputFile } from '../data/types';
import type { SavedModel } from '../model/serialize';
import type { CheckpointStorage, StoredCheckpoint } from './checkpoints';

/**
 * Where the engine keeps the current model, and the images the user dropped,
 * between page loads. The worker uses IndexedDB (which, unlike downloads,
 * works inside a worker); tests use the in-memory stores.
 */
export interface ModelStore {
  load(): Promise<SavedModel | null>;
  save(model: SavedModel): Promise<void>;
}

/**
 * The files of the user's own dataset as dropped (so they can be re-fitted to
 * a new model size); null means a built-in dataset, the one `loadBuiltin`
 * names (the digits when it names none).
 */
export interface DatasetStore {
  load(): Promise<InputFile[] | null>;
  save(files: InputFile[] | null): Promise<void>;
  /** What was stored as the built-in set chosen last (unchecked: readRememberedBuiltin reads it); null when nothing was. */
  loadBuiltin?(): Promise<unknown>;
  saveBuiltin?(id: BuiltinDatasetId): Promise<void>;
}

/**
 * The remembered built-in set as stored (DatasetStore.loadBuiltin): one of
 * the built-in ids, or nothing remembered (null); anything else is not used,
 * and `notice` names it: the digits are used instead.
 */
export function readRememberedBuiltin(stored: unknown): { id: BuiltinDatasetId | null; notice: string | null } {
  if (stored === null || stored === undefined) return { id: null, notice: null };
  if (isBuiltinDatasetId(stored)) return { id: stored, notice: null };
  return {
    id: null,
    notice: `The remembered built-in dataset “${valueText(stored, 40)}” is not one of ${BUILTIN_DATASET_IDS.join(' or ')}; the built-in digits are used instead.`,
  };
}

export function memoryDatasetStore(): DatasetStore {
  let stored: InputFile[] | null = null;
  let builtin: BuiltinDatasetId | null = null;
  return {
    load: async () => stored,
    save: async (files) => {
      stored = files && files.map((f) => ({ ...f, bytes: new Uint8Array(f.bytes).slice() }));
    },
    loadBuiltin: async () => builtin,
    saveBuiltin: async (id) => {
      builtin = id;
    },
  };
}

export function memoryModelStore(): ModelStore {
  let stored: string | null = null;
  return {
    load: async () => (stored ? (JSON.parse(stored) as SavedModel) : null),
    save: async (model) => {
      stored = JSON.stringify(model);
    },
  };
}

const DB_NAME = 'pixelcnn-studio';
const MODELS = 'models';
const DATASETS = 'datasets';
const CHECKPOINTS = 'checkpoints';
const KEY = 'current';
/** In the datasets store: which built-in dataset is in use when no dropped files are kept. */
const BUILTIN_KEY = 'builtin';
const CHECKPOINT_INDEX = 'index';

function openDatabase(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    // Version 2 added the datasets store, version 3 the checkpoints; an older database keeps what it has.
    const request = indexedDB.open(DB_NAME, 3);
    request.onupgradeneeded = () => {
      for (const name of [MODELS, DATASETS, CHECKPOINTS]) {
        if (!request.result.objectStoreNames.contains(name)) request.result.createObjectStore(name);
      }
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(new Error(`IndexedDB could not open: ${request.error?.message ?? 'unknown error'}`));
  });
}

/** Thrown by a write after another tab's engine claimed browser storage (claimIndexedDbStorage). */
export class StorageTakenError extends Error {
  override name = 'StorageTakenError';
}

/** Thrown by a write the browser refused for want of space (its QuotaExceededError): nothing of that write was kept. */
export class StorageFullError extends Error {
  override name = 'StorageFullError';
}

/**
 * Thrown by a write after this engine's claim vanished from storage: the
 * browser's data for the site was cleared (by the user or the browser) while
 * the app ran. Nothing of that write was kept; claiming storage again lets
 * writes through.
 */
export class StorageClearedError extends Error {
  override name = 'StorageClearedError';
}

/** Where the claim is kept: beside the current model, read in the same transaction as every write. */
const OWNER_KEY = 'owner';
/** This engine's claim, once it has made one; writes then go through only while the stored claim is still its own. */
let writerToken: string | null = null;

/**
 * Makes this engine the one that writes browser storage. Every later write
 * checks, in its own transaction, that no other engine has claimed storage
 * since, so a tab that lost storage to another cannot write over it even with
 * a write already under way when the other took over.
 */
export async function claimIndexedDbStorage(): Promise<void> {
  const token = writerToken ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  await run(MODELS, 'readwrite', (s) => s.put(token, OWNER_KEY), false);
  // Only a claim that is stored counts: a missing one later means the site's data was cleared.
  writerToken = token;
}

/**
 * Resolves while this engine's claim on storage stands (or it never made
 * one); otherwise throws what a write would: StorageClearedError when the
 * claim is gone, StorageTakenError when another engine's is there.
 */
export async function checkIndexedDbClaim(): Promise<void> {
  const token = writerToken;
  if (!token) return;
  const owner = await run<unknown>(MODELS, 'readonly', (s) => s.get(OWNER_KEY));
  if (owner === undefined) throw new StorageClearedError("the browser's data for this site was cleared");
  if (owner !== token) throw new StorageTakenError('another tab saves the model and images now');
}

function run<T>(storeName: string, mode: IDBTransactionMode, action: (store: IDBObjectStore) => IDBRequest<T>, checkClaim = true): Promise<T> {
  const token = mode === 'readwrite' && checkClaim ? writerToken : null;
  return openDatabase().then(
    (db) =>
      new Promise<T>((resolve, reject) => {
        const transaction = db.transaction(token ? [...new Set([storeName, MODELS])] : storeName, mode);
        let request: IDBRequest<T> | null = null;
        let refusal: Error | null = null;
        if (token) {
          const owner = transaction.objectStore(MODELS).get(OWNER_KEY);
          owner.onsuccess = () => {
            if (owner.result !== token) {
              refusal =
                owner.result === undefined
                  ? new StorageClearedError("the browser's data for this site was cleared")
                  : new StorageTakenError('another tab saves the model and images now');
              transaction.abort();
              return;
            }
            request = action(transaction.objectStore(storeName));
          };
        } else {
          request = action(transaction.objectStore(storeName));
        }
        transaction.oncomplete = () => {
          db.close();
          resolve(request!.result);
        };
        const failed = () => {
          db.close();
          const error = transaction.error;
          reject(
            refusal ??
              (error?.name === 'QuotaExceededError'
                ? new StorageFullError("the browser's storage for this site is full")
                : new Error(`IndexedDB ${mode} failed: ${error?.message ?? 'unknown error'}`)),
          );
        };
        transaction.onerror = failed;
        transaction.onabort = failed;
      }),
  );
}

export function indexedDbModelStore(): ModelStore {
  return {
    load: async () => (await run<SavedModel | undefined>(MODELS, 'readonly', (s) => s.get(KEY) as IDBRequest<SavedModel | undefined>)) ?? null,
    save: async (model) => {
      await run(MODELS, 'readwrite', (s) => s.put(model, KEY));
    },
  };
}

export function indexedDbDatasetStore(): DatasetStore {
  return {
    load: async () => (await run<InputFile[] | undefined>(DATASETS, 'readonly', (s) => s.get(KEY) as IDBRequest<InputFile[] | undefined>)) ?? null,
    save: async (files) => {
      if (files) await run(DATASETS, 'readwrite', (s) => s.put(files, KEY));
      else await run(DATASETS, 'readwrite', (s) => s.delete(KEY));
    },
    loadBuiltin: async () => (await run<unknown>(DATASETS, 'readonly', (s) => s.get(BUILTIN_KEY))) ?? null,
    saveBuiltin: async (id) => {
      await run(DATASETS, 'readwrite', (s) => s.put(id, BUILTIN_KEY));
    },
  };
}

/** The training history (checkpoints.ts): its index under one key, each checkpoint's weights under `model:<id>`. */
export function indexedDbCheckpointStorage(): CheckpointStorage {
  const modelKey = (id: number) => `model:${id}`;
  return {
    readIndex: async () => (await run<unknown>(CHECKPOINTS, 'readonly', (s) => s.get(CHECKPOINT_INDEX))) ?? [],
    writeIndex: async (entries: StoredCheckpoint[]) => {
      await run(CHECKPOINTS, 'readwrite', (s) => s.put(entries, CHECKPOINT_INDEX));
    },
    readModel: async (id) =>
      (await run<SavedModel | undefined>(CHECKPOINTS, 'readonly', (s) => s.get(modelKey(id)) as IDBRequest<SavedModel | undefined>)) ?? null,
    writeModel: async (id, model) => {
      await run(CHECKPOINTS, 'readwrite', (s) => s.put(model, modelKey(id)));
    },
    deleteModel: async (id) => {
      await run(CHECKPOINTS, 'readwrite', (s) => s.delete(modelKey(id)));
    },
  };
}
