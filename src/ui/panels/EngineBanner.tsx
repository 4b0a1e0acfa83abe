import { restartEngine } from '../engineClient';
import { clearErrors, useStudio } from '../store';
import { ErrorAlert } from '../components/ErrorAlert';

/**
 * Engine-wide trouble: the worker died, the backend failed, or the worker
 * reported an error that belongs to no single panel. Each offers a restart.
 */
export function EngineBanner() {
  const engine = useStudio((s) => s.engine);
  const backendError = useStudio((s) => s.errors.backend);
  const workerError = useStudio((s) => s.errors.worker);

  const message = engine.state === 'stopped' ? engine.message : (workerError ?? backendError);
  if (!message) return null;

  return (
    <div className="engine-banner">
      <ErrorAlert message={message} onDismiss={engine.state === 'stopped' ? undefined : () => clearErrors('worker', 'backend')} />
      <button type="button" className="primary" onClick={() => restartEngine()}>
        Restart engine
      </button>
    </div>
  );
}
