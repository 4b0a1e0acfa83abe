import { dismissNotice, useStudio } from '../store';

/** Passing remarks from the engine ("Restored 1,200 steps from this browser"); they fade on their own. */
export function Notices() {
  const notices = useStudio((s) => s.notices);
  return (
    <div className="notices" role="status" aria-live="polite">
      {notices.map((n) => (
        <div key={n.id} className="notice">
          <span>{n.message}</span>
          <button type="button" className="link-button" aria-label="Dismiss notice" onClick={() => dismissNotice(n.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
