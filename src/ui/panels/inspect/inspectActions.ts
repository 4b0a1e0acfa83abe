import { send } from '../../engineClient';
import type { InspectTarget, PixelPosition } from '../../../worker/inspectProtocol';
import { type Overlay, queueInspection, useInspect } from './inspectStore';

/** Requests of the inspection views. */

const sendInspect = (request: { target: InspectTarget; pixel: PixelPosition | null; field: boolean }) => send({ type: 'inspect', ...request });

/** Follow image `image` of the grid being drawn in the live belief chart. */
export function followImage(image: number): void {
  useInspect.setState({ beliefImage: image });
  send({ type: 'setBeliefImage', image });
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

export function rankHeldOut(): void {
  useInspect.setState({ rankProgress: { done: 0, total: 0 } });
  if (!send({ type: 'rankHeldOut' })) useInspect.setState({ rankProgress: null });
}
