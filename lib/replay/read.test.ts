import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseChange } from '../events/parse';
import { listInputFiles, readInputFile, recordsOf } from './read';

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

describe('readInputFile', () => {
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
  ])('reads %s', (_name, prepare, eventIds) => {
    // Prepare
    const file = prepare();

    // Act
    const input = readInputFile(file);

    // Assess
    expect(input.error).toBeUndefined();
    expect(input.file).toBe(file);
    expect(eventIdsOf(input.records)).toEqual(eventIds);
  });

  it('reads the envelope as the record it wraps', () => {
    // Act
    const input = readInputFile(ENVELOPE);

    // Assess
    const change = parseChange(input.records[0]);
    expect(change).toMatchObject({ eventName: 'StopLogging', eventSource: 'cloudtrail.amazonaws.com', account: '000000000000' });
  });

  it.each([
    [
      'a truncated gzip file',
      () => {
        const whole = gzipSync(logFileText);
        return write('broken/truncated.json.gz', whole.subarray(0, Math.floor(whole.length / 2)));
      },
      /^corrupt gzip: /,
    ],
    [
      'NDJSON with a line that is not JSON',
      () => write('broken/events.ndjson', `${JSON.stringify(legacy)}\n{"eventName": "PutPermission", \n${JSON.stringify(policyForm)}\n`),
      /^line 2 is not JSON \(/,
    ],
  ])('reports %s as an error for that file, with no records', (_name, prepare, problem) => {
    // Prepare
    const file = prepare();

    // Act
    const input = readInputFile(file);

    // Assess
    expect(input).toEqual({ file, records: [], error: expect.stringMatching(problem) });
  });

  it.each([
    ['cut off mid-record', logFileText.slice(0, Math.floor(logFileText.length / 2))],
    ['cut off after the first record', `{"Records":[${JSON.stringify(legacy)},`],
  ])('reports a well-formed gzip whose JSON is %s as bad JSON, not as corrupt gzip', (_name, text) => {
    // Prepare
    const file = write(`broken/bad-json-${text.length}.json.gz`, gzipSync(text));

    // Act
    const input = readInputFile(file);

    // Assess
    expect(input.records).toEqual([]);
    expect(input.error).toMatch(/JSON/);
    expect(input.error).not.toMatch(/gzip/);
  });
});

describe('recordsOf', () => {
  it.each([
    ['an empty file', ''],
    ['a file of blank lines', '\n\n  \n'],
  ])('finds no records in %s', (_name, text) => {
    // Act
    const records = recordsOf(text);

    // Assess
    expect(records).toEqual([]);
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
    expect(errors).toEqual([{ file: missing, records: [], error: 'no such file or directory' }]);
    expect(files).toEqual([present]);
  });
});
