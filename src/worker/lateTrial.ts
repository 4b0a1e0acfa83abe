import type { PixelCNNConfig } from '../model/config';
import { errorText } from './errors';
import type { BackendInfo, BackendTrial } from './protocol';

/**
 * The backend trial of a first visit, run after the first pixels rather
 * than before them. The engine starts on WebAssembly at once
 * (backend.ts, selectBackend) and this times every backend later:
 * - in the background, once the first grid is drawn (`startAfter`), or
 * - when the user first trains (`beforeTraining`), which waits for it.
 * Moving to the fastest backend (`adopt`) happens only when the engine asks,
 * before training, so nothing that is drawing changes backend under it.
 */
export interface LateTrialDeps {
  /** Times every backend on `config` in trial workers, leaving the engine's backend as it is. */
  time(config: PixelCNNConfig): Promise<BackendTrial>;
  /** Moves the engine to the trial's fastest backend; the new backend info. */
  adopt(trial: BackendTrial): Promise<BackendInfo>;
  /** Tells the page about the backend: trial running, figures in, or a move. */
  report(backend: BackendInfo): void;
  /** A sentence for the user. */
  notice(message: string): void;
}

export class LateTrial {
  private measuring: Promise<BackendTrial | null> | null = null;
  private adopted = false;

  constructor(
    private readonly deps: LateTrialDeps,
    /** The model to time: the engine's, whichever it installed. */
    private readonly config: () => PixelCNNConfig,
    /** The backend the engine started on, without a trial. */
    private backend: BackendInfo,
  ) {}

  /** Begins the trial once `drawn` settles (the first grid finished or stopped); at once without it. */
  startAfter(drawn?: Promise<unknown>): void {
    void (drawn ?? Promise.resolve()).catch(() => undefined).then(() => this.measure());
  }

  /**
   * Runs (or waits for) the trial and moves to its fastest backend, once.
   * `beforeMove` runs first when the backend is about to change, so the
   * engine can stop what runs on the old one.
   */
  async beforeTraining(beforeMove: () => Promise<void>): Promise<void> {
    if (this.adopted) return;
    const trial = await this.measure();
    if (this.adopted) return;
    this.adopted = true;
    if (!trial) return;
    if (trial.chosen !== this.backend.name) await beforeMove();
    try {
      this.backend = await this.deps.adopt(trial);
    } catch (error) {
      // The current backend still works: keep it, and say why the trial's choice was not taken.
      this.backend = {
        ...this.backend,
        trialPending: undefined,
        trial,
        unavailable: [...this.backend.unavailable, { name: trial.chosen, reason: `it could not start: ${errorText(error)}` }],
      };
    }
    this.deps.report(this.backend);
  }

  private measure(): Promise<BackendTrial | null> {
    this.measuring ??= (async () => {
      this.deps.report({ ...this.backend, trialPending: 'running' });
      try {
        const trial = await this.deps.time(this.config());
        // The figures are shown (and remembered) at once; a move to another backend waits for training.
        if (!this.adopted) this.deps.report({ ...this.backend, trialPending: undefined, trial });
        return trial;
      } catch (error) {
        this.deps.report({ ...this.backend, trialPending: undefined });
        this.deps.notice(`The backends could not be timed (${errorText(error)}); the engine stays on ${this.backend.name}.`);
        return null;
      }
    })();
    return this.measuring;
  }
}
