import { droppedSentence } from '../../model/fields';

/**
 * What the engine says when a model file's meta (readSavedModel) had fields
 * missing or of the wrong kind: one notice for the card, one for the rest,
 * naming each dropped field. `subject`: what was read ("The model file",
 * "The saved model").
 */
export function metaNotices(subject: string, read: { droppedMeta: string[]; missingMeta: string[] }): string[] {
  const inCard = (name: string) => name.startsWith('card.');
  const cardField = (name: string) => name.slice('card.'.length);
  const card = droppedSentence(
    `${subject}'s card`,
    { missing: read.missingMeta.filter(inCard).map(cardField), wrongKind: read.droppedMeta.filter(inCard).map(cardField) },
    'it is shown without {them}',
  );
  const rest = droppedSentence(subject, { missing: [], wrongKind: read.droppedMeta.filter((name) => !inCard(name)) }, 'the model is used without {them}');
  return [card, rest].filter((sentence): sentence is string => sentence !== null);
}
