import { useEffect, useRef, useState } from 'react';
import type { HeldOutRanking, RankedImage } from '../../../worker/inspectProtocol';
import { levelsToRgba } from '../../pixelGrid';
import { useStudio } from '../../store';
import { chooseImage, rankHeldOut } from './inspectActions';
import { useInspect } from './inspectStore';
import { InspectView } from './LazyInspectView';

/**
 * The held-out images ranked by how surprising the model finds them: bits/dim
 * of each, scored in the engine a few images at a time (training keeps
 * running), the most typical and most unusual shown as a strip. Click one,
 * or name any held-out image, to see where in it the bits went.
 */

function Thumbnail({ ranking, image }: { ranking: HeldOutRanking; image: RankedImage }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const { width, height, channels, levels } = ranking;
  useEffect(() => {
    const canvas = ref.current;
    if (!canvas) return;
    canvas.width = width;
    canvas.height = height;
    canvas.getContext('2d')?.putImageData(new ImageData(levelsToRgba(image.pixels, 1, width, height, channels, levels), width, height), 0, 0);
  }, [image, width, height, channels, levels]);
  const label = `Held-out image ${image.index}${image.caption ? ` (${image.caption})` : ''}: ${image.bitsPerDim.toFixed(3)} bits/dim`;
  return (
    <li>
      <button
        type="button"
        className="strip-image"
        onClick={() => chooseImage({ kind: 'test', index: image.index })}
        aria-label={`${label}. Show where the bits went.`}
      >
        <canvas ref={ref} className="pixel-canvas" aria-hidden="true" />
        <span className="strip-bpd">{image.bitsPerDim.toFixed(2)}</span>
      </button>
    </li>
  );
}

function Strip({ ranking, images, title }: { ranking: HeldOutRanking; images: RankedImage[]; title: string }) {
  return (
    <div className="strip">
      <h4>{title}</h4>
      <ol aria-label={title} className="strip-images">
        {images.map((image) => (
          <Thumbnail key={image.index} ranking={ranking} image={image} />
        ))}
      </ol>
    </div>
  );
}

export function HeldOutStrip() {
  const testCount = useStudio((s) => s.dataset?.testCount ?? 0);
  const ready = useStudio((s) => s.engine.state === 'ready');
  const ranking = useInspect((s) => s.ranking);
  const progress = useInspect((s) => s.rankProgress);
  const [indexText, setIndexText] = useState('0');
  const index = Number(indexText);
  const valid = indexText.trim() !== '' && Number.isInteger(index) && index >= 0 && index < testCount;
  if (testCount === 0) return null;
  return (
    <section className="held-out-strip" aria-label="Most typical and most unusual held-out images">
      <h3>What surprises the model</h3>
      <p className="muted">
        Bits/dim of each held-out image under the current model: low is typical of what it learned, high is unusual. Click one to see which pixels cost the
        most.
      </p>
      <div className="button-row">
        <button type="button" onClick={rankHeldOut} disabled={!ready || progress !== null}>
          {ranking ? 'Rank again' : 'Rank held-out images'}
        </button>
        <label className="inline-field">
          Held-out image
          <input
            type="number"
            min={0}
            max={testCount - 1}
            step={1}
            value={indexText}
            aria-invalid={!valid}
            onChange={(e) => setIndexText(e.currentTarget.value)}
          />
        </label>
        <button type="button" onClick={() => chooseImage({ kind: 'test', index })} disabled={!ready || !valid}>
          Show its surprise
        </button>
      </div>
      {progress && (
        <div className="progress-line" role="status">
          <progress aria-label="Ranking progress" max={Math.max(1, progress.total)} value={progress.done} />
          <span>{progress.total > 0 ? `Scored ${progress.done} of ${progress.total} held-out images` : 'Starting…'}</span>
        </div>
      )}
      {ranking && (
        <div data-testid="typical-strip">
          <p className="muted">
            {ranking.ranked} images scored at step {ranking.steps}; mean {ranking.meanBitsPerDim.toFixed(3)} bits/dim.
          </p>
          <Strip ranking={ranking} images={ranking.typical} title="Most typical" />
          <Strip ranking={ranking} images={ranking.unusual} title="Most unusual" />
        </div>
      )}
      <InspectView kind="test" />
    </section>
  );
}
