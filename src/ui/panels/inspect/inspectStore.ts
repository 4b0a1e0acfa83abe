import { create } from 'zustand';
import type { HeldOutRanking, Inspection, InspectEvent, InspectTarget, PixelBelief, PixelPosition } from '../../../worker/inspectProtocol';
import { sameArchitecture } from '../../../model/config';
import { setError, useStudio } from '../../store';

/**
 * The inspection views' state: which image and pixel are looked at, the
 * engine's latest answer, and the held-out ranking. The live belief of a
 * grid being drawn changes too often for React and is kept in `liveBelief`.
 */
export type Overlay = 'field' | 'surprise';

export interface InspectState {
  /** The image of the grid being drawn that the live chart follows. */
  beliefImage: number;
  /** The image looked at, and the pixel chosen in it (click or arrow keys). */
  target: InspectTarget | null;
  pixel: PixelPosition | null;
  /** The pixel under the mouse, whose distributions are shown while it is there. */
  hover: PixelPosition | null;
  overlay: Overlay;
  /** Belief charts on a log scale (the tail shows) rather than scaled to their peak. */
  logScale: boolean;
  /** The engine's latest answer for the chosen pixel (with its receptive field). */
  inspection: Inspection | null;
  /** The latest answer for the hovered pixel (distributions only). */
  hoverInspection: Inspection | null;
  ranking: HeldOutRanking | null;
  rankProgress: { done: number; total: number } | null;
}

export const useInspect = create<InspectState>()(() => ({
  beliefImage: 0,
  target: null,
  pixel: null,
  hover: null,
  overlay: 'field',
  logScale: false,
  inspection: null,
  hoverInspection: null,
  ranking: null,
  rankProgress: null,
}));

export function sameTarget(a: InspectTarget | null, b: InspectTarget | null): boolean {
  if (!a || !b || a.kind !== b.kind) return false;
  return a.kind === 'sample' ? a.image === (b as typeof a).image : a.index === (b as typeof a).index;
}

type BeliefListener = () => void;

/** The belief of the pixel being drawn, outside React: it can change hundreds of times a second. */
class LiveBelief {
  private belief: PixelBelief | null = null;
  private listeners = new Set<BeliefListener>();
  current(): PixelBelief | null {
    return this.belief;
  }
  set(belief: PixelBelief | null): void {
    this.belief = belief;
    for (const listener of this.listeners) listener();
  }
  subscribe(listener: BeliefListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export const liveBelief = new LiveBelief();

/**
 * One request in flight at a time. While one runs, the newest chosen-pixel
 * request and the newest hover request wait (a hover never pushes out a
 * choice), and the choice goes first. The next goes out when the engine
 * has answered the one in flight (its inspection came, or it failed).
 */
export interface InspectCall {
  target: InspectTarget;
  pixel: PixelPosition | null;
  field: boolean;
}
/** Sends a call and settles once the engine has answered it, whatever the answer. */
type Sender = (request: InspectCall) => Promise<unknown>;
let inFlight = false;
const waiting: { chosen: InspectCall | null; hover: InspectCall | null } = { chosen: null, hover: null };

export function queueInspection(request: InspectCall, send: Sender, kind: 'chosen' | 'hover'): void {
  if (inFlight) waiting[kind] = request;
  else dispatch(request, send);
}

function dispatch(request: InspectCall, send: Sender): void {
  inFlight = true;
  void send(request).then(() => {
    inFlight = false;
    const kind = waiting.chosen ? 'chosen' : 'hover';
    const next = waiting[kind];
    waiting[kind] = null;
    if (next) dispatch(next, send);
  });
}

function samePixel(a: PixelPosition | null, b: PixelPosition | null): boolean {
  return a === b || (a !== null && b !== null && a.row === b.row && a.col === b.col);
}

/** Engine events of the inspection views (called by the engine client). */
export function handleInspectEvent(event: InspectEvent): void {
  switch (event.type) {
    case 'sampleBelief':
      liveBelief.set(event.belief);
      return;
    case 'inspection': {
      const { inspection } = event;
      const state = useInspect.getState();
      const chosen = sameTarget(inspection.target, state.target) && samePixel(inspection.pixel, state.pixel);
      if (chosen && (inspection.field || inspection.pixel === null)) useInspect.setState({ inspection });
      else if (state.hover && samePixel(inspection.pixel, state.hover)) useInspect.setState({ hoverInspection: inspection });
      return;
    }
    case 'rankProgress':
      useInspect.setState({ rankProgress: { done: event.done, total: event.total } });
      return;
    case 'ranking':
      useInspect.setState({ ranking: event.ranking, rankProgress: null });
      return;
    case 'rankFailed':
      useInspect.setState({ rankProgress: null });
      setError('dataset', event.message);
      return;
    default: {
      const unhandled: never = event;
      throw new Error(`Unhandled inspect event: ${JSON.stringify(unhandled)}`);
    }
  }
}

/** A new sample grid starts: the live chart follows its first image again (the engine's choice for a new run). */
export function resetForNewSample(): void {
  liveBelief.set(null);
  useInspect.setState({ beliefImage: 0 });
  const { target } = useInspect.getState();
  if (target?.kind === 'sample') useInspect.setState({ target: null, pixel: null, hover: null, inspection: null, hoverInspection: null });
}

// Another architecture (or size) makes every look and the ranking stale: they were of images the new model cannot read.
useStudio.subscribe((state, previous) => {
  const before = previous.model?.config;
  const after = state.model?.config;
  if (!before || !after || sameArchitecture(before, after)) return;
  liveBelief.set(null);
  useInspect.setState({ beliefImage: 0, target: null, pixel: null, hover: null, inspection: null, hoverInspection: null, ranking: null, rankProgress: null });
});
