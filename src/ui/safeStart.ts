/**
 * A safe start: a visit whose start-up failed must not make the next one
 * fail the same way. A mark is left in localStorage as the page starts, and
 * taken away once the engine has answered its start (init: the model, the
 * data, the first grid and the history are out) and the page has shown the
 * model, with no part of the page crashed on the way (or once the user
 * leaves a start that is slow but has shown the model with nothing crashed). A mark still there on the next load means the last start
 * never got that far (a panel crashed, the engine died, the tab was killed),
 * so that visit starts from the shipped model, and the saved one waits in
 * the History (the engine's `init` with `safeStart`).
 */

const KEY = 'pixelcnn.startup';

/** What the mark records: when the start began and, once known, what failed. */
interface StartMark {
  startedAt: string;
  failed?: string;
}

/** The storage the mark lives in (localStorage in the page, a map in tests). */
export type MarkStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

let storage: MarkStorage | null = null;
/** Why the previous start failed (in words), until init takes it; null when it did not. */
let previousFailure: string | null = null;
/** What failed during this start, if anything did. */
let failure: string | null = null;
let finished = false;
/** The steps of a start that succeeded, each done once. */
const done = { engineStarted: false, modelShown: false };

function browserStorage(): MarkStorage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

function readMark(text: string | null): StartMark | null {
  if (text === null) return null;
  try {
    const mark: unknown = JSON.parse(text);
    if (typeof mark === 'object' && mark !== null && !Array.isArray(mark)) return mark as StartMark;
  } catch {
    // A mark that does not read is still a mark: the last start left it.
  }
  return { startedAt: '' };
}

function writeMark(mark: StartMark): void {
  try {
    storage?.setItem(KEY, JSON.stringify(mark));
  } catch {
    // Storage full or disabled: without the mark, the next start is an ordinary one.
  }
}

/**
 * As the page starts: reads whether the last start failed, and marks this
 * one as under way. Returns why the last start failed, or null.
 */
export function beginStartup(store: MarkStorage | null = browserStorage()): string | null {
  storage = store;
  failure = null;
  finished = false;
  done.engineStarted = false;
  done.modelShown = false;
  previousFailure = previousMark(storage);
  writeMark({ startedAt: new Date().toISOString() });
  globalThis.addEventListener?.('pagehide', leftWhileStarting);
  return previousFailure;
}

/**
 * The user left (a reload, another page) while the engine was still busy
 * starting, with the model shown and nothing failed: a slow start, not a
 * failed one, so the mark goes. A tab that was killed or hung never gets here.
 */
export function leftWhileStarting(): void {
  if (finished || failure !== null || !done.modelShown) return;
  finished = true;
  removeMark();
}

/** Why the start that left a mark failed, or null when none was left (or storage cannot be read). */
function previousMark(store: MarkStorage | null): string | null {
  try {
    const mark = readMark(store?.getItem(KEY) ?? null);
    return mark ? failureText(mark) : null;
  } catch {
    return null;
  }
}

function failureText(mark: StartMark): string {
  return typeof mark.failed === 'string' && mark.failed !== '' ? mark.failed : 'it did not finish starting';
}

/** Why the last start failed, once: the first engine of this page starts safely, a restart does not. */
export function takeSafeStart(): string | null {
  const reason = previousFailure;
  previousFailure = null;
  return reason;
}

/** Something failed while the page was starting (a panel crashed, the engine died): the mark stays, saying what. */
export function startupFailed(what: string): void {
  if (finished || failure !== null) return;
  failure = what;
  writeMark({ startedAt: new Date().toISOString(), failed: what });
}

/**
 * A step of the start is done: the engine answered init (`engineStarted`),
 * or the page has shown its model (`modelShown`). Once both are, unless
 * something failed on the way, the start succeeded and the mark goes.
 */
export function startupStep(step: keyof typeof done): void {
  done[step] = true;
  if (finished || failure !== null || !done.engineStarted || !done.modelShown) return;
  finished = true;
  removeMark();
}

function removeMark(): void {
  try {
    storage?.removeItem(KEY);
  } catch {
    // The mark stays; the next visit starts safely, which loses nothing.
  }
}

/** Whether this page's start is over (succeeded); for tests. */
export function startupFinished(): boolean {
  return finished;
}
