/**
 * Property-based fuzzing of the replay reader (lib/replay/read.ts, scan.ts) on junk files: random
 * bytes, truncated or corrupted real CloudTrail log files (plain and gzipped), NDJSON with junk
 * lines, odd unicode, deep nesting. readRecords always resolves (problems are returned, never
 * thrown), every record found is handed over exactly once (parsed or malformed), and how the
 * text is chunked does not change what the splitter emits. Seed: FC_SEED=<n> (see ./arbitraries.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { EventParseError } from '../../../lib/events/errors';
import { parseChange } from '../../../lib/events/parse';
import { readRecords } from '../../../lib/replay/read';
import { InputFormatError, RecordSplitter } from '../../../lib/replay/scan';
import { FIXTURE_NAMES, nestedJson, oddString, recordOf, runs } from './arbitraries';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'drift-fuzz-replay-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A CloudTrail S3 log file of some real records. */
const logFile = fc.array(fc.constantFrom(...FIXTURE_NAMES), { minLength: 1, maxLength: 4 }).map((names) => JSON.stringify({ Records: names.map(recordOf) }));
const ndjson = fc.array(fc.oneof(fc.constantFrom(...FIXTURE_NAMES).map((n) => JSON.stringify(recordOf(n))), oddString.filter((s) => !s.includes('\n')), fc.constant('')), { maxLength: 6 }).map((lines) => lines.join('\n'));

/** Junk: bytes, and real text cut, spliced, nested or wrapped oddly. */
const content: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b)),
  fc.tuple(logFile, fc.nat(), fc.boolean()).map(([text, cut, gz]) => {
    const data = Buffer.from(text.slice(0, cut % (text.length + 1)));
    return gz ? gzipSync(data) : data;
  }),
  fc.tuple(logFile, fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 16 })).map(([text, at, junk]) => {
    const gz = gzipSync(Buffer.from(text));
    const i = at % gz.length;
    return Buffer.concat([gz.subarray(0, i), Buffer.from(junk), gz.subarray(i + junk.length)]); // corrupted gzip
  }),
  fc.tuple(logFile, fc.nat()).map(([text, cut]) => gzipSync(Buffer.from(text)).subarray(0, cut % 200)), // truncated gzip
  ndjson.map((t) => Buffer.from(t)),
  fc.tuple(logFile, oddString, fc.nat()).map(([text, odd, at]) => Buffer.from(text.slice(0, at % text.length) + odd + text.slice(at % text.length))),
  fc.constantFrom('', '\uFEFF', '[', ']', '{}', '[]', '{"Records":', '{"Records":[}', '{"Records":null}', '{"Records":[1,"a",null]}', 'null', '"x"', '}{', ']]]]').map((t) => Buffer.from(t)),
  fc.constantFrom(nestedJson(10_000, 'array'), nestedJson(10_000, 'object'), `{"Records":[${nestedJson(5000, 'object')}]}`).map((t) => Buffer.from(t)),
);

// A soak (FC_NUM_RUNS, README) writes and reads that many files: it gets the time, not jest's 5 s default.
jest.setTimeout(5_000 + (Number(process.env.FC_NUM_RUNS) || 0) * 20);

let n = 0;
describe('readRecords under fuzzing', () => {
  it('always resolves, hands over every record it counts once, and each record parses or fails with EventParseError', async () => {
    await fc.assert(
      fc.asyncProperty(content, fc.constantFrom('json', 'json.gz', 'ndjson'), async (bytes, ext) => {
        // Prepare
        const file = path.join(dir, `f${n++}.${ext}`);
        writeFileSync(file, bytes);
        let handed = 0;
        const handlers = {
          record(value: unknown) {
            handed++;
            try {
              parseChange(value);
            } catch (cause) {
              if (!(cause instanceof EventParseError)) throw cause;
            }
          },
          malformed(_at: unknown, message: string) {
            handed++;
            expect(typeof message).toBe('string');
          },
        };

        // Act
        const outcome = await readRecords(file, handlers);

        // Assess
        expect(outcome.records).toBe(handed);
        if (outcome.error !== undefined) expect(typeof outcome.error).toBe('string');
      }),
      runs(300),
    );
  });
});

describe('RecordSplitter under fuzzing', () => {
  /** The texts the splitter emits for `text` pushed in the given chunks, or the InputFormatError message. */
  function split(text: string, cuts: number[]): { texts: string[]; error?: string } {
    const texts: string[] = [];
    const splitter = new RecordSplitter((json) => void texts.push(json));
    const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
    let from = 0;
    try {
      for (const p of [...points, text.length]) {
        splitter.push(text.slice(from, p));
        from = p;
      }
      splitter.end();
    } catch (cause) {
      if (cause instanceof InputFormatError) return { texts, error: cause.message };
      throw cause;
    }
    return { texts };
  }

  it('emits the same records whatever the chunking, and throws only InputFormatError', () => {
    fc.assert(
      fc.property(fc.oneof(logFile, ndjson, fc.string({ unit: 'binary', maxLength: 200 }), content.map((b) => b.toString('utf8'))), fc.array(fc.nat(), { maxLength: 8 }), (text, cuts) => {
        const whole = split(text, []);
        const chunked = split(text, cuts);
        expect(chunked).toEqual(whole);
      }),
      runs(300),
    );
  });
});
