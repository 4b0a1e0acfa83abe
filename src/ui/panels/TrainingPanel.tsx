import { useState } from 'react';
import { changeTrainSettings, pauseTraining, startTraining, trainOneStep } from '../actions';
import { ErrorAlert } from '../components/ErrorAlert';
import { Field } from '../components/Field';
import { LossChart } from '../components/LossChart';
import { Panel } from '../components/Panel';
import { clearErrors, currentStep, useStudio } from '../store';
import { LEARNING_RATE_WARN_ABOVE, MAX_TRAINING_CORES, defaultTrainingCores } from '../../worker/protocol';

/** Start and stop learning, tune it, and watch the loss. */
export function TrainingPanel() {
  const lossHistory = useStudio((s) => s.lossHistory);
  const testHistory = useStudio((s) => s.testHistory);
  return (
    <Panel
      title="Training"
      className="panel-training"
      intro="The model practises predicting each sub-pixel from the ones before it. Bits per dimension measures how surprised it is: lower is better."
    >
      <TrainingControls />
      <TrainingStats />
      <LossChart train={lossHistory} test={testHistory} />
      <TrainingProblems />
    </Panel>
  );
}

function TrainingControls() {
  const running = useStudio((s) => s.training);
  const ready = useStudio((s) => s.engine.state === 'ready');
  const settings = useStudio((s) => s.trainSettings);
  return (
    <div className="training-controls">
      <div className="button-row">
        <button type="button" className="primary" onClick={startTraining} disabled={!ready || running}>
          Train
        </button>
        <button type="button" onClick={pauseTraining} disabled={!ready || !running}>
          Pause
        </button>
        <button type="button" onClick={trainOneStep} disabled={!ready || running}>
          Step
        </button>
        <span className="kbd-hint">
          <kbd>Space</kbd> trains or pauses
        </span>
      </div>
      <div className="field-row">
        <SettingInput
          label="Learning rate"
          initial={settings.learningRate}
          min={0.00001}
          max={1}
          step={0.0001}
          check={(v) => (v > 0 && v <= 1 ? null : 'Learning rate must be above 0 and at most 1.')}
          onValid={(learningRate) => changeTrainSettings({ learningRate })}
        />
        <SettingInput
          label="Batch size"
          initial={settings.batchSize}
          min={1}
          max={256}
          step={1}
          check={(v) => (Number.isInteger(v) && v >= 1 && v <= 256 ? null : 'Batch size must be a whole number from 1 to 256.')}
          onValid={(batchSize) => changeTrainSettings({ batchSize })}
        />
        <CoresInput />
      </div>
      <CoresNote />
      {settings.learningRate > LEARNING_RATE_WARN_ABOVE && (
        <p className="field-warning" data-testid="learning-rate-warning">
          A learning rate above {LEARNING_RATE_WARN_ABOVE} usually wrecks a trained model within a few steps. If the loss
          explodes, training stops and goes back to the best checkpoint.
        </p>
      )}
    </div>
  );
}

/** How many cores share each batch: the engine and its helper workers, on WebAssembly only. */
function CoresInput() {
  const chosen = useStudio((s) => s.trainSettings.workers);
  return (
    <SettingInput
      label="Cores"
      initial={chosen ?? defaultTrainingCores(navigator.hardwareConcurrency)}
      min={1}
      max={MAX_TRAINING_CORES}
      step={1}
      check={(v) => (Number.isInteger(v) && v >= 1 && v <= MAX_TRAINING_CORES ? null : `Cores must be a whole number from 1 to ${MAX_TRAINING_CORES}.`)}
      onValid={(workers) => changeTrainSettings({ workers })}
    />
  );
}

/** What the Cores setting does on the backend in use. */
function CoresNote() {
  const backend = useStudio((s) => s.backend?.name);
  const cores = useStudio((s) => s.trainingCores);
  const text =
    backend && backend !== 'wasm'
      ? `Cores: ${backend} trains on one worker; the setting applies on WebAssembly.`
      : cores === 1
        ? 'Cores: the engine computes each batch alone.'
        : cores !== null
          ? `Cores: ${cores} share each batch (the engine and ${cores - 1} helper worker${cores === 2 ? '' : 's'}).`
          : 'Cores: the workers that share each batch on WebAssembly.';
  return (
    <p className="field-hint" data-testid="training-cores-hint">
      {text}
    </p>
  );
}

interface SettingInputProps {
  label: string;
  initial: number;
  min: number;
  max: number;
  step: number;
  /** A sentence saying what is wrong, or null when the value is usable. */
  check: (value: number) => string | null;
  onValid: (value: number) => void;
}

/** A number field that only passes on values the engine can use, and says why otherwise. */
function SettingInput({ label, initial, min, max, step, check, onValid }: SettingInputProps) {
  const [text, setText] = useState(String(initial));
  const [problem, setProblem] = useState<string | null>(null);
  return (
    <Field label={label} problem={problem}>
      {({ id, describedBy }) => (
        <input
          id={id}
          aria-describedby={describedBy}
          type="number"
          min={min}
          max={max}
          step={step}
          value={text}
          aria-invalid={problem !== null}
          onChange={(e) => {
            const raw = e.currentTarget.value;
            setText(raw);
            const value = Number(raw);
            const issue = raw.trim() === '' || !Number.isFinite(value) ? `${label} needs a number.` : check(value);
            setProblem(issue);
            if (!issue) onValid(value);
          }}
        />
      )}
    </Field>
  );
}

function TrainingStats() {
  const latest = useStudio((s) => s.lossHistory.at(-1)?.bitsPerDim ?? null);
  const latestTest = useStudio((s) => s.testHistory.at(-1)?.testBitsPerDim ?? null);
  const steps = useStudio(currentStep);
  const speed = useStudio((s) => s.stepsPerSecond);
  const running = useStudio((s) => s.training);
  return (
    <dl className="stats stats-wide">
      <div className="stat">
        <dt>Training bits/dim</dt>
        <dd data-testid="train-bpd">{latest === null ? '—' : latest.toFixed(3)}</dd>
      </div>
      <div className="stat">
        <dt>Held-out bits/dim</dt>
        <dd data-testid="test-bpd">{latestTest === null ? '—' : latestTest.toFixed(3)}</dd>
      </div>
      <div className="stat">
        <dt>Steps</dt>
        <dd data-testid="step-count">{steps}</dd>
      </div>
      <div className="stat">
        <dt>Steps/sec</dt>
        <dd data-testid="steps-per-second">{running && speed !== null ? speed.toFixed(1) : '—'}</dd>
      </div>
    </dl>
  );
}

function TrainingProblems() {
  const stopReason = useStudio((s) => s.trainingStopReason);
  const error = useStudio((s) => s.errors.training);
  return (
    <>
      <ErrorAlert message={error} onDismiss={() => clearErrors('training')} />
      <ErrorAlert message={stopReason} onDismiss={() => useStudio.setState({ trainingStopReason: null })} />
    </>
  );
}
