import type { SavedModel } from '../model/serialize';

/**
 * Where the engine keeps the current model between page loads. The worker
 * uses IndexedDB (which, unlike downloads, works inside a worker); tests use
 * the in-memory store.
 */
export interface ModelStore {
  load(): Promise<SavedModel | null>;
  save(model: SavedModel): Promise<void>;
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
const STORE = 'models';
const KEY = 'current';

function openDatabase(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(new Error(`IndexedDB could not open: ${request.error?.message ?? 'unknown error'}`));
  });
}

function run<T>(mode: IDBTransactionMode, action: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  return openDatabase().then(
    (db) =>
      new Promise<T>((resolve, reject) => {
        const transaction = db.transaction(STORE, mode);
        const request = action(transaction.objectStore(STORE));
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
    load: async () => (await run<SavedModel | undefined>('readonly', (s) => s.get(KEY) as IDBRequest<SavedModel | undefined>)) ?? null,
    save: async (model) => {
      await run('readwrite', (s) => s.put(model, KEY));
    },
  };
}
