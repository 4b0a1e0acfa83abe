/**
 * An Engine for the worker's tests: every event it emits is recorded, its
 * stores are in memory and its backend is a stand-in that answers at once.
 * A test passes the data it trains on and whatever else it exercises.
 */
import { Engine, type EngineDeps } from './engine';
import { memoryDatasetStore, memoryModelStore } from './modelStore';
import type { BackendInfo, BackendName, EngineEvent } from './protocol';

/** A selectBackend that always starts `name`, with nothing timed. */
export function testBackend(name: BackendName = 'cpu'): () => Promise<BackendInfo> {
  return async () => ({ name, adapter: 'test', software: false, requested: false, unavailable: [] });
}

type TestDeps = Omit<EngineDeps, 'emit' | 'store' | 'selectBackend'> & Partial<Pick<EngineDeps, 'store' | 'selectBackend'>>;

export function recordingEngine(deps: TestDeps) {
  const events: EngineEvent[] = [];
  const store = deps.store ?? memoryModelStore();
  const engine = new Engine({ emit: (event) => events.push(event), datasets: memoryDatasetStore(), selectBackend: testBackend(), ...deps, store });
  /** The latest event of a type. */
  const last = <T extends EngineEvent['type']>(type: T) => [...events].reverse().find((e): e is Extract<EngineEvent, { type: T }> => e.type === type);
  /** Every event of a type, in order. */
  const all = <T extends EngineEvent['type']>(type: T) => events.filter((e): e is Extract<EngineEvent, { type: T }> => e.type === type);
  return { engine, events, store, last, all };
}
