import { useId, useMemo, useRef, useState } from 'react';
import {
  type Architecture,
  CONFIG_FIELDS,
  CONFIG_SPEC,
  type ConfigFieldSpec,
  ConfigError,
  DEFAULT_CONFIG,
  configNumberSetting,
  type PixelCNNConfig,
  describeConfig,
  sameArchitecture,
  validateConfig,
} from '../../model/config';
import { listNames } from '../../data/classes';
import type { ModelSummary } from '../../worker/protocol';
import { applyConfig, exportModel, importModel, resetModel } from '../actions';
import { ErrorAlert } from '../components/ErrorAlert';
import { Field } from '../components/Field';
import { InlineConfirm } from '../components/InlineConfirm';
import { Panel } from '../components/Panel';
import { cardRows, formatInteger, originText, withFieldLabels } from '../format';
import { clearErrors, currentStep, useStudio } from '../store';
import { NumberField } from '../components/NumberField';
import { useActionProblem } from '../fieldProblems';
import { MEMORY_BUDGETS, estimateTrainingMemory, formatBytes, largeModelFileQuestion, modelFileSizeProblem } from '../../model/memory';
import { KEEP_RECENT } from '../../worker/checkpoints';
import { dropOffer, useImportOffer } from '../importOffer';
import { StartProposalBox } from './StartProposalBox';

/** The architecture, where the weights came from, and moving weights in and out. */
export function ModelPanel() {
  const model = useStudio((s) => s.model);
  const modelError = useStudio((s) => s.errors.model);
  return (
    <Panel title="Model" className="panel-model" intro="The network's shape. Bigger models can learn more but train and sample more slowly.">
      <StartProposalBox />
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
      {model.classNames.length > 0 && (
        <p className="model-classes" data-testid="model-classes">
          Draws the class it is asked for, one of {model.classNames.length}: {listNames(model.classNames, 12)}.
        </p>
      )}
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

/**
 * The form's values: a config as its fields hold it (each field passes on
 * only values its declaration allows), and whether the model is to be
 * conditioned on the dataset's classes (their count is the dataset's, not
 * typed). Label dropout is kept while conditioning is off, for when it is
 * turned back on.
 */
type Draft = PixelCNNConfig & { conditioned: boolean };

type ConfigField = keyof PixelCNNConfig;

/**
 * Fields the form shows its own way: the architecture as a choice with a
 * sentence each, the size once for both sides (images are square), the
 * classes as "Condition on classes", and label dropout only for a
 * conditioned model. Every other field is drawn from its declaration
 * (CONFIG_SPEC): a number field, a choice, a kernel size, or a checkbox.
 */
const SHOWN_OWN_WAY: ReadonlySet<ConfigField> = new Set<ConfigField>(['architecture', 'height', 'classes', 'labelDropout']);

const isCheckbox = (field: ConfigField) => typeof DEFAULT_CONFIG[field] === 'boolean';

/** Each architecture in one sentence, for the choice in the form (named as CONFIG_SPEC names it). */
const ARCHITECTURE_SENTENCES: Record<Architecture, string> = {
  pixelcnn: 'masked convolutions (mask A, then mask B); it cannot see a wedge up and to the right of each pixel (a blind spot).',
  gated: 'a vertical stack (rows above) and a horizontal stack (the row to the left) with gated units; no blind spot.',
};

/** Every odd size a kernel field's declaration allows. */
function kernelSizes(field: ConfigField): number[] {
  const { min, max } = CONFIG_SPEC[field].range!;
  const sizes: number[] = [];
  for (let k = min % 2 === 1 ? min : min + 1; k <= max; k += 2) sizes.push(k);
  return sizes;
}

type PendingRebuild = { kind: 'apply'; config: PixelCNNConfig } | { kind: 'reset' };

function draftOf(config: PixelCNNConfig): Draft {
  const conditioned = config.classes > 0;
  return { ...config, labelDropout: conditioned ? config.labelDropout : DEFAULT_CONFIG.labelDropout, conditioned };
}

/**
 * The config a draft asks for. A conditioned model takes the dataset's
 * classes; while no dataset is known, the current model's count.
 */
function configOf(draft: Draft, datasetClasses: number | null, currentClasses: number): PixelCNNConfig {
  const { conditioned, ...config } = draft;
  return {
    ...config,
    height: config.width,
    classes: conditioned ? (datasetClasses ?? currentClasses) : 0,
    labelDropout: conditioned ? config.labelDropout : 0,
  };
}

/** What the dataset offers a conditional model: its class count and names, or why it has none. */
interface DatasetOffer {
  known: boolean;
  classes: string[] | null;
  reason: string | null;
}

function useDatasetOffer(): DatasetOffer {
  const dataset = useStudio((s) => s.dataset);
  const names = useMemo(() => dataset?.classes?.map((c) => c.name) ?? null, [dataset]);
  return { known: dataset !== null, classes: names, reason: dataset?.unlabelledReason ?? null };
}

function ConfigForm({ current }: { current: PixelCNNConfig | null }) {
  const startConfig = useStudio((s) => s.startConfig);
  const engineReady = useStudio((s) => s.engine.state === 'ready');
  const steps = useStudio(currentStep);
  const offer = useDatasetOffer();
  const base = current ?? startConfig;
  const [draft, setDraft] = useState<Draft>(() => draftOf(base));
  const [problem, setProblem] = useState<string | null>(null);
  const blocked = useActionProblem('model');
  // A rebuild waiting for the user to confirm that trained weights may be discarded.
  const [pending, setPending] = useState<PendingRebuild | null>(null);

  // An unlabelled dataset cannot condition a model: the box is off and disabled.
  const canCondition = !offer.known || offer.classes !== null;
  const conditioned = draft.conditioned && canCondition;
  const datasetClassCount = offer.classes?.length ?? null;

  const update = (patch: Partial<Draft>) => {
    setDraft((d) => ({ ...d, ...patch }));
    setProblem(null);
    setPending(null);
  };

  function rebuild(config: PixelCNNConfig) {
    if (steps > 0) setPending({ kind: 'apply', config });
    else applyConfig(config);
  }

  function onApply() {
    const config = configOf({ ...draft, conditioned }, datasetClassCount, base.classes);
    try {
      validateConfig(config);
    } catch (error) {
      if (error instanceof ConfigError) {
        setProblem(withFieldLabels(error.message));
        return;
      }
      throw error;
    }
    if (current && sameArchitecture(config, current)) {
      setProblem('The model already has this shape; change a field first.');
      return;
    }
    rebuild(config);
  }

  // A field drawn from its declaration (CONFIG_SPEC): a number field (an out-of-range value turns Apply off), a choice, or a kernel size.
  const control = (field: ConfigField) => {
    const spec: ConfigFieldSpec = CONFIG_SPEC[field];
    const set = (value: unknown) => update((field === 'width' ? { width: value, height: value } : { [field]: value }) as Partial<Draft>);
    if (spec.choices || spec.odd) {
      const options = spec.choices ?? kernelSizes(field).map((k) => ({ value: k, name: `${k}×${k}` }));
      return (
        <Field key={field} label={spec.label} hint={spec.hint}>
          {({ id, describedBy }) => (
            <select
              id={id}
              aria-describedby={describedBy}
              value={String(draft[field])}
              onChange={(e) => set(options.find((option) => String(option.value) === e.currentTarget.value)!.value)}
            >
              {options.map((option) => (
                <option key={String(option.value)} value={String(option.value)}>
                  {option.name}
                </option>
              ))}
            </select>
          )}
        </Field>
      );
    }
    return <NumberField key={field} problemKey={`model.${field}`} setting={configNumberSetting(field)} value={draft[field] as number} onValid={set} />;
  };

  const conditionHint = !canCondition
    ? "off: the dataset's images have no classes"
    : offer.classes
      ? `draw the class you ask for: the dataset's ${offer.classes.length} classes (${listNames(offer.classes)})`
      : 'draw the class you ask for';

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
      <fieldset className="architecture-choice">
        <legend>{CONFIG_SPEC.architecture.label}</legend>
        {CONFIG_SPEC.architecture.choices!.map((choice) => (
          <label key={choice.value} className="radio-option">
            <input
              type="radio"
              name="architecture"
              value={choice.value}
              checked={draft.architecture === choice.value}
              onChange={() => update({ architecture: choice.value })}
            />
            <span>
              <strong>{choice.name}</strong>: {ARCHITECTURE_SENTENCES[choice.value]}
            </span>
          </label>
        ))}
      </fieldset>
      <div className="field-grid">{CONFIG_FIELDS.filter((field) => !SHOWN_OWN_WAY.has(field) && !isCheckbox(field)).map(control)}</div>
      <div className="checkbox-rows">
        {CONFIG_FIELDS.filter(isCheckbox).map((field) => (
          <CheckboxField
            key={field}
            label={CONFIG_SPEC[field].label}
            hint={CONFIG_SPEC[field].hint}
            checked={draft[field] as boolean}
            onChange={(checked) => update({ [field]: checked })}
          />
        ))}
        <CheckboxField
          label="Condition on classes"
          hint={conditionHint}
          checked={conditioned}
          disabled={!canCondition}
          onChange={(value) => update({ conditioned: value })}
        />
      </div>
      {conditioned && <div className="field-grid">{control('labelDropout')}</div>}
      {problem && (
        <p className="alert" role="alert">
          {problem}
        </p>
      )}
      {blocked && (
        <p className="field-problem" data-testid="model-blocked">
          Apply is off until the fields are fixed: {blocked}
        </p>
      )}
      <MemoryLine config={configOf({ ...draft, conditioned }, datasetClassCount, base.classes)} />
      {current && <ClassFit model={current} offer={offer} onRebuild={rebuild} busy={pending !== null} />}
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
        <button type="submit" className="primary" disabled={!engineReady || blocked !== null}>
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

interface CheckboxFieldProps {
  label: string;
  hint: string;
  checked: boolean;
  disabled?: boolean;
  onChange: (checked: boolean) => void;
}

/** A checkbox named by its label, described by its hint. */
function CheckboxField({ label, hint, checked, disabled = false, onChange }: CheckboxFieldProps) {
  const id = useId();
  return (
    <div className="checkbox-row">
      <label className="checkbox-field" htmlFor={id}>
        <input
          id={id}
          type="checkbox"
          checked={checked}
          disabled={disabled}
          aria-describedby={`${id}-hint`}
          onChange={(e) => onChange(e.currentTarget.checked)}
        />
        <span>{label}</span>
      </label>
      <span id={`${id}-hint`} className="field-hint">
        {hint}
      </span>
    </div>
  );
}

/**
 * When a conditional model and the dataset disagree about the classes, says
 * so and offers the config that fits the dataset.
 */
function ClassFit({
  model,
  offer,
  onRebuild,
  busy,
}: {
  model: PixelCNNConfig;
  offer: DatasetOffer;
  onRebuild: (config: PixelCNNConfig) => void;
  busy: boolean;
}) {
  const engineReady = useStudio((s) => s.engine.state === 'ready');
  const k = model.classes;
  if (k === 0 || !offer.known) return null;
  const n = offer.classes?.length ?? 0;
  if (n === k) return null;
  const fitting: PixelCNNConfig = { ...model, classes: n };
  return (
    <div className="note class-fit" role="status">
      <p>
        {offer.classes
          ? `This model is conditioned on ${k} classes, but the dataset has ${n} (${listNames(offer.classes)}), so it cannot train on it.`
          : `This model is conditioned on ${k} classes, but the dataset's images have no classes, so it cannot train on them.`}
      </p>
      <button type="button" onClick={() => onRebuild(fitting)} disabled={!engineReady || busy}>
        {offer.classes ? `Rebuild for ${n} classes` : 'Rebuild without classes'}
      </button>
    </div>
  );
}

function ModelFiles() {
  const fileInput = useRef<HTMLInputElement>(null);
  const engineReady = useStudio((s) => s.engine.state === 'ready');
  const hasModel = useStudio((s) => s.model !== null);
  const importError = useStudio((s) => s.errors.import);
  const exportError = useStudio((s) => s.errors.export);
  const [readProblem, setReadProblem] = useState<string | null>(null);
  // A large file waiting for the user's word, with the question that says its size and what keeping it costs.
  const [large, setLarge] = useState<{ file: File; question: string } | null>(null);

  function onFileChosen(input: HTMLInputElement) {
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    setReadProblem(null);
    setLarge(null);
    // A file over the limit is not read at all (the engine checks the text again).
    const tooLarge = modelFileSizeProblem(file.name, file.size);
    if (tooLarge) {
      setReadProblem(`${tooLarge} Nothing was changed.`);
      return;
    }
    const question = largeModelFileQuestion(file.name, file.size, KEEP_RECENT);
    if (question) setLarge({ file, question });
    else void readAndImport(file);
  }

  async function readAndImport(file: File) {
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
          onChange={(e) => onFileChosen(e.currentTarget)}
        />
      </div>
      {large && (
        <InlineConfirm
          question={large.question}
          confirmLabel="Open it"
          cancelLabel="Don't open it"
          onConfirm={() => {
            setLarge(null);
            void readAndImport(large.file);
          }}
          onCancel={() => setLarge(null)}
        />
      )}
      <SwitchOffer />
      <ErrorAlert message={readProblem} onDismiss={() => setReadProblem(null)} />
      <ErrorAlert message={importError} onDismiss={() => clearErrors('import')} />
      <ErrorAlert message={exportError} onDismiss={() => clearErrors('export')} />
    </div>
  );
}

/** A model file of another architecture: says what switching to it would discard, and does it only when asked. */
function SwitchOffer() {
  const offer = useImportOffer((s) => s.offer);
  const current = useStudio((s) => s.model);
  const steps = useStudio(currentStep);
  if (!offer || !current) return null;
  const geometry =
    offer.config.width !== current.config.width ||
    offer.config.height !== current.config.height ||
    offer.config.colorChannels !== current.config.colorChannels ||
    offer.config.levels !== current.config.levels;
  const discarded =
    `the current model (${describeConfig(current.config)}` +
    (steps > 0 ? `, ${formatInteger(steps)} steps trained; it stays in the History` : '') +
    ')' +
    (geometry ? `, and the dataset is re-made at ${offer.config.width}×${offer.config.height}` : '');
  return (
    <InlineConfirm
      question={`“${offer.fileName}” holds another architecture: ${describeConfig(offer.config)}, ${formatInteger(offer.steps)} steps trained. Switching to it replaces ${discarded}. Switch?`}
      confirmLabel="Switch to the file's model"
      cancelLabel="Keep current model"
      onConfirm={() => importModel(offer.text, offer.fileName, true)}
      onCancel={dropOffer}
    />
  );
}

/**
 * What training the drafted model would need (src/model/memory.ts, the
 * figures the engine checks), against the budget of the backend in use.
 */
function MemoryLine({ config }: { config: PixelCNNConfig }) {
  const batchSize = useStudio((s) => s.trainSettings.batchSize);
  const backend = useStudio((s) => s.backend?.name ?? 'wasm');
  let estimate;
  try {
    validateConfig(config);
    estimate = estimateTrainingMemory(config, batchSize);
  } catch {
    return null;
  }
  const budget = MEMORY_BUDGETS[backend];
  const fits = estimate.totalBytes <= budget.bytes;
  return (
    <p className={fits ? 'field-hint' : 'field-warning'} data-testid="memory-estimate">
      Training on batches of {batchSize} needs about {formatBytes(estimate.totalBytes)} ({formatBytes(budget.bytes)} allowed on {backend})
      {fits ? '.' : ': too much; Apply will be refused. Use fewer channels, layers or a smaller image or batch.'}
    </p>
  );
}
