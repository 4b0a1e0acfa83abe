import { useState } from 'react';
import { describeConfig } from '../../model/config';
import { dismissStartProposal, takeStart } from '../actions';
import { useStudio } from '../store';

/**
 * The start proposed for images the user just dropped (startProposal.ts):
 * what to start from, why, and one button to take it. Shown in the Model
 * panel until a start is taken or the user puts it aside.
 */
export function StartProposalBox() {
  const proposal = useStudio((s) => s.startProposal);
  const training = useStudio((s) => s.training);
  const [busy, setBusy] = useState(false);
  if (!proposal) return null;
  const take = async () => {
    setBusy(true);
    try {
      await takeStart(proposal.start);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="start-proposal" aria-label="Suggested start" data-testid="start-proposal">
      <h3>Suggested start for your images: {proposal.title}</h3>
      <ul>
        {proposal.reasons.map((reason) => (
          <li key={reason}>{reason}</li>
        ))}
      </ul>
      <p className="muted">{describeConfig(proposal.start.config)}.</p>
      <div className="button-row">
        <button type="button" className="primary" onClick={() => void take()} disabled={busy || training}>
          Use this start
        </button>
        <button type="button" onClick={dismissStartProposal} disabled={busy}>
          Not now
        </button>
      </div>
      {training && <p className="muted">Pause training to change the model.</p>}
    </section>
  );
}
