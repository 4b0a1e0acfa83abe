import type { MaskGrid, MaskPicture } from '../../worker/protocol';
import { useStudio } from '../store';

/**
 * Why PixelCNN cannot cheat: each convolution only sees pixels above and to
 * the left. Drawn from the masks the model really uses.
 */
export function MaskPanel() {
  const masks = useStudio((s) => s.model?.masks ?? null);
  return (
    <section className="panel panel-masks" aria-label="Masks">
      <header className="panel-header">
        <h2>Masks</h2>
        <p className="panel-intro">Every convolution is masked so a pixel can only look at pixels above it and to its left, never ahead.</p>
      </header>
      <div className="panel-body">{masks ? <MaskPictures masks={masks} /> : <p className="muted">Waiting for the model…</p>}</div>
    </section>
  );
}

function MaskPictures({ masks }: { masks: MaskPicture }) {
  const colour = masks.colorChannels === 3;
  const gated = masks.stacks !== undefined;
  return (
    <>
      {masks.stacks && <StackMasks stacks={masks.stacks} />}
      <div className="mask-section">
        {gated && (
          <>
            <h3>For comparison: the PixelCNN's masks</h3>
            <p className="muted">
              A PixelCNN uses one mask for everything above and to the left. Stacked, its masks never reach a wedge up and to the right of the pixel: the blind
              spot the two stacks above remove.
            </p>
          </>
        )}
        <div className="mask-pair">
          <SpatialMask title="Mask A" note="first layer" grid={masks.causal.a} />
          <SpatialMask title="Mask B" note="every later layer" grid={masks.causal.b} />
        </div>
        <MaskLegend colour={colour} />
        <p className="mask-explainer">
          <strong>Mask A</strong> (first layer) also hides the pixel being predicted, so the network cannot copy its answer. <strong>Mask B</strong> (every
          later layer) opens the centre: by then it only holds what was computed from earlier pixels
          {colour ? ', and it lets a colour channel see the channels drawn before it' : ''}.
        </p>
      </div>
      {colour && <CentreTaps masks={masks} />}
    </>
  );
}

/** A Gated PixelCNN's two stacks: rows above (vertical) and the row to the left (horizontal). */
function StackMasks({ stacks }: { stacks: NonNullable<MaskPicture['stacks']> }) {
  return (
    <div className="mask-section">
      <h3>This model: two stacks</h3>
      <p className="muted">
        A Gated PixelCNN looks through two stacks of convolutions. The <strong>vertical stack</strong> sees whole rows above the pixel, never its own row; the{' '}
        <strong>horizontal stack</strong> sees its row to the left, and adds what the vertical stack saw at the same place. Together they see everything above
        and to the left, with no blind spot.
      </p>
      <div className="mask-pair mask-stacks">
        <SpatialMask title="Vertical stack, mask A" note="first layer: rows above" grid={stacks.vertical.a} />
        <SpatialMask title="Vertical stack, mask B" note="later layers: rows above and its own" grid={stacks.vertical.b} />
        <SpatialMask title="Horizontal stack, mask A" note="first layer: the row to the left" grid={stacks.horizontal.a} />
        <SpatialMask title="Horizontal stack, mask B" note="later layers: the row, centre included" grid={stacks.horizontal.b} />
      </div>
      <p className="mask-explainer">
        Why may the vertical stack's mask B see its own row? Its first layer saw only rows above, so at every later layer each position holds news from higher
        rows only: reading the row the pixel is on cannot reveal the pixel.
      </p>
    </div>
  );
}

interface SpatialMaskProps {
  title: string;
  note: string;
  grid: MaskGrid;
}

function SpatialMask({ title, note, grid }: SpatialMaskProps) {
  const { spatial: cells, kernelSize } = grid;
  const centre = Math.floor((kernelSize * kernelSize) / 2);
  const open = cells.filter((c) => c === 1).length;
  const partial = cells.some((c) => c === 2);
  return (
    <figure className="mask-figure">
      <div className="mask-grid" role="img" aria-label={title} style={{ gridTemplateColumns: `repeat(${kernelSize}, 1fr)` }}>
        {cells.map((cell, i) => (
          <span
            key={i}
            className={`mask-cell ${cell === 1 ? 'open' : cell === 2 ? 'partial' : 'closed'}${i === centre ? ' centre' : ''}`}
            data-open={cell === 1 ? '1' : cell === 2 ? 'partial' : '0'}
            title={cell === 2 ? 'open only from earlier colour channels: see the centre tap tables' : undefined}
            data-centre={i === centre ? '1' : undefined}
          />
        ))}
      </div>
      <figcaption>
        <strong>{title}</strong> · {note}
        <br />
        <span className="muted">
          {open} of {cells.length} taps open{partial ? ', centre by colour' : ''}
        </span>
      </figcaption>
    </figure>
  );
}

function MaskLegend({ colour }: { colour: boolean }) {
  return (
    <p className="legend-line muted">
      <span className="swatch swatch-open" aria-hidden="true" /> can see
      <span className="swatch swatch-closed" aria-hidden="true" /> hidden
      {colour && (
        <>
          <span className="swatch swatch-partial" aria-hidden="true" /> by colour channel
        </>
      )}
      <span className="swatch swatch-centre" aria-hidden="true" /> the pixel being predicted
    </p>
  );
}

const GROUPS = ['R', 'G', 'B'];

function CentreTaps({ masks }: { masks: MaskPicture }) {
  return (
    <div className="centre-taps">
      <h3>Centre pixel, between colour channels</h3>
      <p className="muted">
        Rows are the channel read, columns the channel predicted. Under A, G may read R and B may read R and G; B also lets each channel read its own earlier
        features.
      </p>
      <div className="mask-pair">
        <CentreMatrix title="Mask A centre" values={masks.causal.a.centre} />
        <CentreMatrix title="Mask B centre" values={masks.causal.b.centre} />
      </div>
    </div>
  );
}

function CentreMatrix({ title, values }: { title: string; values: number[] }) {
  const c = GROUPS.length;
  return (
    <table className="centre-matrix" aria-label={title}>
      <caption>{title}</caption>
      <thead>
        <tr>
          <th scope="col">
            <span className="visually-hidden">read ↓ / predicted →</span>
          </th>
          {GROUPS.map((g) => (
            <th key={g} scope="col">
              {g}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {GROUPS.map((gIn, row) => (
          <tr key={gIn}>
            <th scope="row">{gIn}</th>
            {GROUPS.map((gOut, col) => {
              const open = values[row * c + col] === 1;
              return (
                <td key={gOut} className={open ? 'open' : 'closed'} data-open={open ? '1' : '0'}>
                  {open ? '✓' : '·'}
                  <span className="visually-hidden">{open ? `${gIn} reaches ${gOut}` : `${gIn} hidden from ${gOut}`}</span>
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
