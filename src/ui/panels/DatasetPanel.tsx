import { useRef, useState, type DragEvent, type KeyboardEvent } from 'react';
import { formatCount, MAX_FILES } from '../../data/limits';
import type { InputFile, SkippedFile } from '../../data/types';
import { cancelImport, importImages } from '../actions';
import { BuiltinDatasets } from './BuiltinDatasets';
import { Panel } from '../components/Panel';
import { ErrorAlert } from '../components/ErrorAlert';
import { collectDropped, collectPicked, readForImport, type NamedFile } from '../readDroppedFiles';
import type { DatasetSummary } from '../../worker/protocol';
import { clearErrors, useStudio } from '../store';
import { DatasetPreview } from './DatasetPreview';
import { HeldOutStrip } from './inspect/HeldOutStrip';
import { formatInteger } from '../format';

/** Messages about a drop that never reached the engine, shown in the panel. */
type LocalMessage = { kind: 'info' | 'error'; text: string } | null;

export function DatasetPanel() {
  const [reading, setReading] = useState<{ done: number; total: number } | null>(null);
  const [message, setMessage] = useState<LocalMessage>(null);
  // A drop waiting for the user to say whether it adds to the images in use or replaces them.
  const [pending, setPending] = useState<{ files: InputFile[]; leftOut: SkippedFile[]; current: string } | null>(null);
  const error = useStudio((s) => s.errors.dataset);
  // Stops the reading of a drop's files, before they reach the engine.
  const stopReading = useRef<AbortController | null>(null);

  async function importNamed(gathered: Promise<NamedFile[]> | NamedFile[], emptyText: string) {
    setMessage(null);
    setPending(null);
    const reading = new AbortController();
    stopReading.current = reading;
    try {
      const named = await gathered;
      if (named.length === 0) {
        setMessage({ kind: 'info', text: emptyText });
        return;
      }
      setReading({ done: 0, total: Math.min(named.length, MAX_FILES) });
      const { files, leftOut } = await readForImport(named, (done, total) => setReading({ done, total }), reading.signal);
      if (leftOut.length > 0) {
        setMessage({
          kind: 'info',
          text:
            `Only the first ${formatCount(MAX_FILES)} files (by name) were read; ` +
            `${formatCount(leftOut.length)} more were left out (listed with the skipped files).`,
        });
      }
      // Onto the user's own images, the drop may add to them or replace them: ask.
      const current = useStudio.getState().dataset;
      if (current && current.builtin === null && current.trainCount + current.testCount > 0) setPending({ files, leftOut, current: current.name });
      else importImages(files, 'replace', leftOut);
    } catch (cause) {
      if (reading.signal.aborted) {
        setMessage({ kind: 'info', text: 'The import was cancelled while its files were read: nothing of it was kept, and the images in use are unchanged.' });
        return;
      }
      const reason = cause instanceof Error ? cause.message : String(cause);
      setMessage({ kind: 'error', text: `The files could not be read: ${reason}` });
    } finally {
      if (stopReading.current === reading) stopReading.current = null;
      setReading(null);
    }
  }

  return (
    <Panel
      title="Dataset"
      className="panel-dataset"
      intro="The images the model learns from. Bring your own, or use a built-in set: handwritten digits or colour icons. They are resized to the model's image size."
    >
      <DropZone
        busy={reading !== null}
        onDrop={(transfer) => void importNamed(collectDropped(transfer), 'Nothing was dropped.')}
        onPick={(list) => void importNamed(collectPicked(list), 'No files were chosen.')}
      />
      <BuiltinDatasets />
      {message && (
        <p className={message.kind === 'error' ? 'alert' : 'note'} role={message.kind === 'error' ? 'alert' : 'status'}>
          {message.text}
        </p>
      )}
      {pending && (
        <div className="confirm" role="group" aria-label="Add or replace">
          <p>
            Add {pending.files.length === 1 ? 'this file' : `these ${formatCount(pending.files.length)} files`} to the {pending.current} in use, or replace
            them?
          </p>
          <div className="button-row">
            <button
              type="button"
              className="primary"
              onClick={() => {
                importImages(pending.files, 'add', pending.leftOut);
                setPending(null);
              }}
            >
              Add to them
            </button>
            <button
              type="button"
              className="danger"
              onClick={() => {
                importImages(pending.files, 'replace', pending.leftOut);
                setPending(null);
              }}
            >
              Replace them
            </button>
            <button type="button" onClick={() => setPending(null)}>
              Cancel
            </button>
          </div>
        </div>
      )}
      <ErrorAlert message={error} onDismiss={() => clearErrors('dataset')} />
      <ImportProgress reading={reading} onCancelReading={() => stopReading.current?.abort()} />
      <DatasetSummaryView />
    </Panel>
  );
}

interface DropZoneProps {
  busy: boolean;
  onDrop: (transfer: DataTransfer) => void;
  onPick: (files: FileList) => void;
}

function DropZone({ busy, onDrop, onPick }: DropZoneProps) {
  const [dragging, setDragging] = useState(false);
  const filesInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);

  function handleDrop(event: DragEvent<HTMLDivElement>) {
    event.preventDefault();
    setDragging(false);
    onDrop(event.dataTransfer);
  }

  function handleKey(event: KeyboardEvent<HTMLDivElement>) {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      filesInput.current?.click();
    }
  }

  function takePicked(input: HTMLInputElement) {
    if (input.files) onPick(input.files);
    // Clearing lets the same file be picked twice in a row.
    input.value = '';
  }

  return (
    <div className="drop-area">
      <div
        role="button"
        tabIndex={0}
        aria-label="Drop images here"
        className={`drop-zone${dragging ? ' dragging' : ''}`}
        onDragEnter={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragOver={(e) => {
          e.preventDefault();
          e.dataTransfer.dropEffect = 'copy';
        }}
        onDragLeave={(e) => {
          // Moving over the zone's own text also fires dragleave; only leaving the zone counts.
          if (!(e.relatedTarget instanceof Node && e.currentTarget.contains(e.relatedTarget))) setDragging(false);
        }}
        onDrop={handleDrop}
        onClick={() => filesInput.current?.click()}
        onKeyDown={handleKey}
      >
        <span className="drop-title">Drop images, folders or .zip files here</span>
        <span className="drop-hint">PNG, JPEG, GIF, WebP or BMP · up to {formatCount(MAX_FILES)} files per import</span>
      </div>
      <div className="button-row">
        <button type="button" onClick={() => filesInput.current?.click()} disabled={busy}>
          Choose images
        </button>
        <button type="button" onClick={() => folderInput.current?.click()} disabled={busy}>
          Choose folder
        </button>
      </div>
      <input ref={filesInput} type="file" multiple accept="image/*,.zip" aria-label="Choose image files" hidden onChange={(e) => takePicked(e.currentTarget)} />
      <input
        ref={(el) => {
          folderInput.current = el;
          // Not in React's typings; setting the attribute directly turns the picker into a folder picker.
          el?.setAttribute('webkitdirectory', '');
        }}
        type="file"
        multiple
        aria-label="Choose a folder of images"
        hidden
        onChange={(e) => takePicked(e.currentTarget)}
      />
    </div>
  );
}

/** How far an import is, with a Cancel button while the user's files are read or decoded (a built-in set only shows that it is preparing). */
function ImportProgress({ reading, onCancelReading }: { reading: { done: number; total: number } | null; onCancelReading: () => void }) {
  const importing = useStudio((s) => s.importing);
  const progress = useStudio((s) => s.importProgress);
  if (reading) {
    return <ProgressLine label="Reading files" done={reading.done} total={reading.total} onCancel={onCancelReading} />;
  }
  if (!importing) return null;
  if (!progress || progress.total === 0) {
    return (
      <p className="note" role="status">
        Preparing images…
      </p>
    );
  }
  return <ProgressLine label="Decoding images" done={progress.done} total={progress.total} onCancel={() => void cancelImport()} />;
}

function ProgressLine({ label, done, total, onCancel }: { label: string; done: number; total: number; onCancel: () => void }) {
  return (
    <div className="progress-line">
      <progress aria-label="Import progress" max={total} value={done} />
      <span role="status">
        {label}: {formatInteger(done)} of {formatInteger(total)}
      </span>
      <button type="button" onClick={onCancel}>
        Cancel import
      </button>
    </div>
  );
}

function DatasetSummaryView() {
  const dataset = useStudio((s) => s.dataset);
  if (!dataset) {
    return <p className="muted">No dataset yet. Drop some images, or choose a built-in dataset.</p>;
  }
  const colour = dataset.channels === 3 ? 'RGB' : 'grayscale';
  return (
    <div className="dataset-summary">
      <p className="dataset-name">
        <strong>{dataset.name}</strong>
        <span className="muted">
          {' '}
          · {dataset.width}×{dataset.height} {colour}, {dataset.levels} levels
        </span>
      </p>
      <dl className="stats">
        <Stat label="Training images" testId="train-count" value={dataset.trainCount} />
        <Stat label="Held-out images" testId="test-count" value={dataset.testCount} />
        <Stat label="Files accepted" testId="accepted-count" value={dataset.accepted} />
        <Stat label="Files skipped" testId="skipped-count" value={dataset.skipped.length} />
      </dl>
      <DatasetClasses dataset={dataset} />
      <DatasetPreview dataset={dataset} />
      <HeldOutStrip />
      <SkippedList />
    </div>
  );
}

/** The classes with how many images each has, or why there are none. */
function DatasetClasses({ dataset }: { dataset: DatasetSummary }) {
  const { classes, unlabelledReason } = dataset;
  if (!classes) {
    return (
      <p className="note dataset-unlabelled" data-testid="dataset-unlabelled">
        <strong>No classes.</strong> {unlabelledReason ?? 'The images have no classes.'} A model conditioned on classes is not offered for these images.
      </p>
    );
  }
  return (
    <div className="dataset-classes">
      <h3>
        {classes.length} classes <span className="muted">· images of each (training + held-out)</span>
      </h3>
      <ul aria-label="Classes" className="class-list">
        {classes.map((c) => (
          <li key={c.name} title={`${formatInteger(c.train)} training, ${formatInteger(c.test)} held out`}>
            <span className="class-name">{c.name}</span>
            <span className="class-count">{formatInteger(c.train + c.test)}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

function Stat({ label, testId, value }: { label: string; testId: string; value: number }) {
  return (
    <div className="stat">
      <dt>{label}</dt>
      <dd data-testid={testId}>{value}</dd>
    </div>
  );
}

// A shared empty list: a fresh [] per render would look like a store change every time.
const NO_SKIPPED: SkippedFile[] = [];

function SkippedList() {
  const skipped = useStudio((s) => s.dataset?.skipped ?? NO_SKIPPED);
  const failed = useStudio((s) => s.dataset?.failedDrop ?? NO_SKIPPED);
  return (
    <>
      {failed.length > 0 && (
        <div className="skipped" data-testid="failed-drop">
          <h3>
            None of the last drop's {failed.length === 1 ? 'file' : `${formatInteger(failed.length)} files`} could be used; the images above are unchanged
          </h3>
          <FileReasons files={failed} label="Files of the last drop" />
        </div>
      )}
      <SkippedFiles skipped={skipped} />
    </>
  );
}

function SkippedFiles({ skipped }: { skipped: SkippedFile[] }) {
  if (skipped.length === 0) return null;
  return (
    <div className="skipped">
      <h3>Why {skipped.length === 1 ? 'one file was' : `${formatInteger(skipped.length)} files were`} skipped</h3>
      <FileReasons files={skipped} label="Skipped files" />
    </div>
  );
}

/** Each file's name and why it was not used. */
function FileReasons({ files, label }: { files: SkippedFile[]; label: string }) {
  return (
    <ul aria-label={label}>
      {files.map((file, i) => (
        <li key={`${file.name}-${i}`}>
          <span className="file-name">{file.name}</span>: {file.reason}
        </li>
      ))}
    </ul>
  );
}
