import { useRef, useState } from 'react';
import { ConfigError, describeConfig, validateConfig, type PixelCNNConfig } from '../../model/config';
import type { ModelSummary } from '../../worker/protocol';
import { applyConfig, exportModel, importModel, resetModel } from '../actions';
import { ErrorAlert } from '../components/ErrorAlert';
import { Field } from '../components/Field';
import { InlineConfirm } from '../components/InlineConfirm';
import { Panel } from '../components/Panel';
import { cardRows, formatInteger, originText, withFieldLabels } from '../format';
import { clearErrors, currentStep, useStudio } from '../store';

/** The architecture, where the weights came from, and moving weights in and out. */
export function ModelPanel() {
  const model = useStudio((s) => s.model);
  const modelError = useStudio((s) => s.errors.model);
  return (
    <Panel
      title="Model"
      className="panel-model"
      intro="The network's shape. Bigger models can learn more but train and sample more slowly."
    >
      {model ? <ModelFacts model={model} /> : <p className="muted">Waiting for the engine to build the model…</p>}
      {/* Keyed on the config so the form starts over whenever the real model changes. */}
      <ConfigForm key={model ? JSON.stringify(model.config) : 'none'} current={model?.config ?? null} />
      <ErrorAlert message={modelError} onDismiss={() => clearErrors('model')} />
      <ModelFiles />
    </Panel>
  );
}

function ModelFacts({ model }: { model: ModelSummary }) {
  const steps = useStudio(currentStep);
  const card = cardRows(model.card);
  return (
    <div className="model-facts">
      <p className="muted">{describeConfig(model.config)}</p>
      <dl className="stats">
        <div className="stat">
          <dt>Parameters</dt>
          <dd data-testid="parameter-count">{formatInteger(model.parameterCount)}</dd>
        </div>
        <div className="stat">
          <dt>Weights</dt>
          <dd data-testid="model-origin">{originText(model.origin, model.steps, model.card)}</dd>
        </div>
        <div className="stat">
          <dt>Steps trained</dt>
          <dd data-testid="model-steps">{formatInteger(steps)}</dd>
        </div>
      </dl>
      {card.length > 0 && (
        // Open for the shipped model: where it came from is the first thing a visitor wonders.
        <details className="model-card" open={model.origin === 'pretrained'}>
          <summary>Model card</summary>
          <dl>
            {card.map(([label, text]) => (
              <div key={label} className="card-row">
                <dt>{label}</dt>
                <dd>{text}</dd>
              </div>
            ))}
          </dl>
        </details>
      )}
    </div>
  );
}

interface Draft {
  size: string;
  colorChannels: '1' | '3';
  levels: string;
  hiddenChannels: string;
  layers: string;
  kernelSize: string;
  headChannels: string;
  inputEmbedding: string;
}

const KERNEL_SIZES = [1, 3, 5, 7, 9];

type PendingRebuild = { kind: 'apply'; config: PixelCNNConfig } | { kind: 'reset' };

function draftOf(config: PixelCNNConfig): Draft {
  return {
    size: String(config.width),
    colorChannels: config.colorChannels === 3 ? '3' : '1',
    levels: String(config.levels),
    hiddenChannels: String(config.hiddenChannels),
    layers: String(config.layers),
    kernelSize: String(config.kernelSize),
    headChannels: String(config.headChannels),
    inputEmbedding: String(config.inputEmbedding),
  };
}

function configOf(draft: Draft): PixelCNNConfig {
  // Number('') is 0 and Number('2.5') is 2.5; validateConfig names either problem.
  const size = Number(draft.size);
  return {
    width: size,
    height: size,
    colorChannels: draft.colorChannels === '3' ? 3 : 1,
    levels: Number(draft.levels),
    hiddenChannels: Number(draft.hiddenChannels),
    layers: Number(draft.layers),
    kernelSize: Number(draft.kernelSize),
    headChannels: Number(draft.headChannels),
    inputEmbedding: Number(draft.inputEmbedding),
  };
}

function sameConfig(a: PixelCNNConfig, b: PixelCNNConfig): boolean {
  return JSON.stringify(draftOf(a)) === JSON.stringify(draftOf(b)) && a.height === b.height;
}

function ConfigForm({ current }: { current: PixelCNNConfig | null }) {
  const startConfig = useStudio((s) => s.startConfig);
  const engineReady = useStudio((s) => s.engine.state === 'ready');
  const steps = useStudio(currentStep);
  const [draft, setDraft] = useState<Draft>(() => draftOf(current ?? startConfig));
  const [problem, setProblem] = useState<string | null>(null);
  // A rebuild waiting for the user to confirm that trained weights may be discarded.
  const [pending, setPending] = useState<PendingRebuild | null>(null);

  const update = (patch: Partial<Draft>) => {
    setDraft((d) => ({ ...d, ...patch }));
    setProblem(null);
    setPending(null);
  };

  function onApply() {
    const config = configOf(draft);
    try {
      validateConfig(config);
    } catch (error) {
      if (error instanceof ConfigError) {
        setProblem(withFieldLabels(error.message));
        return;
      }
      throw error;
    }
    if (current && sameConfig(config, current)) {
      setProblem('The model already has this shape; change a field first.');
      return;
    }
    if (steps > 0) setPending({ kind: 'apply', config });
    else applyConfig(config);
  }

  const number = (
    field: keyof Omit<Draft, 'colorChannels' | 'kernelSize'>,
    label: string,
    min: number,
    max: number,
    hint: string,
  ) => (
    <Field label={label} hint={hint}>
      {({ id, describedBy }) => (
        <input
          id={id}
          aria-describedby={describedBy}
          type="number"
          min={min}
          max={max}
          step={1}
          value={draft[field]}
          aria-invalid={problem !== null && problem.includes(label)}
          onChange={(e) => update({ [field]: e.currentTarget.value })}
        />
      )}
    </Field>
  );

  const kernelOptions = KERNEL_SIZES.includes(Number(draft.kernelSize))
    ? KERNEL_SIZES
    : [...KERNEL_SIZES, Number(draft.kernelSize)].sort((a, b) => a - b);

  return (
    <form
      className="config-form"
      // validateConfig explains problems in sentences; the browser's own bubbles would pre-empt it.
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        onApply();
      }}
    >
      <div className="field-grid">
        {number('size', 'Image size', 1, 256, 'pixels per side')}
        <Field label="Colour channels" hint="RGB draws R, G, B in turn">
          {({ id, describedBy }) => (
            <select
              id={id}
              aria-describedby={describedBy}
              value={draft.colorChannels}
              onChange={(e) => update({ colorChannels: e.currentTarget.value === '3' ? '3' : '1' })}
            >
              <option value="1">Grayscale</option>
              <option value="3">RGB</option>
            </select>
          )}
        </Field>
        {number('levels', 'Levels', 2, 256, 'shades per channel')}
        {number('hiddenChannels', 'Hidden channels', 1, 1024, 'width of each layer')}
        {number('layers', 'Layers', 1, 64, 'masked convolutions')}
        <Field label="Kernel size" hint="how far each layer looks">
          {({ id, describedBy }) => (
            <select
              id={id}
              aria-describedby={describedBy}
              value={draft.kernelSize}
              onChange={(e) => update({ kernelSize: e.currentTarget.value })}
            >
              {kernelOptions.map((k) => (
                <option key={k} value={String(k)}>
                  {k}×{k}
                </option>
              ))}
            </select>
          )}
        </Field>
        {number('headChannels', 'Head channels', 0, 1024, '1×1 layer before the softmax; 0 for none')}
        {number('inputEmbedding', 'Level embedding', 0, 64, 'a learned vector per input level; 0 feeds the level as a number')}
      </div>
      {problem && (
        <p className="alert" role="alert">
          {problem}
        </p>
      )}
      {pending && (
        <InlineConfirm
          question={`This discards the trained model (${formatInteger(steps)} steps). Rebuild?`}
          confirmLabel="Discard and rebuild"
          cancelLabel="Keep current model"
          onConfirm={() => {
            if (pending.kind === 'apply') applyConfig(pending.config);
            else resetModel();
            setPending(null);
          }}
          onCancel={() => setPending(null)}
        />
      )}
      <div className="button-row">
        <button type="submit" className="primary" disabled={!engineReady}>
          Apply
        </button>
        <button
          type="button"
          disabled={!engineReady}
          onClick={() => {
            if (steps > 0) setPending({ kind: 'reset' });
            else resetModel();
          }}
        >
          Reset model
        </button>
      </div>
    </form>
  );
}

function ModelFiles() {
  const fileInput = useRef<HTMLInputElement>(null);
  const engineReady = useStudio((s) => s.engine.state === 'ready');
  const hasModel = useStudio((s) => s.model !== null);
  const importError = useStudio((s) => s.errors.import);
  const exportError = useStudio((s) => s.errors.export);
  const [readProblem, setReadProblem] = useState<string | null>(null);

  async function onFileChosen(input: HTMLInputElement) {
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    setReadProblem(null);
    try {
      importModel(await file.text(), file.name);
    } catch (cause) {
      setReadProblem(`"${file.name}" could not be read: ${cause instanceof Error ? cause.message : String(cause)}`);
    }
  }

  return (
    <div className="model-files">
      <h3>Model file</h3>
      <p className="muted">Save the weights as a .json file, or load a file saved here earlier.</p>
      <div className="button-row">
        <button type="button" onClick={exportModel} disabled={!engineReady || !hasModel}>
          Export model
        </button>
        <button type="button" onClick={() => fileInput.current?.click()} disabled={!engineReady}>
          Import model
        </button>
        <input
          ref={fileInput}
          type="file"
          accept=".json,application/json"
          aria-label="Model file to import"
          hidden
          onChange={(e) => void onFileChosen(e.currentTarget)}
        />
      </div>
      <ErrorAlert message={readProblem} onDismiss={() => setReadProblem(null)} />
      <ErrorAlert message={importError} onDismiss={() => clearErrors('import')} />
      <ErrorAlert message={exportError} onDismiss={() => clearErrors('export')} />
    </div>
  );
}
