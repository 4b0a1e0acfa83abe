import { call, request } from '../../engineClient';
import type { InspectTarget, PixelPosition } from '../../../worker/inspectProtocol';
import { type Overlay, queueInspection, useInspect } from './inspectStore';

/** Requests of the inspection views. */

/** An inspection request; a refusal is shown in the panel the engine names (the Sampling panel for a sample, the Dataset panel for a held-out image). */
const sendInspect = (look: { target: InspectTarget; pixel: PixelPosition | null; field: boolean }) =>
  call(look.target.kind === 'sample' ? 'sampling' : 'dataset', { type: 'inspect', ...look });

/** Follow image `image` of the grid being drawn in the live belief chart. */
export function followImage(image: number): void {
  useInspect.setState({ beliefImage: image });
  void request({ type: 'setBeliefImage', image });
}

/** Choose a pixel of an image: its distributions, receptive field and the image's surprise map. */
export function choosePixel(target: InspectTarget, pixel: PixelPosition): void {
  useInspect.setState({ target, pixel, hover: null, hoverInspection: null });
  queueInspection({ target, pixel, field: true }, sendInspect, 'chosen');
}

/** Look at a whole image (its surprise map) without a pixel yet. */
export function chooseImage(target: InspectTarget): void {
  useInspect.setState({ target, pixel: null, hover: null, inspection: null, hoverInspection: null, overlay: 'surprise' });
  queueInspection({ target, pixel: null, field: false }, sendInspect, 'chosen');
}

/** The pixel under the mouse: only its distributions (cheap: the image's logits are cached). */
export function hoverPixel(target: InspectTarget, pixel: PixelPosition | null): void {
  const previous = useInspect.getState().hover;
  if (pixel && previous && previous.row === pixel.row && previous.col === pixel.col) return;
  useInspect.setState({ hover: pixel, ...(pixel ? {} : { hoverInspection: null }) });
  if (pixel) queueInspection({ target, pixel, field: false }, sendInspect, 'hover');
}

export function setOverlay(overlay: Overlay): void {
  useInspect.setState({ overlay });
}

/** Ranks the held-out images; true once the ranking has started (its progress and result stream in). */
export async function rankHeldOut(): Promise<boolean> {
  useInspect.setState({ rankProgress: { done: 0, total: 0 } });
  const started = await call('dataset', { type: 'rankHeldOut' });
  if (!started) useInspect.setState({ rankProgress: null });
  return started;
}
