import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseChange } from '../events/parse';
import { listInputFiles, readRecords, type RecordLocation } from './read';

const FIXTURES = path.resolve(__dirname, '..', '..', 'test', 'fixtures', 'cloudtrail');
const LEGACY_FORM = path.join(FIXTURES, 'events_PutPermission_synthetic-awsdocs-putrule-clone_1.json');
const POLICY_FORM = path.join(FIXTURES, 'events_PutPermission_synthetic-awsdocs-putrule-clone_2.json');
const ENVELOPE = path.join(FIXTURES, 'cloudtrail_StopLogging_reflex_envelope_1.json');
const LEGACY_ID = '06ea7329-54b6-43be-9d46-be93bc83638e';
const POLICY_ID = '127d1114-e902-48a1-a5c2-3124c4c17cd3';

const legacy = JSON.parse(readFileSync(LEGACY_FORM, 'utf8'));
const policyForm = JSON.parse(readFileSync(POLICY_FORM, 'utf8'));
/** A CloudTrail S3 log file, as CloudTrail writes it: one line, `{"Records":[...]}`. */
const logFileText = JSON.stringify({ Records: [legacy, policyForm] });

let dir: string;
const inDir = (...parts: string[]) => path.join(dir, ...parts);
function write(relative: string, content: string | Buffer): string {
  const file = inDir(relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
  return file;
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'replay-read-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const eventIdsOf = (records: unknown[]) => records.map((r) => parseChange(r).eventId);

/** Streams a file through readRecords and collects what it reported. */
async function readAll(file: string) {
  const records: unknown[] = [];
  const malformed: Array<{ at: RecordLocation; message: string }> = [];
  const outcome = await readRecords(file, {
    record: (value) => records.push(value),
    malformed: (at, message) => malformed.push({ at, message }),
  });
  return { records, malformed, found: outcome.records, error: outcome.error };
}

describe('readRecords', () => {
  it.each([
    ['a CloudTrail S3 log file (.json)', () => write('formats/trail.json', logFileText), [LEGACY_ID, POLICY_ID]],
    ['a gzipped CloudTrail S3 log file (.json.gz)', () => write('formats/trail.json.gz', gzipSync(logFileText)), [LEGACY_ID, POLICY_ID]],
    ['a pretty-printed CloudTrail S3 log file', () => write('formats/pretty.json', JSON.stringify({ Records: [legacy, policyForm] }, null, 2)), [LEGACY_ID, POLICY_ID]],
    ['a JSON array of records', () => write('formats/array.json', JSON.stringify([policyForm, legacy])), [POLICY_ID, LEGACY_ID]],
    ['a single record', () => LEGACY_FORM, [LEGACY_ID]],
    ['an EventBridge envelope', () => ENVELOPE, ['c58dkfjdkf-333-414274']],
    ['NDJSON (.ndjson)', () => write('formats/events.ndjson', `${JSON.stringify(legacy)}\n${JSON.stringify(policyForm)}\n`), [LEGACY_ID, POLICY_ID]],
    ['NDJSON with CRLF line ends and blank lines (.jsonl)', () => write('formats/events.jsonl', `${JSON.stringify(legacy)}\r\n\r\n${JSON.stringify(policyForm)}\r\n`), [LEGACY_ID, POLICY_ID]],
    ['gzipped NDJSON', () => write('formats/events.ndjson.gz', gzipSync(`${JSON.stringify(legacy)}\n${JSON.stringify(policyForm)}\n`)), [LEGACY_ID, POLICY_ID]],
    ['a log file with no records', () => write('formats/empty-trail.json', '{"Records":[]}'), []],
  ])('reads %s', async (_name, prepare, eventIds) => {
    // Prepare
    const file = prepare();

    // Act
    const input = await readAll(file);

    // Assess
    expect(input.error).toBeUndefined();
    expect(input.malformed).toEqual([]);
    expect(input.records).toHaveLength(eventIds.length);
    expect(eventIdsOf(input.records)).toEqual(eventIds);
  });

  it.each([
    ['gzipped', (text: string) => gzipSync(text), 'big.json.gz'],
    ['plain', (text: string) => text, 'big.json'],
  ])('streams a %s log file too large to read whole, every record intact', async (_kind, encode, name) => {
    // Prepare: over 8 MiB of JSON, records alternating between the two forms
    const records = Array.from({ length: 12000 }, (_, i) => ({ ...(i % 2 ? policyForm : legacy), eventID: `id-${i}` }));
    const text = JSON.stringify({ Records: records });
    expect(text.length).toBeGreaterThan(8 * 1024 * 1024);
    const file = write(`large/${name}`, encode(text));

    // Act
    const input = await readAll(file);

    // Assess
    expect(input.error).toBeUndefined();
    expect(input.records).toEqual(records);
  });

  it('reads the envelope as the record it wraps', async () => {
    // Act
    const input = await readAll(ENVELOPE);

    // Assess
    const change = parseChange(input.records[0]);
    expect(change).toMatchObject({ eventName: 'StopLogging', eventSource: 'cloudtrail.amazonaws.com', account: '000000000000' });
  });

  it('reports a truncated gzip file as corrupt gzip, after handling the records before the cut', async () => {
    // Prepare
    const many = JSON.stringify({ Records: Array.from({ length: 200 }, () => legacy) });
    const whole = gzipSync(many);
    const file = write('broken/truncated.json.gz', whole.subarray(0, Math.floor(whole.length / 2)));

    // Act
    const input = await readAll(file);

    // Assess
    expect(input.error).toMatch(/^corrupt gzip: unexpected end of file \(after \d+ record\(s\)\)$/);
    expect(input.records.length).toBeGreaterThan(0);
    expect(input.records.length).toBeLessThan(200);
    expect(input.error).toContain(`after ${input.records.length} record(s)`);
    expect(input.found).toBe(input.records.length);
  });

  it('reports a line of NDJSON that is not JSON by record and line, and reads the lines after it', async () => {
    // Prepare
    const file = write('broken/events.ndjson', `${JSON.stringify(legacy)}\n{"eventName": "PutPermission", \n${JSON.stringify(policyForm)}\n`);

    // Act
    const input = await readAll(file);

    // Assess
    expect(input.error).toBeUndefined();
    expect(eventIdsOf(input.records)).toEqual([LEGACY_ID, POLICY_ID]);
    expect(input.malformed).toEqual([{ at: { record: 2, line: 2 }, message: expect.stringMatching(/^not JSON \(/) }]);
  });

  it('reports a record of a log file that is not JSON by position, and reads the records after it', async () => {
    // Prepare
    const text = `{"Records":[${JSON.stringify(legacy)},{"eventName": tru},${JSON.stringify(policyForm)}]}`;
    const file = write('broken/bad-record.json.gz', gzipSync(text));

    // Act
    const input = await readAll(file);

    // Assess
    expect(input.error).toBeUndefined();
    expect(eventIdsOf(input.records)).toEqual([LEGACY_ID, POLICY_ID]);
    expect(input.malformed).toEqual([{ at: { record: 2 }, message: expect.stringMatching(/^not JSON \(/) }]);
  });

  it.each([
    ['cut off inside the first record', logFileText.slice(0, 200), []],
    ['cut off after the first record', `{"Records":[${JSON.stringify(legacy)},`, [LEGACY_ID]],
  ])('reports a well-formed gzip whose JSON is %s as truncated JSON, not as corrupt gzip', async (_name, text, eventIds) => {
    // Prepare
    const file = write(`broken/bad-json-${text.length}.json.gz`, gzipSync(text));

    // Act
    const input = await readAll(file);

    // Assess
    expect(eventIdsOf(input.records)).toEqual(eventIds);
    expect(input.error).toMatch(/^truncated JSON: /);
    expect(input.error).not.toMatch(/gzip/);
  });

  it.each([
    ['a text file', 'synced with aws s3 sync\n', /^not valid JSON: unexpected "s" at the start/],
    ['a stray closing brace after a record', `${JSON.stringify(legacy)}}`, /^not valid JSON: unexpected "}" after record 1/],
  ])('stops at %s and says where', async (_name, text, problem) => {
    // Prepare
    const file = write(`broken/not-json-${text.length}.json`, text);

    // Act
    const input = await readAll(file);

    // Assess
    expect(input.error).toMatch(problem);
  });

  it('reports a file that cannot be opened', async () => {
    // Act
    const input = await readAll(inDir('nowhere', 'trail.json'));

    // Assess
    expect(input).toEqual({ records: [], malformed: [], found: 0, error: 'no such file or directory' });
  });
});

describe('readRecords on files with nothing in them', () => {
  it.each([
    ['an empty file', ''],
    ['a file of blank lines', '\n\n  \n'],
  ])('finds no records in %s', async (_name, text) => {
    // Prepare
    const file = write(`empty/${text.length}.json`, text);

    // Act
    const input = await readAll(file);

    // Assess
    expect(input).toMatchObject({ records: [], malformed: [] });
    expect(input.error).toBeUndefined();
  });
});

describe('listInputFiles', () => {
  const trail = 'AWSLogs/123456789012/CloudTrail';
  const digest = 'AWSLogs/123456789012/CloudTrail-Digest';

  it('walks a directory recursively for CloudTrail log files, in name order, skipping digests and other files', () => {
    // Prepare
    const root = 'bucket';
    const expected = [
      write(`${root}/${trail}/eu-west-1/2015/11/18/123456789012_CloudTrail_eu-west-1_20151118T0015Z_b.json.gz`, gzipSync(logFileText)),
      write(`${root}/${trail}/us-east-1/2015/11/18/123456789012_CloudTrail_us-east-1_20151118T0010Z_a.json.gz`, gzipSync(logFileText)),
      write(`${root}/${trail}/us-east-1/2015/11/18/123456789012_CloudTrail_us-east-1_20151118T0015Z_c.json`, logFileText),
      write(`${root}/exports/events.ndjson`, `${JSON.stringify(legacy)}\n`),
    ];
    write(`${root}/${digest}/us-east-1/2015/11/18/123456789012_CloudTrail-Digest_us-east-1_trail_us-east-1_20151118T001028Z.json.gz`, gzipSync('{"awsAccountId":"123456789012","logFiles":[]}'));
    write(`${root}/README.txt`, 'synced with aws s3 sync\n');
    write(`${root}/${trail}/us-east-1/2015/11/18/.DS_Store`, '');

    // Act
    const { files, errors } = listInputFiles([inDir(root)]);

    // Assess
    expect(errors).toEqual([]);
    expect(files).toEqual(expected);
  });

  it('keeps a file given by name, whatever its extension', () => {
    // Prepare
    const file = write('named/records.txt', logFileText);

    // Act
    const { files, errors } = listInputFiles([file]);

    // Assess
    expect(errors).toEqual([]);
    expect(files).toEqual([file]);
  });

  it('reports a path that does not exist, naming it, and still lists the other paths', () => {
    // Prepare
    const missing = inDir('nowhere', 'trail.json.gz');
    const present = write('present/trail.json', logFileText);

    // Act
    const { files, errors } = listInputFiles([missing, present]);

    // Assess
    expect(errors).toEqual([{ file: missing, error: 'no such file or directory' }]);
    expect(files).toEqual([present]);
  });
});
