import { call, request } from './engineClient';
import { addNotice, markStorageLost, useStudio } from './store';

/**
 * One tab at a time writes the saved model, its history and the dropped
 * images: the one holding a Web Lock. A tab opened while another holds it
 * works on its own unsaved copy until the user takes over; the tab it was
 * taken from stops saving and says so. A browser without Web Locks saves
 * from every tab, as before.
 *
 * Also: the engine is asked to save when the page is hidden or closed.
 */
const LOCK_NAME = 'pixelcnn-studio-storage';

/** Settles once the browser says whether this tab may save; call before the engine starts. */
export async function claimStorageAtStart(): Promise<void> {
  const owner = await requestLock(false);
  useStudio.setState({ storage: owner ? 'owner' : 'guest' });
  watchForClosedOwner();
}

/** How often a tab that does not save looks whether the tab that did is still open. */
const OWNER_CHECK_MS = 5_000;

/**
 * While this tab does not save, notices when no tab holds the lock any more
 * (the saving tab was closed), so the banner stops naming a tab that is gone.
 * It does not take the lock by itself: that would save over the closed tab's
 * last work without asking.
 */
function watchForClosedOwner(): void {
  const locks = typeof navigator === 'undefined' ? undefined : navigator.locks;
  if (!locks?.query) return;
  setInterval(() => {
    const { storage } = useStudio.getState();
    if (storage !== 'guest' && storage !== 'lost') return;
    locks
      .query()
      .then((state) => {
        const held = state.held?.some((lock) => lock.name === LOCK_NAME) ?? false;
        if (!held && useStudio.getState().storage === storage) useStudio.setState({ storage: 'unowned' });
      })
      .catch(() => undefined);
  }, OWNER_CHECK_MS);
}

/** Takes the saved model and images over from the tab that has them; that tab stops saving. */
export async function takeOverStorage(): Promise<void> {
  await requestLock(true);
  useStudio.setState({ storage: 'owner' });
  // Said once this tab's engine has written its model and images.
  if (await call('model', { type: 'setSaving', saving: true })) addNotice('This tab now saves the model and images; the other tab has stopped saving.');
}

function requestLock(steal: boolean): Promise<boolean> {
  const locks = typeof navigator === 'undefined' ? undefined : navigator.locks;
  if (!locks) return Promise.resolve(true);
  return new Promise<boolean>((resolve) => {
    // A lock that cannot be asked for at all (an opaque origin, say): save as a browser without locks would.
    const unavailable = () => resolve(true);
    try {
      locks
        .request(LOCK_NAME, steal ? { steal: true } : { ifAvailable: true }, (lock) => {
          resolve(lock !== null);
          // Held until this tab closes, or another takes it over (which rejects this request).
          return lock ? new Promise<void>(() => undefined) : undefined;
        })
        .catch((error: unknown) => {
          if ((error as { name?: string } | null)?.name === 'AbortError') storageLost();
          else unavailable();
        });
    } catch {
      unavailable();
    }
  });
}

function storageLost(): void {
  markStorageLost();
  void request({ type: 'setSaving', saving: false });
}

/** Saves when the page is hidden (a tab switch, a minimised window) or closed (a reload, navigation away). */
export function saveWhenLeaving(): void {
  const save = () => {
    if (useStudio.getState().storage === 'owner') void request({ type: 'saveNow' });
  };
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') save();
  });
  window.addEventListener('pagehide', save);
}
