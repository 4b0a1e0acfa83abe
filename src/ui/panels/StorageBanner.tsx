import { exportModel } from '../actions';
import { takeOverStorage } from '../tabStorage';
import { useStudio } from '../store';

/**
 * Says when this tab does not save: another tab owned the saved model and
 * images when it opened, or took them over since. Either way it offers to
 * take them (back) over; nothing is ever overwritten without that click.
 * Says too, until a save goes through, that the browser's storage was full.
 */
export function StorageBanner() {
  return (
    <>
      <OwnershipBanner />
      <SaveProblemBanner />
    </>
  );
}

/** The browser refused a save for want of room: what was not saved and what makes room, with the export one click away. */
function SaveProblemBanner() {
  const problem = useStudio((s) => s.saveProblem);
  const ready = useStudio((s) => s.engine.state === 'ready' && s.model !== null);
  if (problem === null) return null;
  return (
    <div className="storage-banner" role="alert" data-testid="save-problem">
      <span>{problem}</span>
      <button type="button" className="primary" onClick={() => void exportModel()} disabled={!ready}>
        Export model
      </button>
    </div>
  );
}

function OwnershipBanner() {
  const storage = useStudio((s) => s.storage);
  if (storage === 'owner' || storage === 'checking') return null;
  const text =
    storage === 'unowned'
      ? 'The tab that saved the model and images has closed. This tab does not save yet: take over saving to keep its model and images.'
      : storage === 'guest'
        ? 'Another tab of PixelCNN Studio owns the saved model and images. This tab works on its own copy: what you do here is not saved. ' +
          "Taking over saves this tab's model and images in their place, and the other tab stops saving."
        : 'Another tab took over the saved model and images. This tab has stopped saving: what you do here from now on is not saved. ' +
          "Taking it back saves this tab's model and images in their place.";
  return (
    <div className="storage-banner" role="status" data-testid="storage-banner">
      <span>{text}</span>
      <button type="button" className="primary" onClick={() => void takeOverStorage()}>
        {storage === 'lost' ? 'Take saving back' : 'Take over saving'}
      </button>
    </div>
  );
}
