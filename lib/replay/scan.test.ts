import { cloneWith, fixture, PUT_PERMISSION_LEGACY, PUT_PERMISSION_POLICY } from '../../test/support/fixtures';
import { InputFormatError, RecordSplitter, type RecordKeys } from './scan';

const legacy = fixture(PUT_PERMISSION_LEGACY);
const policyForm = fixture(PUT_PERMISSION_POLICY);

/** A real record whose strings hold everything the splitter must not mistake for structure. */
const tricky = cloneWith(PUT_PERMISSION_POLICY, (record) => {
  record.requestParameters = {
    policy: '{"Statement":[{"Sid":"a\\"}{[","Principal":"*"}],"Records":[{"}":"\\\\"}]}',
    note: 'ends on a backslash \\',
    quotes: '\\"\\\\\\"',
    unicode: 'é 😀 \u2028 ∑',
    Records: [{ nested: '[' }],
  };
});

interface Split {
  text: string;
  index: number;
  line: number | undefined;
}

/** Keys the splitter read off each record's text, by record index; checked against JSON.parse whenever given. */
let keysSeen: Array<RecordKeys | undefined> = [];

function split(chunks: readonly string[]): { records: Split[]; error?: string } {
  const records: Split[] = [];
  keysSeen = [];
  const splitter = new RecordSplitter((text, index, line, keys) => {
    records.push({ text, index, line });
    keysSeen.push(keys);
    if (keys) {
      const parsed = JSON.parse(text);
      expect(keys).toEqual({ eventSource: parsed.eventSource, eventName: parsed.eventName, eventTime: parsed.eventTime });
    }
  });
  try {
    for (const chunk of chunks) splitter.push(chunk);
    splitter.end();
  } catch (error) {
    if (!(error instanceof InputFormatError)) throw error;
    return { records, error: error.message };
  }
  return { records };
}

const inChunksOf = (text: string, size: number) => Array.from({ length: Math.ceil(text.length / size) }, (_, i) => text.slice(i * size, (i + 1) * size));

const layouts: Array<[string, string, unknown[]]> = [
  ['a CloudTrail log file', JSON.stringify({ Records: [legacy, tricky, policyForm] }), [legacy, tricky, policyForm]],
  ['a pretty-printed log file with Records after another key', JSON.stringify({ version: '1', Records: [tricky, legacy] }, null, 2), [tricky, legacy]],
  ['a JSON array', `[${JSON.stringify(tricky)} , ${JSON.stringify(legacy)}]`, [tricky, legacy]],
  ['a single record', JSON.stringify(tricky), [tricky]],
  ['NDJSON', `${JSON.stringify(tricky)}\n${JSON.stringify(legacy)}\r\n\n${JSON.stringify(tricky)}`, [tricky, legacy, tricky]],
  ['concatenated pretty-printed records', `${JSON.stringify(legacy, null, 1)}\n${JSON.stringify(tricky, null, 1)}`, [legacy, tricky]],
  ['a log file starting with a byte order mark', `\uFEFF${JSON.stringify({ Records: [tricky] })}`, [tricky]],
];

describe('RecordSplitter', () => {
  it.each(layouts)('splits %s into its records', (_name, text, expected) => {
    // Act
    const { records, error } = split([text]);

    // Assess
    expect(error).toBeUndefined();
    expect(records.map((r) => JSON.parse(r.text))).toEqual(expected);
  });

  it.each(layouts)('splits %s the same whichever chunk boundary falls inside a string, escape or key', (_name, text) => {
    // Prepare
    const whole = split([text]);

    // Act and Assess: every two-chunk cut, then runs of one- and seven-character chunks
    for (let cut = 0; cut <= text.length; cut += 1) {
      expect(split([text.slice(0, cut), text.slice(cut)])).toEqual(whole);
    }
    expect(split(inChunksOf(text, 1))).toEqual(whole);
    expect(split(inChunksOf(text, 7))).toEqual(whole);
  });

  it('reads eventSource, eventName and eventTime off each record of a log file in one chunk', () => {
    // Act
    split([JSON.stringify({ Records: [legacy, tricky, policyForm] })]);

    // Assess
    expect(keysSeen).toEqual([legacy, tricky, policyForm].map((r) => ({ eventSource: r.eventSource, eventName: r.eventName, eventTime: r.eventTime })));
  });

  it.each([
    ['an escaped eventName', { ...legacy, eventName: 'Put\\Permission' }],
    ['an eventName that is not a string', { ...legacy, eventName: 42 }],
    ['no eventTime', { ...legacy, eventTime: undefined }],
  ])('leaves the keys of a record with %s to JSON.parse', (_name, record) => {
    // Act
    split([JSON.stringify({ Records: [record] })]);

    // Assess
    expect(keysSeen).toEqual([undefined]);
  });

  it('leaves the keys of a record with a key given twice to JSON.parse', () => {
    // Prepare
    const text = JSON.stringify(legacy);
    const twice = `{"eventName":"Decrypt",${text.slice(1)}`;

    // Act
    split([`{"Records":[${twice}]}`]);

    // Assess
    expect(keysSeen).toEqual([undefined]);
  });

  it('numbers NDJSON records by position and line, skipping blank lines', () => {
    // Act
    const { records } = split([`${JSON.stringify(legacy)}\n\n${JSON.stringify(tricky)}\nnot json\n`]);

    // Assess
    expect(records.map((r) => [r.index, r.line])).toEqual([
      [1, undefined],
      [2, 3],
      [3, 4],
    ]);
    expect(records[2]!.text).toBe('not json');
  });

  it('hands a record of the wrong JSON type in a Records array on as a record, for the caller to judge', () => {
    // Act
    const { records } = split(['{"Records":[1, "two", null, {"a":[]}]}']);

    // Assess
    expect(records.map((r) => r.text)).toEqual(['1', '"two"', 'null', '{"a":[]}']);
  });

  it.each([
    ['ends inside a record', `{"Records":[${JSON.stringify(legacy)},{"eventName":"Put`, /^truncated JSON: the input ends inside record 2 \(1 complete record\(s\) before it\)$/],
    ['ends inside a string', '{"eventName":"Put', /^truncated JSON/],
    ['has a scalar at the top level', '42', /^not valid JSON: unexpected "4" at the start/],
    ['has text after a record', `${JSON.stringify(legacy)} trailing`, /^not valid JSON: unexpected "t" after record 1/],
  ])('stops when the input %s', (_name, text, problem) => {
    // Act
    const { error } = split([text]);

    // Assess
    expect(error).toMatch(problem);
  });
});
