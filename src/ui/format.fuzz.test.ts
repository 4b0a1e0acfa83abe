import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../model/config';
import { MODEL_ORIGINS, readModelMeta } from '../model/modelMeta';
import { cardFacts } from '../model/modelMeta';
import { check, hostileNumber, hostileValue } from '../test/fuzz';
import { mutatedJson } from '../test/jsonMutation';
import { cardRows, originText } from './format';

/**
 * The Model panel shows whatever card a model file brought (a file's meta
 * passes readModelMeta first, as every file does): the card's rows and the
 * origin's words never throw, and every row is text.
 */

const SHIPPED_CARD: unknown = JSON.parse(readFileSync(new URL('../../public/models/mnist-pixelcnn.card.json', import.meta.url), 'utf8'));

function shown(card: unknown, steps: number): void {
  const { meta } = readModelMeta({ card, steps }, DEFAULT_CONFIG);
  const facts = cardFacts(meta);
  for (const [label, value] of cardRows(facts)) {
    expect(typeof label).toBe('string');
    expect(typeof value === 'string' || value === undefined).toBe(true);
  }
  for (const origin of MODEL_ORIGINS) expect(typeof originText(origin, meta.steps ?? 0, facts)).toBe('string');
}

describe('a model card from a file', () => {
  it('is shown without throwing, whatever its fields hold', () => {
    check(fc.property(mutatedJson(SHIPPED_CARD, { most: 4, maxDepth: 3 }), hostileNumber(), (text, steps) => shown(JSON.parse(text), steps)));
  });

  it('is shown without throwing when an optional field is a record (found: testImages {"toString": null} threw in formatInteger)', () => {
    const card = SHIPPED_CARD as Record<string, unknown>;
    for (const field of ['testImages', 'testBitsPerDim', 'epochs', 'guidance', 'startedFrom', 'unconditionalTestBitsPerDim', 'engine']) {
      shown({ ...card, [field]: JSON.parse('{"toString": null}') }, 5);
      shown({ ...card, startedFrom: { [field]: JSON.parse('{"toString": null}') } }, 5);
    }
  });

  it('is shown without throwing when it is not a card at all', () => {
    check(fc.property(hostileValue(), hostileNumber(), (card, steps) => shown(card, steps)));
  });
});
