import { isModelCard, readsAsModelCard, stepsBeyondCard } from '../model/card';
import { CONFIG_FIELDS, CONFIG_SPEC, type PixelCNNConfig } from '../model/config';
import { valueText } from '../model/valueText';
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

/** Where the weights came from; a new model that has trained is no longer "random", nor is a pretrained one trained further. */
export function originText(origin: ModelOrigin, steps: number, card: Record<string, unknown> = {}): string {
  if (origin === 'new') return steps > 0 ? 'trained here from random weights' : 'new (random weights)';
  const more = stepsBeyondCard(steps, card);
  if (origin === 'pretrained' && isModelCard(card) && more > 0) {
    return `pretrained, then trained here for ${formatInteger(more)} more step${more === 1 ? '' : 's'}`;
  }
  return ORIGIN_TEXT[origin];
}

const ORIGIN_TEXT: Record<ModelOrigin, string> = {
  new: 'new (random weights)',
  restored: 'restored from this browser',
  imported: 'imported from a file',
  pretrained: 'pretrained (shipped with the app)',
};

const FIELD_NAMES = new RegExp(`\\b(${CONFIG_FIELDS.join('|')})\\b`, 'g');

/** ConfigError messages name code fields; the form shows the labels the user sees. */
export function withFieldLabels(message: string): string {
  return message.replace(FIELD_NAMES, (field) => CONFIG_SPEC[field as keyof PixelCNNConfig].label);
}

/**
 * A model card as label/value rows. A card that reads as a pretrained
 * model's (readsAsModelCard) reads as sentences, each shown when the card has
 * what it says (a card read without some field is shown without it);
 * anything else recorded with the weights is listed as it is.
 */
export function cardRows(card: Record<string, unknown>): [string, string][] {
  if (!readsAsModelCard(card)) {
    return Object.entries(card).map(([key, value]) => [key, typeof value === 'string' ? value : valueText(value, Infinity)]);
  }
  const num = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
  const text = (value: unknown): value is string => typeof value === 'string';
  const bits = (value: number): string => `${value.toFixed(3)} bits/dim`;
  const rows: [string, string][] = [];
  if (text(card.dataset)) rows.push(['Trained on', card.dataset]);
  if (num(card.testBitsPerDim)) {
    rows.push([
      'Test loss',
      `${bits(card.testBitsPerDim)} on ${formatInteger(num(card.testImages) ? card.testImages : 10000)} standard MNIST test digits` +
        (num(card.unconditionalTestBitsPerDim) ? `; ${bits(card.unconditionalTestBitsPerDim)} told "no class"` : ''),
    ]);
  }
  const heldOutImages = card.split?.heldOutImages;
  if (num(card.heldOutBitsPerDim)) {
    const on = num(heldOutImages) ? ` on ${formatInteger(heldOutImages)} held-out images` : ' on the held-out images';
    rows.push(['Held-out loss', `${bits(card.heldOutBitsPerDim)}${on} (the Dataset panel's test split)`]);
  }
  if (num(card.trainBitsPerDim)) {
    rows.push([
      'Training loss',
      `${bits(card.trainBitsPerDim)}${num(card.trainBitsImages) ? ` on ${formatInteger(card.trainBitsImages)} training images` : ''}`,
    ]);
  }
  if (num(card.steps)) {
    const batch = num(card.batchSize) ? ` of ${card.batchSize} images` : '';
    const epochs = num(card.epochs) ? ` (${card.epochs} passes over the training images)` : '';
    const from = num(card.startedFrom?.steps) ? `, continuing a model of ${formatInteger(card.startedFrom.steps)} steps` : '';
    const seed = num(card.seed) ? `, seed ${card.seed}` : '';
    const rate = num(card.learningRate?.peak) ? `, learning rate up to ${card.learningRate.peak}` : '';
    rows.push(['Training', `${formatInteger(card.steps)} Adam steps${batch}${epochs}${from}${seed}${rate}`]);
  }
  if (num(card.guidance)) rows.push(['Guidance', `${card.guidance} by default (the Sampling panel's Guidance)`]);
  if (text(card.trainedAt) || text(card.backend) || num(card.wallTimeSeconds)) {
    const hours = num(card.wallTimeSeconds) ? card.wallTimeSeconds / 3600 : null;
    const took = hours === null ? '' : `, ${hours >= 1 ? `${hours.toFixed(1)} h` : `${Math.round(hours * 60)} min`}`;
    const when = text(card.trainedAt) ? `${card.trainedAt.slice(0, 10)} ` : '';
    rows.push(['Made', `${when}by npm run pretrain${text(card.backend) ? ` on ${card.backend}` : ''}${took}`]);
  }
  if (text(card.commit)) rows.push(['Code', `commit ${card.commit.slice(0, 12)}${card.commit.endsWith('+changes') ? ' (with uncommitted changes)' : ''}`]);
  return rows;
}
