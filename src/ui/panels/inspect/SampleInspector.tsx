import { useEffect, useState } from 'react';
import type { PixelBelief } from '../../../worker/inspectProtocol';
import { useStudio } from '../../store';
import { PixelBeliefView } from './BeliefChart';
import { liveBelief, useInspect } from './inspectStore';
import { InspectView } from './LazyInspectView';
import './inspect.css';

/**
 * The Sampling panel's window into the model: while the grid is drawn, the
 * distribution the chosen image's current pixel is drawn from (click an
 * image to follow it); when drawing is done, any pixel of any image, with
 * what it could see and what surprised the model.
 */

/** The live chart: repainted at most once per animation frame, however fast beliefs arrive. */
function LiveBeliefChart() {
  const [belief, setBelief] = useState<PixelBelief | null>(liveBelief.current());
  const image = useInspect((s) => s.beliefImage);
  useEffect(() => {
    let frame = 0;
    const unsubscribe = liveBelief.subscribe(() => {
      if (!frame)
        frame = requestAnimationFrame(() => {
          frame = 0;
          setBelief(liveBelief.current());
        });
    });
    return () => {
      unsubscribe();
      if (frame) cancelAnimationFrame(frame);
    };
  }, []);
  if (!belief) return <p className="muted">Waiting for the first pixel of sample {image + 1}…</p>;
  return (
    <div data-testid="live-belief" data-pixel={`${belief.row},${belief.col},${belief.known}`}>
      <PixelBeliefView belief={belief} title={`Sample ${belief.image + 1}, drawing row ${belief.row}, column ${belief.col}`} />
    </div>
  );
}

export function SampleInspector() {
  const running = useStudio((s) => s.sampling.running);
  const drawn = useStudio((s) => s.sampling.drawn);
  const target = useInspect((s) => s.target);
  return (
    <section className="sample-inspector" aria-label="What the model believes">
      <h3>What the model believes</h3>
      {running ? (
        <>
          <p className="muted">
            The distribution over levels that the pixel being drawn is sampled from, with the level drawn marked. Click an image in the grid to follow it.
          </p>
          <LiveBeliefChart />
        </>
      ) : drawn > 0 && target?.kind === 'sample' ? (
        <InspectView kind="sample" />
      ) : drawn > 0 ? (
        <p className="muted">
          Hover over or click any pixel of the samples (or focus the grid and use the arrow keys) to see the distributions it was drawn from and what it could
          see.
        </p>
      ) : (
        <p className="muted">Press Sample: the distribution each pixel is drawn from shows here as it is drawn.</p>
      )}
    </section>
  );
}
