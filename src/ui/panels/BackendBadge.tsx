import { useState } from 'react';
import { describeConfig, sameArchitecture } from '../../model/config';
import type { BackendFigure, BackendTrial } from '../../worker/protocol';
import { type BackendChoice, loadBackendChoice } from '../backendChoice';
import { measureBackendsAgain, switchBackend } from '../engineClient';
import { formatSeconds } from '../format';
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

function stepTime(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : formatSeconds(ms);
}

function stepsPerSecond(ms: number): string {
  const rate = 1000 / ms;
  return `${rate >= 10 ? rate.toFixed(0) : rate.toFixed(rate >= 1 ? 1 : 2)} steps/s`;
}

function FigureResult({ figure }: { figure: BackendFigure }) {
  if (figure.outcome === 'timed' && figure.msPerStep !== undefined) {
    return (
      <>
        <strong>{stepTime(figure.msPerStep)}</strong> per step ({stepsPerSecond(figure.msPerStep)})
        {figure.cores && figure.cores > 1 ? ` on ${figure.cores} cores` : ''}
      </>
    );
  }
  return <>{figure.note ?? figure.outcome}</>;
}

/** The start-up measurement: what each backend did with the current model, fastest chosen. */
function TrialFigures({ trial, running }: { trial: BackendTrial; running: string }) {
  const when = new Date(trial.measuredAt);
  const model = useStudio((s) => s.model);
  const changed = model !== null && !sameArchitecture(model.config, trial.config);
  return (
    <div className="backend-trial">
      <p>
        Chosen by measurement: each backend trained this model for one warm-up step and {trial.steps} timed steps on a batch of {trial.batch} images; the median
        step is shown.{' '}
        {trial.source === 'remembered'
          ? `These figures were measured on ${when.toLocaleString()} for the same model on this device, and reused.`
          : `Measuring took ${formatSeconds(trial.totalMs)}.`}
      </p>
      <table className="backend-figures" data-testid="backend-figures">
        <thead>
          <tr>
            <th scope="col">Backend</th>
            <th scope="col">Training step</th>
          </tr>
        </thead>
        <tbody>
          {trial.figures.map((figure) => (
            <tr
              key={figure.name}
              data-backend={figure.name}
              data-outcome={figure.outcome}
              className={figure.name === running ? 'chosen' : undefined}
              title={figure.trialMs === undefined ? undefined : `Trying it took ${formatSeconds(figure.trialMs)} of start-up`}
            >
              <th scope="row">
                {figure.name}
                {figure.name === running && <span className="backend-chosen"> ✓ in use</span>}
                {figure.adapter && (
                  <span className="backend-figure-adapter">
                    {figure.adapter.replace(/ \(software (adapter|renderer)\)$/, '')}
                    {figure.software && <span className="backend-software"> software, not a GPU</span>}
                  </span>
                )}
              </th>
              <td>
                <FigureResult figure={figure} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {changed && (
        <p className="backend-trial-stale" data-testid="backend-trial-stale">
          These figures are for another model ({describeConfig(trial.config)}); the current one may run fastest elsewhere. Measure again to time it.
        </p>
      )}
      <p className="backend-trial-actions">
        <button type="button" onClick={measureBackendsAgain}>
          Measure again
        </button>
        <span>Backends are timed again when the model or the device changes.</span>
      </p>
    </div>
  );
}

/** Which tfjs backend the engine runs on, and why: the trial's figures, or the user's choice. */
export function BackendBadge() {
  const backend = useStudio((s) => s.backend);
  const engine = useStudio((s) => s.engine);
  const backendError = useStudio((s) => s.errors.backend);
  const cores = useStudio((s) => s.trainingCores);
  const arithmetic = useStudio((s) => s.trainingArithmetic);

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
        {cores !== null && (
          <span className="backend-cores" data-testid="backend-cores" title="Cores that compute each training batch (set in the Training panel)">
            {cores === 1 ? '1 core trains' : `${cores} cores train`}
          </span>
        )}
        {cores !== null && arithmetic === 'SIMD kernels' && (
          <span className="backend-cores" data-testid="backend-arithmetic" title="Training steps run on the app's own WebAssembly SIMD kernels">
            on SIMD kernels
          </span>
        )}
        {backend.trialPending === 'running' && (
          <span className="backend-timing" data-testid="backend-timing">
            timing backends…
          </span>
        )}
      </summary>
      <div className="backend-details">
        <p>
          Running on <strong>{backend.name}</strong> ({backend.adapter})
          {backend.requested ? ', as you chose; no backends were timed' : backend.trial?.chosen === backend.name ? ', the fastest here for this model' : ''}.
        </p>
        {backend.software && <p>This is a software adapter: the GPU work runs on the CPU, which is slow.</p>}
        {arithmetic === 'SIMD kernels' && (
          <p data-testid="backend-training-kernels">Training steps run on the app's own WebAssembly SIMD kernels, not tfjs ops.</p>
        )}
        {backend.trialPending && (
          <p data-testid="backend-trial-pending" data-state={backend.trialPending}>
            {backend.trialPending === 'running'
              ? 'Timing every backend on this model, in the background…'
              : 'Started on WebAssembly so the first images are drawn at once; every backend is timed on this model once they are, or when you train.'}
          </p>
        )}
        {backend.trial && backend.trial.chosen !== backend.name && (
          <p data-testid="backend-move-pending">
            The fastest here is <strong>{backend.trial.chosen}</strong>; the engine moves to it when training starts.
          </p>
        )}
        {backend.trial ? (
          <TrialFigures trial={backend.trial} running={backend.name} />
        ) : backend.trialPending ? null : backend.unavailable.length === 0 ? (
          <p>{backend.requested ? 'Choose “Automatic” to time every backend on this model and use the fastest.' : 'This is the fastest backend there is.'}</p>
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
