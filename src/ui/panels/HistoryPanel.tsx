import { deleteCheckpoint, restoreCheckpoint } from '../actions';
import { Panel } from '../components/Panel';
import { useStudio } from '../store';
import type { CheckpointInfo } from '../../worker/protocol';

/**
 * The training history: checkpoints the engine keeps (the last few, and the
 * best by held-out bits/dim), and the shipped model, each one click away.
 */
export function HistoryPanel() {
  const list = useStudio((s) => s.checkpoints);
  const ready = useStudio((s) => s.engine.state === 'ready');
  const busy = useStudio((s) => s.training || s.importing);
  const guest = useStudio((s) => s.storage !== 'owner' && s.storage !== 'checking');
  const entries = list?.entries ?? [];
  return (
    <Panel
      title="History"
      className="panel-history"
      intro={
        <>
          Checkpoints of the weights: the last few, and the best by held-out bits/dim, which training goes back to by itself if the loss explodes. Going back
          keeps the current weights here too.
          {guest && ' This tab does not save, so its history lasts only until it is closed.'}
        </>
      }
    >
      <ol className="history-list" aria-label="Checkpoints">
        {entries.map((entry) => (
          <li key={entry.id} className="history-entry" data-testid="checkpoint">
            <CheckpointText entry={entry} best={entry.id === list?.bestId} />
            <button
              type="button"
              onClick={() => restoreCheckpoint(entry.id)}
              disabled={!ready || busy}
              aria-label={`Go back to step ${entry.steps.toLocaleString('en-US')}`}
            >
              Go back
            </button>
            <button
              type="button"
              className="link-button"
              onClick={() => deleteCheckpoint(entry.id)}
              disabled={!ready || busy}
              aria-label={`Delete step ${entry.steps.toLocaleString('en-US')}`}
            >
              Delete
            </button>
          </li>
        ))}
        {entries.length === 0 && <li className="history-empty">No checkpoints yet: training, Reset and imports add them.</li>}
        {list?.pretrained && (
          <li className="history-entry history-pretrained">
            <span className="history-text">
              <span className="history-main">The pretrained model shipped with the app</span>
              <span className="history-detail">its own weights and card, as on a first visit</span>
            </span>
            <button type="button" onClick={() => restoreCheckpoint('pretrained')} disabled={!ready || busy}>
              Restore shipped model
            </button>
          </li>
        )}
      </ol>
    </Panel>
  );
}

function CheckpointText({ entry, best }: { entry: CheckpointInfo; best: boolean }) {
  const time = new Date(entry.savedAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const score = entry.heldOutBitsPerDim === null ? 'not scored' : `${entry.heldOutBitsPerDim.toFixed(3)} bits/dim held out`;
  return (
    <span className="history-text">
      <span className="history-main">
        Step {entry.steps.toLocaleString('en-US')} · {score}
        {best && <span className="history-best"> · best</span>}
      </span>
      <span className="history-detail">
        {time} · {entry.note} · {entry.description}
      </span>
    </span>
  );
}
