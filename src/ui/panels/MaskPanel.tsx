import type { MaskPicture } from '../../worker/protocol';
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
        <p className="panel-intro">
          Every convolution is masked so a pixel can only look at pixels above it and to its left, never ahead.
        </p>
      </header>
      <div className="panel-body">
        {masks ? <MaskPictures masks={masks} /> : <p className="muted">Waiting for the model…</p>}
      </div>
    </section>
  );
}

function MaskPictures({ masks }: { masks: MaskPicture }) {
  return (
    <>
      <div className="mask-pair">
        <SpatialMask title="Mask A" note="first layer" cells={masks.spatialA} kernelSize={masks.kernelSize} />
        <SpatialMask title="Mask B" note="every later layer" cells={masks.spatialB} kernelSize={masks.kernelSize} />
      </div>
      <MaskLegend colour={masks.colorChannels === 3} />
      <p className="mask-explainer">
        <strong>Mask A</strong> (first layer) also hides the pixel being predicted, so the network cannot copy its
        answer. <strong>Mask B</strong> (every later layer) opens the centre: by then it only holds what was computed
        from earlier pixels
        {masks.colorChannels === 3 ? ', and it lets a colour channel see the channels drawn before it' : ''}.
      </p>
      {masks.colorChannels === 3 && <CentreTaps masks={masks} />}
    </>
  );
}

interface SpatialMaskProps {
  title: string;
  note: string;
  cells: number[];
  kernelSize: number;
}

function SpatialMask({ title, note, cells, kernelSize }: SpatialMaskProps) {
  const centre = Math.floor((kernelSize * kernelSize) / 2);
  const open = cells.filter((c) => c === 1).length;
  const partial = cells.some((c) => c === 2);
  return (
    <figure className="mask-figure">
      <div
        className="mask-grid"
        role="img"
        aria-label={title}
        style={{ gridTemplateColumns: `repeat(${kernelSize}, 1fr)` }}
      >
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
        Rows are the channel read, columns the channel predicted. Under A, G may read R and B may read R and G; B also
        lets each channel read its own earlier features.
      </p>
      <div className="mask-pair">
        <CentreMatrix title="Mask A centre" values={masks.centreA} />
        <CentreMatrix title="Mask B centre" values={masks.centreB} />
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
