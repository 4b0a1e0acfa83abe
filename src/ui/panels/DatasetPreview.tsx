import { useEffect, useRef } from 'react';
import type { DatasetSummary } from '../../worker/protocol';
import { gridLayout, levelsToRgba, paintStackAsGrid, stackCanvas } from '../pixelGrid';

/** The first few training images, so the user can see what the model is learning from. */
export function DatasetPreview({ dataset }: { dataset: DatasetSummary }) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const { preview, previewCount, width, height, channels, levels } = dataset;
  const layout = gridLayout(Math.max(1, previewCount), width, height, 480, 8, 4);

  useEffect(() => {
    const ctx = canvasRef.current?.getContext('2d');
    if (!ctx || previewCount === 0) return;
    const rgba = levelsToRgba(preview, previewCount, width, height, channels, levels);
    ctx.clearRect(0, 0, layout.canvasWidth, layout.canvasHeight);
    paintStackAsGrid(ctx, stackCanvas(rgba, width, previewCount * height), previewCount, width, height, layout);
  }, [preview, previewCount, width, height, channels, levels, layout]);

  if (previewCount === 0) return <p className="muted">This dataset has no images to preview.</p>;
  return (
    <canvas
      ref={canvasRef}
      className="pixel-canvas dataset-preview"
      aria-label="Dataset preview"
      role="img"
      width={layout.canvasWidth}
      height={layout.canvasHeight}
    />
  );
}
