import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CheckpointList, EngineCall, EngineEvent, EngineRequest } from '../../worker/protocol';
import { startEngine } from '../engineClient';
import { exportForRecovery, restoreForRecovery } from '../recovery';
import { beginStartup, startupStep } from '../safeStart';
import { useStudio } from '../store';
import { CrashFallback, RecoveryHistory } from './CrashFallback';
import { ErrorBoundary, crashText } from './ErrorBoundary';

/**
 * A panel that throws is replaced by its fallback: what failed, the panel's
 * name, and export, History, the shipped model and reload, which reach the
 * engine without the panel. Rendered with react-dom/server, which has no
 * error boundaries of its own: the boundary's steps are called as React
 * calls them (the browser e2e test, app-crash.spec.ts, has React catch a
 * real throw).
 */

const props = { name: 'Model', className: 'panel-model', children: createElement('p', null, 'the panel') };

function crashed(error: unknown, scope: 'panel' | 'app' = 'panel') {
  const boundary = new ErrorBoundary({ ...props, scope });
  boundary.state = ErrorBoundary.getDerivedStateFromError(error);
  return { boundary, html: renderToStaticMarkup(createElement('div', null, boundary.render())) };
}

describe('an error boundary', () => {
  it('renders its panel while nothing is thrown', () => {
    const boundary = new ErrorBoundary(props);
    expect(renderToStaticMarkup(createElement('div', null, boundary.render()))).toBe('<div><p>the panel</p></div>');
  });

  it('shows what failed and the panel it was, keeps the panel’s place and name, and offers the four ways out', () => {
    const { html } = crashed(new TypeError("Cannot read properties of undefined (reading 'peak')"));
    expect(html).toContain('aria-label="Model"');
    expect(html).toContain('panel-model');
    expect(html).toContain('The Model panel stopped working: Cannot read properties of undefined (reading &#x27;peak&#x27;)');
    for (const action of ['Export the saved model', 'Open History', 'Restore the shipped model', 'Reload the page', 'Try the panel again']) {
      expect(html).toContain(`>${action}</button>`);
    }
  });

  it('for the whole page, says the page stopped and offers the same', () => {
    const { html } = crashed(new Error('boom'), 'app');
    expect(html).toContain('The page stopped working: boom');
    expect(html).toContain('>Restore the shipped model</button>');
    expect(html).not.toContain('Try the panel again');
  });

  it('puts anything thrown in words, even a value whose own text throws', () => {
    expect(crashText(new Error('x'))).toBe('x');
    expect(crashText('a string')).toBe('a string');
    expect(crashText(undefined)).toBe('undefined');
    expect(crashText(new Error(''))).toBe('Error');
    expect(
      crashText({
        toString() {
          throw new Error('no');
        },
      }),
    ).toBe('an error that cannot be described');
  });

  it('a crash while the page starts makes the next visit start safely; the retry renders the panel again', () => {
    const data = new Map<string, string>();
    const storage = {
      getItem: (k: string) => data.get(k) ?? null,
      setItem: (k: string, v: string) => void data.set(k, v),
      removeItem: (k: string) => void data.delete(k),
    };
    beginStartup(storage);
    const { boundary } = crashed(new Error('boom'));
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    boundary.componentDidCatch(new Error('boom'), { componentStack: '' });
    error.mockRestore();
    startupStep('engineStarted');
    startupStep('modelShown');
    expect(beginStartup(storage)).toBe('the Model panel stopped working: boom');
    const setState = vi.spyOn(boundary, 'setState').mockImplementation(() => undefined);
    boundary.retry();
    expect(setState).toHaveBeenCalledWith({ crash: null });
  });
});

describe("the fallback's history", () => {
  const list: CheckpointList = {
    entries: [
      {
        id: 3,
        steps: 1200,
        savedAt: '2026-12-07T08:10:00.000Z',
        heldOutBitsPerDim: 1.2346,
        origin: 'restored',
        note: 'training paused',
        description: 'PixelCNN',
      },
    ],
    bestId: 3,
    pretrained: true,
  };

  it('lists each checkpoint with a Go back button, reading dates without the locale', () => {
    const html = renderToStaticMarkup(createElement(RecoveryHistory, { list, disabled: false, onRestore: () => undefined }));
    expect(html).toContain('Step 1,200 · 1.235 bits/dim held out');
    expect(html).toContain('2026-12-07 08:10 UTC · training paused · PixelCNN');
    expect(html).toContain('aria-label="Go back to step 1,200"');
  });

  it('says when there is nothing yet', () => {
    expect(renderToStaticMarkup(createElement(RecoveryHistory, { list: null, disabled: false, onRestore: () => undefined }))).toContain(
      'not listed its checkpoints yet',
    );
    expect(renderToStaticMarkup(createElement(RecoveryHistory, { list: { ...list, entries: [] }, disabled: false, onRestore: () => undefined }))).toContain(
      'shipped model can still be restored',
    );
  });

  it('renders inside the fallback without any panel', () => {
    const html = renderToStaticMarkup(createElement(CrashFallback, { name: 'History', message: 'x', scope: 'panel', onRetry: () => undefined }));
    expect(html).toContain('The History panel stopped working: x');
  });
});

/** A stand-in for the engine's worker: it keeps what the page sends, and the test answers. */
class FakeWorker {
  static latest: FakeWorker | null = null;
  readonly sent: EngineCall[] = [];
  private readonly listeners = new Map<string, Array<(event: unknown) => void>>();
  constructor() {
    FakeWorker.latest = this;
  }
  addEventListener(type: string, listener: (event: unknown) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  postMessage(call: EngineCall): void {
    this.sent.push(call);
  }
  terminate(): void {}
  emit(event: EngineEvent): void {
    for (const listener of this.listeners.get('message') ?? []) listener({ data: event });
  }
  last(type: EngineRequest['type']): EngineCall {
    return [...this.sent].reverse().find((c) => c.request.type === type)!;
  }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("the fallback's actions go to the engine, not through any panel", () => {
  const initial = useStudio.getState();
  let engine: FakeWorker;

  beforeEach(() => {
    vi.stubGlobal('Worker', FakeWorker);
    vi.stubGlobal('requestAnimationFrame', () => 0);
    vi.stubGlobal('cancelAnimationFrame', () => undefined);
    useStudio.setState({ ...initial, storage: 'owner' }, true);
    startEngine();
    engine = FakeWorker.latest!;
    engine.emit({ type: 'answer', id: engine.last('init').id, outcome: { status: 'done' } });
  });

  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('export asks the engine for the model file and says it is downloading', async () => {
    const said = exportForRecovery();
    await settle();
    const call = engine.last('exportModel');
    engine.emit({ type: 'answer', id: call.id, outcome: { status: 'done' } });
    expect(await said).toBe('The model file is downloading.');
  });

  it('restoring the shipped model or a checkpoint says how it went, with the engine’s reason when refused', async () => {
    const shipped = restoreForRecovery('pretrained');
    await settle();
    const call = engine.last('restoreCheckpoint');
    expect(call.request).toEqual({ type: 'restoreCheckpoint', checkpoint: 'pretrained' });
    engine.emit({ type: 'answer', id: call.id, outcome: { status: 'done' } });
    expect(await shipped).toBe('The shipped model is back.');

    const checkpoint = restoreForRecovery(4);
    await settle();
    const second = engine.last('restoreCheckpoint');
    expect(second.request).toEqual({ type: 'restoreCheckpoint', checkpoint: 4 });
    engine.emit({ type: 'answer', id: second.id, outcome: { status: 'failed', context: 'model', message: 'That checkpoint is no longer kept.' } });
    expect(await checkpoint).toBe('The checkpoint could not be restored: That checkpoint is no longer kept.');
  });
});
