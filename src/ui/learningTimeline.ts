import type { LearningStrip } from '../worker/protocol';

/**
 * The strips of the learning timeline the page keeps, outside React: each
 * strip's pixels are painted once to its own canvas, and React only hears
 * that the list changed (useSyncExternalStore on `strips`).
 *
 * A long run would send hundreds of strips; the first (the weights before
 * training) and the latest KEPT_RECENT are kept. A strip of another
 * timeline (the model was replaced) starts the list again.
 */

/** Strips kept besides the first. */
export const KEPT_RECENT = 12;

type Listener = () => void;

class LearningTimelineChannel {
  private list: readonly LearningStrip[] = [];
  private droppedCount = 0;
  private listeners = new Set<Listener>();

  /** Oldest first: the first strip of the timeline, then the latest ones. A new array whenever it changes. */
  strips = (): readonly LearningStrip[] => this.list;

  /** Strips of this timeline let go between the first and the latest. */
  dropped(): number {
    return this.droppedCount;
  }

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  add(strip: LearningStrip): void {
    const sameTimeline = this.list.length > 0 && this.list[0].timeline === strip.timeline;
    if (!sameTimeline) this.droppedCount = 0;
    const list = sameTimeline ? [...this.list, strip] : [strip];
    if (list.length > KEPT_RECENT + 1) {
      this.list = [list[0], ...list.slice(list.length - KEPT_RECENT)];
      this.droppedCount += list.length - this.list.length;
    } else this.list = list;
    this.notify();
  }

  clear(): void {
    if (this.list.length === 0) return;
    this.list = [];
    this.droppedCount = 0;
    this.notify();
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}

export const learningTimeline = new LearningTimelineChannel();
