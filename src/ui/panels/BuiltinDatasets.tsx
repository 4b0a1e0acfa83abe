import { useState } from 'react';
import { BUILTIN_DATASET_IDS, BUILTIN_DATASETS, type BuiltinDatasetId } from '../../data/builtin';
import { loadBuiltinDataset } from '../actions';
import { modelStanding, ownSteps } from '../builtinModel';
import { formatInteger } from '../format';
import { useStudio } from '../store';

/**
 * The built-in datasets, each with its shipped model. Choosing one loads its
 * images and its model and starts drawing; when that would replace a model
 * the user has trained, the panel asks first (the replaced model stays in the
 * training history either way).
 */

export function BuiltinDatasets() {
  const engineReady = useStudio((s) => s.engine.state === 'ready');
  const importing = useStudio((s) => s.importing);
  const model = useStudio((s) => s.model);
  const current = useStudio((s) => s.dataset?.builtin ?? null);
  const [asking, setAsking] = useState<BuiltinDatasetId | null>(null);

  function choose(id: BuiltinDatasetId) {
    const standing = modelStanding(model, id);
    if (standing === 'yours') {
      setAsking(id);
      return;
    }
    setAsking(null);
    loadBuiltinDataset(id, standing === 'replaceable');
  }

  const question = asking && model && (
    <div className="builtin-question" role="alertdialog" aria-labelledby="builtin-question-text">
      <p id="builtin-question-text">
        The {BUILTIN_DATASETS[asking].title.toLowerCase()} come with a pretrained model. Loading it replaces your model
        {ownSteps(model) > 0 ? ` (${formatInteger(ownSteps(model))} steps trained here)` : ''}, which stays in the training history so you can go back to it.
      </p>
      <div className="button-row">
        <button
          type="button"
          onClick={() => {
            setAsking(null);
            loadBuiltinDataset(asking, true);
          }}
        >
          Load the {BUILTIN_DATASETS[asking].title.toLowerCase()} and their model
        </button>
        <button
          type="button"
          onClick={() => {
            setAsking(null);
            loadBuiltinDataset(asking, false);
          }}
        >
          Keep my model
        </button>
        <button type="button" onClick={() => setAsking(null)}>
          Cancel
        </button>
      </div>
    </div>
  );

  return (
    <fieldset className="builtin-datasets">
      <legend>Built-in datasets</legend>
      <div className="button-row">
        {BUILTIN_DATASET_IDS.map((id) => (
          <button
            key={id}
            type="button"
            aria-pressed={current === id}
            title={BUILTIN_DATASETS[id].about}
            onClick={() => choose(id)}
            disabled={!engineReady || importing}
          >
            {BUILTIN_DATASETS[id].title}
          </button>
        ))}
      </div>
      <p className="hint">
        {BUILTIN_DATASET_IDS.map((id) => (
          <span key={id} className="builtin-about">
            <strong>{BUILTIN_DATASETS[id].title}:</strong> {BUILTIN_DATASETS[id].about}{' '}
          </span>
        ))}
        Each comes with a pretrained model.
      </p>
      {question}
    </fieldset>
  );
}
