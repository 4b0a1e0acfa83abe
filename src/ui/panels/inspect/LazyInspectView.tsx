import { lazy, Suspense } from 'react';
import type { InspectTarget } from '../../../worker/inspectProtocol';

/**
 * The inspector's view, loaded the first time it is shown: it is only seen
 * once drawing is done and a pixel is asked about, so the page's first load
 * (and the first pixel) does without its code.
 */
const View = lazy(() => import('./InspectView').then((module) => ({ default: module.InspectView })));

export function InspectView({ kind }: { kind: InspectTarget['kind'] }) {
  return (
    <Suspense fallback={null}>
      <View kind={kind} />
    </Suspense>
  );
}
