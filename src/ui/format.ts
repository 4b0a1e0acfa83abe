import { isModelCard, stepsBeyondCard } from '../model/card';
import { CONFIG_FIELDS, CONFIG_SPEC, type PixelCNNConfig } from '../model/config';
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
 * A model card as label/value rows. A card from `npm run pretrain` reads as
 * sentences; anything else recorded with the weights is listed as it is.
 */
export function cardRows(card: Record<string, unknown>): [string, string][] {
  if (!isModelCard(card)) {
    return Object.entries(card).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)]);
  }
  const bits = (value: number): string => `${value.toFixed(3)} bits/dim`;
  const hours = card.wallTimeSeconds / 3600;
  const test: [string, string][] =
    typeof card.testBitsPerDim === 'number'
      ? [
          [
            'Test loss',
            `${bits(card.testBitsPerDim)} on ${formatInteger(typeof card.testImages === 'number' ? card.testImages : 10000)} standard MNIST test digits` +
              (typeof card.unconditionalTestBitsPerDim === 'number' ? `; ${bits(card.unconditionalTestBitsPerDim)} told "no class"` : ''),
          ],
        ]
      : [];
  const guidance: [string, string][] = typeof card.guidance === 'number' ? [['Guidance', `${card.guidance} by default (the Sampling panel's Guidance)`]] : [];
  const epochs = typeof card.epochs === 'number' ? ` (${card.epochs} passes over the training images)` : '';
  const from = typeof card.startedFrom?.steps === 'number' ? `, continuing a model of ${formatInteger(card.startedFrom.steps)} steps` : '';
  return [
    ['Trained on', card.dataset],
    ...test,
    ['Held-out loss', `${bits(card.heldOutBitsPerDim)} on ${formatInteger(card.split.heldOutImages)} held-out images (the Dataset panel's test split)`],
    ['Training loss', `${bits(card.trainBitsPerDim)} on ${formatInteger(card.trainBitsImages)} training images`],
    [
      'Training',
      `${formatInteger(card.steps)} Adam steps of ${card.batchSize} images${epochs}${from}, seed ${card.seed}, learning rate up to ${card.learningRate.peak}`,
    ],
    ...guidance,
    [
      'Made',
      `${card.trainedAt.slice(0, 10)} by npm run pretrain on ${card.backend}, ${hours >= 1 ? `${hours.toFixed(1)} h` : `${Math.round(card.wallTimeSeconds / 60)} min`}`,
    ],
    ['Code', `commit ${card.commit.slice(0, 12)}${card.commit.endsWith('+changes') ? ' (with uncommitted changes)' : ''}`],
  ];
}
