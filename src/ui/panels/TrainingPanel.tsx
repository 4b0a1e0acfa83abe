import { useState } from 'react';
import { changeTrainSettings, pauseTraining, startTraining, trainOneStep } from '../actions';
import { ErrorAlert } from '../components/ErrorAlert';
import { NumberField } from '../components/NumberField';
import { useActionProblem } from '../fieldProblems';
import { LossChart } from '../components/LossChart';
import { Panel } from '../components/Panel';
import { LearningTimeline } from './LearningTimeline';
import { clearErrors, currentStep, useStudio } from '../store';
import { LEARNING_RATE_WARN_ABOVE, TRAIN_SETTINGS, defaultTrainingCores } from '../../worker/protocol';

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
      <TrainingAnnouncer />
      <LossChart train={lossHistory} test={testHistory} />
      <TrainingProblems />
      <LearningTimeline />
    </Panel>
  );
}

function TrainingControls() {
  const running = useStudio((s) => s.training);
  const ready = useStudio((s) => s.engine.state === 'ready');
  const settings = useStudio((s) => s.trainSettings);
  // An invalid setting turns off what would use it, and says why.
  const blocked = useActionProblem('training');
  return (
    <div className="training-controls">
      <div className="button-row">
        <button type="button" className="primary" onClick={startTraining} disabled={!ready || running || blocked !== null}>
          Train
        </button>
        <button type="button" onClick={pauseTraining} disabled={!ready || !running}>
          Pause
        </button>
        <button type="button" onClick={trainOneStep} disabled={!ready || running || blocked !== null}>
          Step
        </button>
        <span className="kbd-hint">
          <kbd>Space</kbd> trains or pauses
        </span>
      </div>
      <div className="field-row">
        <NumberField
          problemKey="training.learningRate"
          setting={TRAIN_SETTINGS.learningRate}
          value={settings.learningRate}
          onValid={(learningRate) => changeTrainSettings({ learningRate })}
        />
        <NumberField
          problemKey="training.batchSize"
          setting={TRAIN_SETTINGS.batchSize}
          value={settings.batchSize}
          onValid={(batchSize) => changeTrainSettings({ batchSize })}
        />
        <CoresInput />
      </div>
      <CoresNote />
      {blocked && (
        <p className="field-problem" data-testid="training-blocked">
          Train and Step are off until the settings are fixed: {blocked}
        </p>
      )}
      {settings.learningRate > LEARNING_RATE_WARN_ABOVE && (
        <p className="field-warning" data-testid="learning-rate-warning">
          A learning rate above {LEARNING_RATE_WARN_ABOVE} usually wrecks a trained model within a few steps. If the loss explodes, training stops and goes back
          to the best checkpoint.
        </p>
      )}
    </div>
  );
}

/** How many cores share each batch: the engine and its helper workers, on WebAssembly only. */
function CoresInput() {
  const chosen = useStudio((s) => s.trainSettings.workers);
  return (
    <NumberField
      problemKey="training.workers"
      setting={TRAIN_SETTINGS.workers}
      value={chosen ?? defaultTrainingCores(navigator.hardwareConcurrency)}
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

/** Training starting, pausing and stopping on its own, announced politely to screen readers (not every step). */
function TrainingAnnouncer() {
  const running = useStudio((s) => s.training);
  const stopReason = useStudio((s) => s.trainingStopReason);
  const steps = useStudio(currentStep);
  const [pausedAt, setPausedAt] = useState<number | null>(null);
  const [wasRunning, setWasRunning] = useState(running);
  if (wasRunning !== running) {
    setWasRunning(running);
    setPausedAt(running ? null : steps);
  }
  const message = running ? 'Training.' : stopReason ? stopReason : pausedAt !== null ? `Training paused at step ${pausedAt.toLocaleString('en-US')}.` : '';
  return (
    <p className="visually-hidden" role="status" aria-live="polite" data-testid="training-announcement">
      {message}
    </p>
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
