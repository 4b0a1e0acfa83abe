import { useState } from 'react';
import { changeSampleSettings, completeHeldOutImage, pinSeed, sampleImages, setFreshSeedEachRun, stopSampling } from '../actions';
import { ErrorAlert } from '../components/ErrorAlert';
import { Field } from '../components/Field';
import { NumberField } from '../components/NumberField';
import { useActionProblem } from '../fieldProblems';
import { Panel } from '../components/Panel';
import { CLASS_DRAW_KINDS, type ClassDraw, MAX_SAMPLE_IMAGES, SAMPLE_SETTINGS } from '../../worker/protocol';
import { formatInteger, formatSeconds } from '../format';
import { clearErrors, useStudio } from '../store';
import { DrawingCompletion } from './CompletionPanel';
import { SampleCanvas } from './SampleCanvas';
import { SampleInspector } from './inspect/SampleInspector';
import { SampleDownloads } from './SampleDownloads';

/** Watching the model draw: the main event of the app. */
export function SamplingPanel() {
  const error = useStudio((s) => s.errors.sampling);
  return (
    <Panel
      title="Sampling"
      className="panel-sampling"
      intro="The model paints new images one sub-pixel at a time, row by row, left to right, each one drawn at random from what it predicts given everything above and to the left."
    >
      <div className="sampling-layout">
        <div className="sample-column">
          <div className="sample-stage">
            <SampleCanvas />
            <SampleProgress />
            <SampleAnnouncer />
            <SampleLegend />
            <SampleInspector />
            <SampleDownloads />
          </div>
          {/* Under the grid, so the drawing and its completions are seen together. */}
          <DrawingCompletion />
        </div>
        <div className="sample-controls">
          <SampleButtons />
          <ErrorAlert message={error} onDismiss={() => clearErrors('sampling')} />
          <DrawChoice />
          <SampleSettingsForm />
          <CompletionControls />
        </div>
      </div>
    </Panel>
  );
}

function SampleLegend() {
  const completing = useStudio((s) => s.sampling.prefixLength > 0);
  const colour = useStudio((s) => s.model?.config.colorChannels === 3);
  return (
    <>
      <p className="legend-line muted">
        <span className="swatch swatch-undrawn" aria-hidden="true" /> not yet drawn
        <span className="swatch swatch-marker" aria-hidden="true" /> pixel being drawn now
        {completing && (
          <>
            <span className="swatch swatch-given" aria-hidden="true" /> above the line: given, not drawn by the model
          </>
        )}
      </p>
      {colour && <ColourOrderLegend />}
    </>
  );
}

/** How a colour pixel is drawn: R, then G knowing R, then B knowing both; slow motion shows each step. */
function ColourOrderLegend() {
  return (
    <p className="legend-line colour-order" data-testid="colour-order">
      Each pixel is drawn in three steps: <span className="channel-tag channel-r">R</span> red first, then <span className="channel-tag channel-g">G</span>{' '}
      green knowing the red, then <span className="channel-tag channel-b">B</span> blue knowing both. The marker names the step; in slow motion a pixel shows
      red alone, then red and green, then its full colour.
    </p>
  );
}

function SampleButtons() {
  const ready = useStudio((s) => s.engine.state === 'ready');
  const running = useStudio((s) => s.sampling.running);
  // An invalid setting turns Sample off, and says why.
  const blocked = useActionProblem('sampling');
  return (
    <div className="button-row">
      <button type="button" className="primary" onClick={sampleImages} disabled={!ready || running || blocked !== null}>
        Sample
      </button>
      {/* A grid that is drawing can be stopped while the engine still starts: a first visit's grid starts before the engine is ready. */}
      <button type="button" onClick={stopSampling} disabled={!running}>
        Stop
      </button>
      <span className="kbd-hint">
        <kbd>S</kbd> samples
      </span>
    </div>
  );
}

/**
 * Sampling progress for screen readers, politely and seldom: when a run
 * starts, at each quarter, and how it ended (the visible counter changes
 * every frame, so it is not announced).
 */
function SampleAnnouncer() {
  const message = useStudio((s) => {
    const { running, drawn, total, finished, prefixLength } = s.sampling;
    if (total === 0) return '';
    if (running) {
      const quarter = Math.floor((4 * (drawn - prefixLength)) / Math.max(1, total - prefixLength));
      return quarter <= 0 ? 'Drawing started.' : `Drawing, ${Math.min(quarter, 3) * 25}% done.`;
    }
    if (!finished) return '';
    return finished.stopped ? `Drawing stopped at ${Math.round((100 * drawn) / total)}%.` : 'Drawing done.';
  });
  return (
    <p className="visually-hidden" role="status" aria-live="polite" data-testid="sample-announcement">
      {message}
    </p>
  );
}

function SampleProgress() {
  const sampling = useStudio((s) => s.sampling);
  const { running, drawn, total, channels, prefixLength, elapsedMs, finished, mode } = sampling;
  if (total === 0) {
    return (
      <p className="sample-progress muted">
        <span data-testid="sample-progress">Not started</span>
        <span> · press Sample to watch the model draw.</span>
      </p>
    );
  }
  const pixelsTotal = total / channels;
  const pixelsDone = Math.ceil(drawn / channels);
  const status = running
    ? mode === 'complete'
      ? `continuing from the first ${formatInteger(prefixLength / channels)} pixels`
      : 'drawing'
    : finished?.stopped
      ? 'stopped'
      : 'done';
  return (
    <p className="sample-progress" aria-live="off">
      <span data-testid="sample-progress">
        pixel {pixelsDone} of {pixelsTotal}
      </span>
      <span className="muted">
        {' '}
        · {status} · <span data-testid="sample-elapsed">{formatSeconds(elapsedMs)}</span>
      </span>
    </p>
  );
}

const SPEEDS: Array<{ delayMs: number; label: string }> = [
  { delayMs: 200, label: 'Slow motion (200 ms)' },
  { delayMs: 50, label: 'Slow (50 ms)' },
  { delayMs: 10, label: 'Brisk (10 ms)' },
  { delayMs: 0, label: 'Full speed' },
];

// A shared empty list: a fresh [] per render would look like a store change every time.
const NO_CLASSES: string[] = [];

const DRAW_LABELS: Record<ClassDraw['kind'], string> = {
  any: 'Any class',
  class: 'One class',
  rows: 'One row per class',
};

/** Which class each image is drawn as; only a conditional model has classes to choose from. */
function DrawChoice() {
  const classNames = useStudio((s) => s.model?.classNames ?? NO_CLASSES);
  const draw = useStudio((s) => s.sampleSettings.draw);
  // Remembered while another choice is shown, so switching back keeps them.
  const [label, setLabel] = useState(draw.kind === 'class' ? draw.label : 0);
  const [perClassText, setPerClassText] = useState(String(draw.kind === 'rows' ? draw.perClass : 4));
  const k = classNames.length;
  if (k === 0) return null;
  const mostPerClass = Math.max(1, Math.floor(MAX_SAMPLE_IMAGES / k));
  const perClass = Math.min(mostPerClass, Math.max(1, Math.round(Number(perClassText)) || 1));
  const chosen = Math.min(label, k - 1);

  const choose = (kind: ClassDraw['kind']) => {
    const next: ClassDraw = kind === 'class' ? { kind, label: chosen } : kind === 'rows' ? { kind, perClass } : { kind };
    changeSampleSettings({ draw: next });
  };
  const hint =
    draw.kind === 'any'
      ? 'a class per image, drawn as often as it occurs in the training data'
      : draw.kind === 'class'
        ? 'every image of the class you pick'
        : `${k} rows, one per class, each labelled with its class`;

  return (
    <fieldset className="draw-choice">
      <legend>Classes</legend>
      <div className="field-grid">
        <Field label="Draw" hint={hint}>
          {({ id, describedBy }) => (
            <select id={id} aria-describedby={describedBy} value={draw.kind} onChange={(e) => choose(e.currentTarget.value as ClassDraw['kind'])}>
              {CLASS_DRAW_KINDS.map((kind) => (
                // One run draws at most MAX_SAMPLE_IMAGES images, so at most that many rows.
                <option key={kind} value={kind} disabled={kind === 'rows' && k > MAX_SAMPLE_IMAGES}>
                  {DRAW_LABELS[kind]}
                </option>
              ))}
            </select>
          )}
        </Field>
        {draw.kind === 'class' && (
          <Field label="Class" hint={`one of ${k}`}>
            {({ id, describedBy }) => (
              <select
                id={id}
                aria-describedby={describedBy}
                value={String(chosen)}
                onChange={(e) => {
                  const value = Number(e.currentTarget.value);
                  setLabel(value);
                  changeSampleSettings({ draw: { kind: 'class', label: value } });
                }}
              >
                {classNames.map((name, i) => (
                  <option key={i} value={String(i)}>
                    {name}
                  </option>
                ))}
              </select>
            )}
          </Field>
        )}
        {draw.kind === 'rows' && (
          <Field label="Per class" hint={`images in each row, 1 to ${mostPerClass}`}>
            {({ id, describedBy }) => (
              <input
                id={id}
                aria-describedby={describedBy}
                type="number"
                min={1}
                max={mostPerClass}
                step={1}
                value={perClassText}
                onChange={(e) => {
                  const raw = e.currentTarget.value;
                  setPerClassText(raw);
                  const value = Number(raw);
                  if (Number.isInteger(value) && value >= 1 && value <= mostPerClass) {
                    changeSampleSettings({ draw: { kind: 'rows', perClass: value } });
                  }
                }}
              />
            )}
          </Field>
        )}
      </div>
      <GuidanceControl />
    </fieldset>
  );
}

/**
 * Classifier-free guidance: how hard each pixel leans toward the class asked
 * for. Shows the model's own default until the user moves it; a model
 * trained without label dropout cannot be guided, and the control says why.
 */
function GuidanceControl() {
  const model = useStudio((s) => s.model);
  const asked = useStudio((s) => s.sampleSettings.guidance);
  if (!model) return null;
  const setting = SAMPLE_SETTINGS.guidance;
  const unavailable = model.guidanceUnavailable;
  const value = unavailable ? 1 : (asked ?? model.guidance);
  const isDefault = unavailable !== null || asked === undefined || asked === model.guidance;
  const shown = `${value.toFixed(2)}${unavailable ? ' (off)' : isDefault ? ' (this model’s default)' : ''}`;
  return (
    <div className="guidance-control" data-testid="guidance-control">
      <Field label={setting.label} value={shown} hint={unavailable ?? GUIDANCE_SENTENCE} className="field-wide">
        {({ id, describedBy }) => (
          <input
            id={id}
            aria-describedby={describedBy}
            type="range"
            min={setting.min}
            max={setting.max}
            step={setting.step}
            value={value}
            disabled={unavailable !== null}
            onChange={(e) => changeSampleSettings({ guidance: Number(e.currentTarget.value) })}
          />
        )}
      </Field>
      {!isDefault && (
        <button type="button" className="link-button" onClick={() => changeSampleSettings({ guidance: undefined })}>
          Back to this model’s default ({model.guidance})
        </button>
      )}
    </div>
  );
}

const GUIDANCE_SENTENCE =
  'Each sub-pixel is drawn from the class prediction pushed away from the model’s “no class” prediction: ' +
  '1 draws from the model as trained, higher makes the class asked for clearer (and the images less varied), 0 ignores the class. ' +
  'Above 1 it eases off over the bottom rows, where the class is already settled. Guided drawing runs the network twice per step.';

function SampleSettingsForm() {
  const settings = useStudio((s) => s.sampleSettings);
  const rowsPerClass = useStudio((s) => (s.model?.classNames.length ?? 0) > 0 && s.sampleSettings.draw.kind === 'rows');

  const freshSeed = useStudio((s) => s.freshSeedEachRun);

  return (
    <div className="field-grid sample-settings">
      <NumberField
        problemKey="sampling.count"
        setting={SAMPLE_SETTINGS.count}
        value={settings.count}
        disabled={rowsPerClass}
        hint={rowsPerClass ? 'set by one row per class' : undefined}
        onValid={(count) => changeSampleSettings({ count })}
      />
      <Field label="Speed" hint="pause after each pixel; works while drawing">
        {({ id, describedBy }) => (
          <select
            id={id}
            aria-describedby={describedBy}
            value={String(settings.delayMs)}
            onChange={(e) => changeSampleSettings({ delayMs: Number(e.currentTarget.value) })}
          >
            {SPEEDS.map((speed) => (
              <option key={speed.delayMs} value={String(speed.delayMs)}>
                {speed.label}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Temperature" value={settings.temperature.toFixed(2)} hint={SAMPLE_SETTINGS.temperature.hint} className="field-wide">
        {({ id, describedBy }) => (
          <input
            id={id}
            aria-describedby={describedBy}
            type="range"
            min={SAMPLE_SETTINGS.temperature.min}
            max={SAMPLE_SETTINGS.temperature.max}
            step={SAMPLE_SETTINGS.temperature.step}
            value={settings.temperature}
            onChange={(e) => changeSampleSettings({ temperature: Number(e.currentTarget.value) })}
          />
        )}
      </Field>
      <NumberField problemKey="sampling.seed" setting={SAMPLE_SETTINGS.seed} value={settings.seed} onValid={pinSeed} />
      <label className="checkbox-field">
        <input type="checkbox" checked={freshSeed} onChange={(e) => setFreshSeedEachRun(e.currentTarget.checked)} />
        <span>New seed for each run</span>
      </label>
    </div>
  );
}

function CompletionControls() {
  const testCount = useStudio((s) => s.dataset?.testCount ?? 0);
  const ready = useStudio((s) => s.engine.state === 'ready');
  const running = useStudio((s) => s.sampling.running);
  const [indexText, setIndexText] = useState('0');
  const index = Number(indexText);
  const valid = indexText.trim() !== '' && Number.isInteger(index) && index >= 0 && index < testCount;

  return (
    <fieldset className="completion">
      <legend>Complete a held-out image</legend>
      <p className="muted">The model gets the top half of an image it never trained on and draws the rest, once per image in the grid.</p>
      <div className="field-row">
        <Field label="Held-out image" hint={testCount > 0 ? `number 0 to ${formatInteger(testCount - 1)}` : 'load a dataset first'}>
          {({ id, describedBy }) => (
            <input
              id={id}
              aria-describedby={describedBy}
              type="number"
              min={0}
              max={Math.max(0, testCount - 1)}
              step={1}
              value={indexText}
              aria-invalid={!valid && testCount > 0}
              onChange={(e) => setIndexText(e.currentTarget.value)}
            />
          )}
        </Field>
        <button type="button" onClick={() => completeHeldOutImage(index)} disabled={!ready || running || !valid}>
          Complete
        </button>
      </div>
    </fieldset>
  );
}
