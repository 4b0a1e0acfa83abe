import { describe, expect, it } from 'vitest';
import { droppedSentence, isJsonValue, isNumber, isText, readFields } from './fields';

/** The one way facts from a file or storage are read: field by field, dropping and naming, never throwing. */
describe('reading fields against their kinds', () => {
  const schema = { name: isText, size: isNumber, inner: { fields: { a: isNumber, b: isText }, required: ['a'] } };

  it('keeps what is of its kind, names what is missing or not, and never throws', () => {
    expect(readFields({ name: 'x', size: 2, inner: { a: 1, b: 'y' } }, schema, { required: ['name'] })).toEqual({
      value: { name: 'x', size: 2, inner: { a: 1, b: 'y' } },
      report: { missing: [], wrongKind: [] },
    });
    expect(readFields({ size: 'big', inner: { b: 3 } }, schema, { required: ['name'] })).toEqual({
      value: { inner: {} },
      report: { missing: ['name', 'inner.a'], wrongKind: ['size', 'inner.b'] },
    });
    expect(readFields({ inner: 'flat' }, schema).report.wrongKind).toEqual(['inner']);
  });

  it('keeps or drops fields it does not declare as told, and reads only own fields', () => {
    expect(readFields({ name: 'x', extra: [1, 'two'], big: 3n }, schema, { keepOthers: (v) => isJsonValue(v) })).toEqual({
      value: { name: 'x', extra: [1, 'two'] },
      report: { missing: [], wrongKind: ['big'] },
    });
    expect(readFields({ name: 'x', extra: 1 }, schema).value).toEqual({ name: 'x' });
    expect(readFields(Object.create({ name: 'inherited' }) as Record<string, unknown>, schema, { required: ['name'] }).report.missing).toEqual(['name']);
  });

  it('drops a "__proto__" field of a file, naming it, so its fields cannot slip past their kinds as the prototype', () => {
    const raw = JSON.parse('{"__proto__": {"name": 7, "size": "big"}, "size": 3, "__proto__x": 1}') as Record<string, unknown>;
    const { value, report } = readFields(raw, { name: isText, size: isNumber }, { keepOthers: (v) => isJsonValue(v) });
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(value.name).toBeUndefined();
    expect(value).toEqual({ size: 3, __proto__x: 1 });
    expect(report).toEqual({ missing: [], wrongKind: ['__proto__'] });
    // Nested records too.
    const nested = readFields(
      JSON.parse('{"inner": {"__proto__": {"n": "x"}}}') as Record<string, unknown>,
      { inner: { fields: { n: isNumber } } },
      {
        keepOthers: (v) => isJsonValue(v),
      },
    );
    expect((nested.value.inner as Record<string, unknown>).n).toBeUndefined();
    expect(nested.report.wrongKind).toEqual(['inner.__proto__']);
  });

  it('says what was dropped in one sentence', () => {
    expect(droppedSentence("The model file's card", { missing: ['learningRate'], wrongKind: [] }, 'it is shown without {them}')).toBe(
      "The model file's card had no 'learningRate'; it is shown without it.",
    );
    expect(droppedSentence('The remembered settings', { missing: ['a', 'b', 'c'], wrongKind: ['d'] }, 'the defaults are used for {them}')).toBe(
      "The remembered settings had no 'a', 'b' and 'c', and 'd' of the wrong kind; the defaults are used for them.",
    );
    expect(droppedSentence('X', { missing: [], wrongKind: ['a', 'b'] }, 'used without {them}')).toBe("X had 'a' and 'b' of the wrong kind; used without them.");
    expect(droppedSentence('X', { missing: [], wrongKind: [] }, 'y')).toBeNull();
  });

  it('knows what JSON can hold', () => {
    expect(isJsonValue({ a: [1, 'b', null, true, { c: 2 }] })).toBe(true);
    expect(isJsonValue(Number.NaN)).toBe(false);
    expect(isJsonValue(undefined)).toBe(false);
    expect(isJsonValue(() => 1)).toBe(false);
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(isJsonValue(deep)).toBe(false);
  });
});
