import type { PixelCNNConfig } from '../model/config';
import type { ModelOrigin } from '../worker/protocol';

/** Thousands separators done by hand so the text is identical in every locale. */
export function formatInteger(n: number): string {
  return String(Math.trunc(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds - minutes * 60)} s`;
}

/** Where the weights came from; a new model that has trained is no longer "random". */
export function originText(origin: ModelOrigin, steps: number): string {
  if (origin === 'new') return steps > 0 ? 'trained here from random weights' : 'new (random weights)';
  return ORIGIN_TEXT[origin];
}

const ORIGIN_TEXT: Record<ModelOrigin, string> = {
  new: 'new (random weights)',
  restored: 'restored from this browser',
  imported: 'imported from a file',
  pretrained: 'pretrained (shipped with the app)',
};

const FIELD_LABELS: Record<keyof PixelCNNConfig, string> = {
  height: 'Image size',
  width: 'Image size',
  colorChannels: 'Colour channels',
  levels: 'Levels',
  hiddenChannels: 'Hidden channels',
  layers: 'Layers',
  kernelSize: 'Kernel size',
};

/** ConfigError messages name code fields; the form shows the labels the user sees. */
export function withFieldLabels(message: string): string {
  return message.replace(
    /\b(height|width|colorChannels|levels|hiddenChannels|layers|kernelSize)\b/g,
    (field) => FIELD_LABELS[field as keyof PixelCNNConfig],
  );
}
