import { useState } from 'react';
import { type BackendChoice, loadBackendChoice } from '../backendChoice';
import { switchBackend } from '../engineClient';
import { useStudio } from '../store';

const CHOICES: Array<{ value: BackendChoice; label: string }> = [
  { value: 'auto', label: 'Automatic (fastest here)' },
  { value: 'webgpu', label: 'WebGPU' },
  { value: 'webgl', label: 'WebGL' },
  { value: 'wasm', label: 'WebAssembly (CPU)' },
  { value: 'cpu', label: 'JavaScript (CPU)' },
];

/** Lets the user pin a backend; changing it restarts the engine, and the saved model comes back. */
function BackendPicker() {
  const [choice, setChoice] = useState<BackendChoice>(loadBackendChoice);
  return (
    <label className="backend-picker">
      Run on{' '}
      <select
        value={choice}
        onChange={(event) => {
          const next = event.target.value as BackendChoice;
          setChoice(next);
          switchBackend(next);
        }}
      >
        {CHOICES.map((c) => (
          <option key={c.value} value={c.value}>
            {c.label}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Which tfjs backend the engine runs on, and why the faster ones were passed over. */
export function BackendBadge() {
  const backend = useStudio((s) => s.backend);
  const engine = useStudio((s) => s.engine);
  const backendError = useStudio((s) => s.errors.backend);

  if (!backend) {
    const text = engine.state === 'stopped' ? 'Engine stopped' : backendError ? 'No backend' : 'Starting engine…';
    return (
      <div className="backend-badge pending" aria-live="polite">
        <span className="backend-dot" aria-hidden="true" />
        {text}
      </div>
    );
  }

  return (
    <details className="backend-badge">
      <summary>
        <span className={`backend-dot backend-${backend.name}`} aria-hidden="true" />
        <span className="backend-label">Backend</span>
        <strong data-testid="backend-name">{backend.name}</strong>
        <span className="backend-adapter">{backend.adapter}</span>
      </summary>
      <div className="backend-details">
        <p>
          Running on <strong>{backend.name}</strong> ({backend.adapter}){backend.requested ? ', as you chose' : ''}.
        </p>
        {backend.software && (
          <p>This is a software adapter: the GPU work runs on the CPU, which is slow.</p>
        )}
        {backend.unavailable.length === 0 ? (
          <p>This is the fastest backend there is.</p>
        ) : (
          <>
            <p>Faster backends that could not be used:</p>
            <ul>
              {backend.unavailable.map((u) => (
                <li key={u.name}>
                  <strong>{u.name}</strong>: {u.reason}
                </li>
              ))}
            </ul>
          </>
        )}
        <BackendPicker />
      </div>
    </details>
  );
}
