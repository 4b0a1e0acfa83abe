import { BUILTIN_DATASET_IDS, BUILTIN_DATASETS } from '../../data/builtin';

/** Credits, and the promise that nothing leaves the machine. */
export function AboutFooter() {
  return (
    <footer className="about">
      <p>Everything runs locally in your browser: training, sampling and your images never leave this computer.</p>
      {BUILTIN_DATASET_IDS.map((id) => (
        <p key={id}>{BUILTIN_DATASETS[id].credit}</p>
      ))}
    </footer>
  );
}
