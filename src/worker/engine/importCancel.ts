/**
 * The imports of the user's images that can still be cancelled. Each
 * import request takes a signal when it arrives, so one still waiting in
 * the engine's queue is cancelled as surely as one decoding, and gives it
 * back when it is answered. A cancel request is not queued: it reaches the
 * import it stops while that import runs.
 */
export class ImportCancel {
  private readonly open = new Set<AbortController>();

  /** A signal for an import request that just arrived; call `finish` once it is answered. */
  begin(): { signal: AbortSignal; finish(): void } {
    const controller = new AbortController();
    this.open.add(controller);
    return { signal: controller.signal, finish: () => this.open.delete(controller) };
  }

  /** Cancels every import not yet answered; true when there was one. */
  cancel(): boolean {
    const any = this.open.size > 0;
    for (const controller of this.open) controller.abort(new ImportCancelled());
    this.open.clear();
    return any;
  }
}

/** The reason a cancelled import stops with. */
export class ImportCancelled extends Error {
  override name = 'AbortError';
  constructor() {
    super('The import was cancelled.');
  }
}
