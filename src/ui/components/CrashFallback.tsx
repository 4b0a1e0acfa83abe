import { useEffect, useRef, useState } from 'react';
import type { CheckpointList } from '../../worker/protocol';
import { formatInteger } from '../format';
import { exportForRecovery, reloadPage, restoreForRecovery } from '../recovery';
import { useStudio } from '../store';

interface CrashFallbackProps {
  /** The panel's name as its heading says it ("Model"), or the app's for the whole page. */
  name: string;
  /** What was thrown, in words. */
  message: string;
  /** A panel's fallback keeps the panel's place in the grid (its class); the page's fills the page. */
  scope: 'panel' | 'app';
  className?: string;
  /** Renders the panel again. */
  onRetry(): void;
}

/**
 * What a panel shows once it has crashed: what failed, and the ways out that
 * do not need it. Everything here reads only the store and calls the engine
 * through recovery.ts, so it works with the panel (or the page) gone.
 */
export function CrashFallback({ name, message, scope, className, onRetry }: CrashFallbackProps) {
  const [status, setStatus] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [historyOpen, setHistoryOpen] = useState(false);
  const checkpoints = useStudio((s) => s.checkpoints);
  const model = useStudio((s) => s.model);
  const engineStopped = useStudio((s) => s.engine.state === 'stopped');

  // Another model (the shipped one, a checkpoint) may render where this one crashed: the panel tries again by itself.
  const crashedOn = useRef(model);
  useEffect(() => {
    if (model !== crashedOn.current) onRetry();
  }, [model, onRetry]);

  const run = async (action: () => Promise<string>) => {
    setBusy(true);
    setStatus('Working…');
    try {
      setStatus(await action());
    } finally {
      setBusy(false);
    }
  };

  const what = scope === 'app' ? 'The page stopped working' : `The ${name} panel stopped working`;
  const body = (
    <>
      <div className="alert" role="alert" data-testid="crash-message">
        <span className="alert-text">
          {what}: {message}
        </span>
      </div>
      <p className="crash-reassurance">
        {engineStopped
          ? 'The engine has stopped too, so Reload is the way out; nothing saved in this browser was changed.'
          : `${scope === 'app' ? 'The engine still runs' : 'The rest of the page and the engine still run'}, and nothing saved in this browser was changed. From here you can:`}
      </p>
      <div className="crash-actions">
        <button type="button" className="primary" disabled={busy} onClick={() => void run(exportForRecovery)}>
          Export the saved model
        </button>
        <button type="button" aria-expanded={historyOpen} onClick={() => setHistoryOpen((open) => !open)}>
          {historyOpen ? 'Close History' : 'Open History'}
        </button>
        <button type="button" disabled={busy} onClick={() => void run(() => restoreForRecovery('pretrained'))}>
          Restore the shipped model
        </button>
        <button type="button" onClick={reloadPage}>
          Reload the page
        </button>
        {scope === 'panel' && (
          <button type="button" className="link-button" onClick={onRetry}>
            Try the panel again
          </button>
        )}
      </div>
      {status && (
        <p className="crash-status" role="status">
          {status}
        </p>
      )}
      {historyOpen && <RecoveryHistory list={checkpoints} disabled={busy} onRestore={(id) => void run(() => restoreForRecovery(id))} />}
    </>
  );

  if (scope === 'app') {
    return (
      <div className="app">
        <section className="panel crash-fallback crash-app" aria-label={name} data-testid="crash-fallback">
          <header className="panel-header">
            <h1>{name}</h1>
          </header>
          <div className="panel-body">{body}</div>
        </section>
      </div>
    );
  }
  return (
    <section className={`panel crash-fallback ${className ?? ''}`} aria-label={name} data-testid="crash-fallback">
      <header className="panel-header">
        <h2>{name}</h2>
      </header>
      <div className="panel-body">{body}</div>
    </section>
  );
}

interface RecoveryHistoryProps {
  list: CheckpointList | null;
  disabled: boolean;
  onRestore(id: number): void;
}

/**
 * The training history in its plainest form, for when the History panel is
 * out of reach. Dates are read from their ISO text, not through the
 * browser's locale formatting, so a fault there cannot take this list too.
 */
export function RecoveryHistory({ list, disabled, onRestore }: RecoveryHistoryProps) {
  const entries = list?.entries ?? [];
  return (
    <div className="crash-history">
      <h3>History</h3>
      {entries.length === 0 ? (
        <p className="history-empty">
          {list === null ? 'The engine has not listed its checkpoints yet.' : 'No checkpoints yet.'}
          {list?.pretrained ? ' The shipped model can still be restored (above).' : ''}
        </p>
      ) : (
        <ol className="history-list" aria-label="Checkpoints to go back to">
          {entries.map((entry) => (
            <li key={entry.id} className="history-entry">
              <span className="history-text">
                <span className="history-main">
                  Step {formatInteger(entry.steps)} ·{' '}
                  {typeof entry.heldOutBitsPerDim === 'number' ? `${entry.heldOutBitsPerDim.toFixed(3)} bits/dim held out` : 'not scored'}
                </span>
                <span className="history-detail">
                  {String(entry.savedAt).slice(0, 16).replace('T', ' ')} UTC · {String(entry.note)} · {String(entry.description)}
                </span>
              </span>
              <button type="button" disabled={disabled} onClick={() => onRestore(entry.id)} aria-label={`Go back to step ${formatInteger(entry.steps)}`}>
                Go back
              </button>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
