import { useState } from 'react';
import { downloadBlob } from '../download';
import { paintStackAsGrid, stackCanvas } from '../pixelGrid';
import { sampleChannel, type SampleFrame } from '../sampleChannel';
import { BACKGROUND, generationGif } from '../sampleExport';
import { useStudio } from '../store';
import { sampleLayout } from './SampleCanvas';

/** The sample grid as on screen (same layout and captions), on the panel's backdrop, as a PNG. */
export function samplesPng(frame: SampleFrame): Promise<Blob> {
  const { count, width, height, captions } = frame;
  const layout = sampleLayout(count, width, height, frame.columns, captions !== null);
  const canvas = document.createElement('canvas');
  canvas.width = layout.canvasWidth;
  canvas.height = layout.canvasHeight;
  const ctx = canvas.getContext('2d');
  if (!ctx) return Promise.reject(new Error('this browser gave no 2D canvas to draw the PNG on'));
  ctx.fillStyle = `rgb(${BACKGROUND.join(', ')})`;
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  paintStackAsGrid(ctx, stackCanvas(frame.rgba, width, count * height), count, width, height, layout);
  if (captions) {
    ctx.fillStyle = '#9aa5bf';
    ctx.font = `${Math.round(layout.captionHeight * 0.7)}px system-ui, sans-serif`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    captions.forEach((caption, i) => {
      const { x, y } = layout.origin(i);
      ctx.fillText(caption, x + (width * layout.scale) / 2, y + height * layout.scale + layout.captionHeight / 2, width * layout.scale);
    });
  }
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('the browser could not encode the PNG'))), 'image/png'),
  );
}

/** Download buttons under the Samples grid, for a finished (or stopped) run. */
export function SampleDownloads() {
  const running = useStudio((s) => s.sampling.running);
  const total = useStudio((s) => s.sampling.total);
  const seed = useStudio((s) => s.sampleSettings.seed);
  const [gifProgress, setGifProgress] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const available = !running && total > 0 && sampleChannel.current() !== null;
  const name = `pixelcnn-samples-seed${seed}`;

  const png = async () => {
    const frame = sampleChannel.current();
    if (!frame) return;
    setProblem(null);
    try {
      downloadBlob(await samplesPng(frame), `${name}.png`);
    } catch (error) {
      setProblem(`The PNG could not be made: ${error instanceof Error ? error.message : String(error)}.`);
    }
  };

  const gif = async () => {
    const frame = sampleChannel.current();
    if (!frame) return;
    setProblem(null);
    setGifProgress('starting');
    try {
      const bytes = await generationGif(frame, sampleChannel.timeline(), (done, all) => setGifProgress(`${Math.round((100 * done) / all)}%`));
      downloadBlob(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'image/gif' }), `${name}.gif`);
    } catch (error) {
      setProblem(`The animation could not be made: ${error instanceof Error ? error.message : String(error)}.`);
    } finally {
      setGifProgress(null);
    }
  };

  return (
    <div className="sample-downloads">
      <button type="button" onClick={png} disabled={!available}>
        Download PNG
      </button>
      <button type="button" onClick={gif} disabled={!available || gifProgress !== null}>
        {gifProgress === null ? 'Download animation (GIF)' : `Making GIF… ${gifProgress}`}
      </button>
      {problem && (
        <span className="field-problem" role="alert">
          {problem}
        </span>
      )}
    </div>
  );
}
