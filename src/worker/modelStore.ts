import type { InputFile } from '../data/types';
import type { SavedModel } from '../model/serialize';

/**
 * Where the engine keeps the current model, and the images the user dropped,
 * between page loads. The worker uses IndexedDB (which, unlike downloads,
 * works inside a worker); tests use the in-memory stores.
 */
export interface ModelStore {
  load(): Promise<SavedModel | null>;
  save(model: SavedModel): Promise<void>;
}

/** The files of the user's own dataset as dropped (so they can be re-fitted to a new model size); null means the built-in digits. */
export interface DatasetStore {
  load(): Promise<InputFile[] | null>;
  save(files: InputFile[] | null): Promise<void>;
}

export function memoryDatasetStore(): DatasetStore {
  let stored: InputFile[] | null = null;
  return {
    load: async () => stored,
    save: async (files) => {
      stored = files && files.map((f) => ({ ...f, bytes: new Uint8Array(f.bytes).slice() }));
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
const KEY = 'current';

function openDatabase(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    // Version 2 added the datasets store; a version-1 database keeps its model.
    const request = indexedDB.open(DB_NAME, 2);
    request.onupgradeneeded = () => {
      for (const name of [MODELS, DATASETS]) {
        if (!request.result.objectStoreNames.contains(name)) request.result.createObjectStore(name);
      }
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(new Error(`IndexedDB could not open: ${request.error?.message ?? 'unknown error'}`));
  });
}

function run<T>(storeName: string, mode: IDBTransactionMode, action: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  return openDatabase().then(
    (db) =>
      new Promise<T>((resolve, reject) => {
        const transaction = db.transaction(storeName, mode);
        const request = action(transaction.objectStore(storeName));
        transaction.oncomplete = () => {
          db.close();
          resolve(request.result);
        };
        transaction.onerror = () => {
          db.close();
          reject(new Error(`IndexedDB ${mode} failed: ${transaction.error?.message ?? 'unknown error'}`));
        };
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
  };
}
