import { memo, useEffect, useRef, useSyncExternalStore } from 'react';
import type { LearningStrip } from '../../worker/protocol';
import { TRAIN_SETTINGS } from '../../worker/settings';
import { changeTrainSettings } from '../actions';
import { NumberField } from '../components/NumberField';
import { formatInteger } from '../format';
import { learningTimeline } from '../learningTimeline';
import { gridLayout, type GridLayout, levelsToRgba, paintStackAsGrid, stackCanvas } from '../pixelGrid';
import { useStudio } from '../store';

/**
 * The learning timeline, beside the loss chart: strips of the same images
 * (the same seed, one per class) drawn from the weights every few seconds
 * of training, newest first, down to the strip drawn before training. The
 * strips live in learningTimeline (outside React); each is painted once to
 * its own canvas when it arrives.
 */

/** Canvas pixels a strip is drawn across, at most; shown narrower when the panel is. */
const STRIP_WIDTH = 640;
const GAP = 4;

function stripLayout(strip: Pick<LearningStrip, 'count' | 'width' | 'height'>): GridLayout {
  return gridLayout(strip.count, strip.width, strip.height, STRIP_WIDTH, strip.count, GAP);
}

/** Training time as a clock reads it: 0:15, 12:05, 1:02:03. */
export function trainingClock(ms: number): string {
  const total = Math.round(ms / 1000);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

/** What the timeline shows, in a sentence for a newcomer. */
function timelineIntro(every: number, count: number | null, perClass: boolean): string {
  if (every === 0) return 'Off. Set a number of seconds to watch the same images being drawn again and again as the model trains.';
  const what = perClass ? 'one image per class' : count ? `the same ${count} images` : 'the same few images';
  return `While the model trains, it draws ${what} again every ${every} s of training, always from the same random seed, so you can watch them go from noise to images like yours. Newest on top.`;
}

export function LearningTimeline() {
  const strips = useSyncExternalStore(learningTimeline.subscribe, learningTimeline.strips);
  const every = useStudio((s) => s.trainSettings.stripEverySeconds ?? TRAIN_SETTINGS.stripEverySeconds.default);
  const newestFirst = [...strips].reverse();
  const dropped = learningTimeline.dropped();
  const captions = strips[0]?.captions ?? null;
  const conditional = useStudio((s) => (s.model?.config.classes ?? 0) > 0);
  return (
    <section className="learning-timeline" aria-labelledby="learning-timeline-title" data-testid="learning-timeline">
      <div className="learning-timeline-head">
        <div className="timeline-intro">
          <h3 id="learning-timeline-title">What the model draws as it learns</h3>
          <p className="field-hint">{timelineIntro(every, strips[0]?.count ?? null, conditional)}</p>
        </div>
        <NumberField
          problemKey="training.stripEverySeconds"
          className="strip-every"
          setting={TRAIN_SETTINGS.stripEverySeconds}
          value={every}
          onValid={(stripEverySeconds) => changeTrainSettings({ stripEverySeconds })}
        />
      </div>
      {strips.length === 0 ? (
        <p className="timeline-empty" data-testid="timeline-empty">
          Press Train: the first strip shows what the model draws before it learns anything more.
        </p>
      ) : (
        <ol className="timeline-strips" aria-label="Strips, newest first">
          {captions && <StripCaptions strip={strips[0]} captions={captions} />}
          {newestFirst.map((strip, i) => (
            <StripRow
              key={`${strip.timeline}-${strip.step}-${strip.elapsedMs}`}
              strip={strip}
              first={i === newestFirst.length - 1}
              newest={i === 0}
              gapBefore={dropped > 0 && i === newestFirst.length - 1}
              dropped={dropped}
            />
          ))}
        </ol>
      )}
    </section>
  );
}

/** One strip: its step and training time, then its images; painted once. */
const StripRow = memo(function StripRow({
  strip,
  first,
  newest,
  gapBefore,
  dropped,
}: {
  strip: LearningStrip;
  first: boolean;
  newest: boolean;
  gapBefore: boolean;
  dropped: number;
}) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const layout = stripLayout(strip);
  useEffect(() => {
    const ctx = canvasRef.current?.getContext('2d');
    if (!ctx) return;
    const { pixels, count, width, height, channels, levels } = strip;
    const rgba = levelsToRgba(pixels, count, width, height, channels, levels);
    paintStackAsGrid(ctx, stackCanvas(rgba, width, count * height), count, width, height, stripLayout(strip));
  }, [strip]);
  const label = first && strip.elapsedMs === 0 ? 'before training' : `after ${trainingClock(strip.elapsedMs)}`;
  return (
    <>
      {gapBefore && (
        <li className="timeline-gap" aria-hidden="true">
          ⋮ {dropped} earlier strip{dropped === 1 ? '' : 's'} not kept
        </li>
      )}
      <li className={newest ? 'timeline-strip timeline-newest' : 'timeline-strip'} data-testid="timeline-strip" data-step={strip.step}>
        <div className="timeline-label">
          <span className="timeline-step">step {formatInteger(strip.step)}</span>
          <span className="timeline-time">{label}</span>
        </div>
        <canvas
          ref={canvasRef}
          className="pixel-canvas timeline-canvas"
          role="img"
          aria-label={`What the model drew at step ${formatInteger(strip.step)}, ${label}`}
          width={layout.canvasWidth}
          height={layout.canvasHeight}
        />
      </li>
    </>
  );
});

/** A conditional model's class names, once, over the columns of the strips. */
function StripCaptions({ strip, captions }: { strip: LearningStrip; captions: string[] }) {
  const layout = stripLayout(strip);
  const cell = (strip.width * layout.scale * 100) / layout.canvasWidth;
  const gap = (GAP * 100) / layout.canvasWidth;
  return (
    <li className="timeline-captions" aria-hidden="true">
      <div className="timeline-label" />
      <div className="timeline-caption-row" style={{ gridTemplateColumns: `repeat(${captions.length}, ${cell}%)`, columnGap: `${gap}%` }}>
        {captions.map((caption, i) => (
          <span key={i} title={caption}>
            {caption}
          </span>
        ))}
      </div>
    </li>
  );
}
