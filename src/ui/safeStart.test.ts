import { beforeEach, describe, expect, it } from 'vitest';
import { type MarkStorage, beginStartup, leftWhileStarting, startupFailed, startupFinished, startupStep, takeSafeStart } from './safeStart';

/**
 * The start-up mark: set as the page starts, gone once the first model is
 * shown with nothing crashed; a mark left over means the last start failed,
 * and says why when it knows.
 */

function memoryStorage(): MarkStorage & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (key) => data.get(key) ?? null,
    setItem: (key, value) => void data.set(key, value),
    removeItem: (key) => void data.delete(key),
  };
}

let storage: ReturnType<typeof memoryStorage>;

beforeEach(() => {
  storage = memoryStorage();
});

describe('the start-up mark', () => {
  it('a first start, and a start after one that succeeded, are ordinary', () => {
    expect(beginStartup(storage)).toBeNull();
    expect(takeSafeStart()).toBeNull();
    startupStep('engineStarted');
    startupStep('modelShown');
    expect(startupFinished()).toBe(true);
    expect(storage.data.size).toBe(0);
    expect(beginStartup(storage)).toBeNull();
  });

  it('needs both steps: the engine answered its start, and the page showed the model', () => {
    beginStartup(storage);
    startupStep('modelShown');
    expect(startupFinished()).toBe(false);
    // A panel that crashes on what the engine sends after the first model (the history) still counts.
    startupFailed('the History panel stopped working: boom');
    startupStep('engineStarted');
    expect(startupFinished()).toBe(false);
    expect(beginStartup(storage)).toBe('the History panel stopped working: boom');
    startupStep('engineStarted');
    expect(startupFinished()).toBe(false);
    startupStep('modelShown');
    expect(startupFinished()).toBe(true);
    expect(beginStartup(storage)).toBeNull();
  });

  it('leaving while the engine is still starting is no failure once the model is shown and nothing crashed', () => {
    beginStartup(storage);
    leftWhileStarting();
    expect(beginStartup(storage)).toBe('it did not finish starting');
    startupStep('modelShown');
    leftWhileStarting();
    expect(beginStartup(storage)).toBeNull();
    startupStep('modelShown');
    startupFailed('the History panel stopped working: boom');
    leftWhileStarting();
    expect(beginStartup(storage)).toBe('the History panel stopped working: boom');
  });

  it('a start that never finished (the tab was killed, the page reloaded while stuck) makes the next one safe', () => {
    beginStartup(storage);
    expect(beginStartup(storage)).toBe('it did not finish starting');
    // Once: the first engine of the page starts safely, a restart does not.
    expect(takeSafeStart()).toBe('it did not finish starting');
    expect(takeSafeStart()).toBeNull();
  });

  it('a crash while starting is remembered with what failed, even when the first model is shown afterwards', () => {
    beginStartup(storage);
    startupFailed("the Model panel stopped working: Cannot read properties of undefined (reading 'peak')");
    startupFailed('something later');
    startupStep('engineStarted');
    startupStep('modelShown');
    expect(startupFinished()).toBe(false);
    expect(beginStartup(storage)).toBe("the Model panel stopped working: Cannot read properties of undefined (reading 'peak')");
  });

  it('a crash after the start succeeded does not make the next start safe', () => {
    beginStartup(storage);
    startupStep('engineStarted');
    startupStep('modelShown');
    startupFailed('the Sampling panel stopped working: later');
    expect(beginStartup(storage)).toBeNull();
  });

  it('a mark that does not read, or storage that throws, never stops the page', () => {
    storage.data.set('pixelcnn.startup', '{not json');
    expect(beginStartup(storage)).toBe('it did not finish starting');
    storage.data.set('pixelcnn.startup', JSON.stringify({ failed: 42 }));
    expect(beginStartup(storage)).toBe('it did not finish starting');
    const broken: MarkStorage = {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('full');
      },
      removeItem: () => {
        throw new Error('denied');
      },
    };
    expect(beginStartup(broken)).toBeNull();
    expect(() => startupFailed('x')).not.toThrow();
    expect(beginStartup(null)).toBeNull();
    expect(() => startupStep('modelShown')).not.toThrow();
  });
});
