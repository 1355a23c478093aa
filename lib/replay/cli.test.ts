import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { parse, stringify } from 'yaml';
import { randomUUID } from 'node:crypto';
import { controlIds } from '../controls/registry';
import { BUNDLED_POLICY, BUNDLED_SAMPLES, main, USAGE } from './cli';

const ROOT = path.resolve(__dirname, '..', '..');
const SAMPLE_FILE = path.join(ROOT, 'samples', 'cloudtrail-sample.json');
const LEGACY_FORM = path.join(ROOT, 'test', 'fixtures', 'cloudtrail', 'events_PutPermission_synthetic-awsdocs-putrule-clone_1.json');
/** Sample record 13: principal "*", no condition. */
const PUBLIC_EVENT = '7b5e1fc9-0dab-47ee-8811-e6957861e61b';
/** Sample record 14: principal "*" conditioned on the policy's organization: compliant. */
const ORG_CONDITIONED_EVENT = 'd69f6886-9520-447d-8653-a1471393ca10';
/** Sample record 16: policy form with an open statement on the default bus. */
const PUBLIC_POLICY_EVENT = '6acbc744-41fe-477a-96cc-dc5662d01f54';
const NOW = new Date('2026-01-15T12:00:00Z');

/** The example policy with one more exemption, as a policy file a user would pass with --config. */
function examplePolicyWithExemption(name: string, exemption: Record<string, unknown>): string {
  const policy = parse(readFileSync(BUNDLED_POLICY, 'utf8'));
  policy.exemptions = [...(policy.exemptions ?? []), exemption];
  return write(name, stringify(policy));
}
const sampleRecords: Array<Record<string, any>> = JSON.parse(readFileSync(SAMPLE_FILE, 'utf8')).Records;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(argv: string[], now = NOW, isTerminal = false): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), isTerminal }, now);
  return { code, stdout, stderr };
}

type NdjsonFinding = { control: string; severity: string; eventId: string; eventName: string; resource: string; [key: string]: unknown };
const ndjsonOf = (stdout: string): NdjsonFinding[] =>
  stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));

let dir: string;
function write(name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'replay-cli-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('drift-responder replay', () => {
  it('replays the bundled samples when given no PATH', async () => {
    // Act
    const result = await run(['replay', '--format', 'ndjson']);

    // Assess
    expect(result.code).toBe(0);
    expect(BUNDLED_SAMPLES).toBe(path.dirname(SAMPLE_FILE));
    expect(result.stderr).toContain(`replayed ${sampleRecords.length} record(s) from 1 of 1 file(s)`);
  });

  it('flags the open PutPermission in the bundled samples as bus-policy-public', async () => {
    // Act
    const findings = ndjsonOf((await run(['replay', '--format', 'ndjson'])).stdout);

    // Assess
    expect(findings).toContainEqual(
      expect.objectContaining({
        control: 'bus-policy-public',
        severity: 'critical',
        eventId: PUBLIC_EVENT,
        eventName: 'PutPermission',
        resource: 'arn:aws:events:us-east-1:123456789012:event-bus/default',
      }),
    );
  });

  it('raises nothing for the organization-conditioned PutPermission in the bundled samples', async () => {
    // Act
    const findings = ndjsonOf((await run(['replay', '--format', 'ndjson'])).stdout);

    // Assess
    expect(findings.length).toBeGreaterThan(0);
    expect(findings.filter((f) => f.eventId === ORG_CONDITIONED_EVENT)).toEqual([]);
  });

  it('writes one parseable finding per line with --format ndjson', async () => {
    // Act
    const result = await run(['replay', SAMPLE_FILE, '--format', 'ndjson']);

    // Assess
    const lines = result.stdout.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(JSON.parse(line)).toEqual(
        expect.objectContaining({
          control: expect.any(String),
          severity: expect.any(String),
          eventId: expect.any(String),
          eventName: expect.any(String),
          resource: expect.any(String),
        }),
      );
    }
  });

  it('writes the same findings, with the summary, as one JSON document with --format json', async () => {
    // Act
    const json = JSON.parse((await run(['replay', SAMPLE_FILE, '--format', 'json'])).stdout);
    const ndjson = ndjsonOf((await run(['replay', SAMPLE_FILE, '--format', 'ndjson'])).stdout);

    // Assess
    expect(json.findings).toEqual(ndjson);
    expect(json.summary.records.total).toBe(sampleRecords.length);
    expect(json.summary.findings.byControl['bus-policy-public']).toEqual({ critical: 2, high: 0, medium: 0, low: 0, info: 0 });
    expect(json.problems).toEqual([]);
  });

  it('prints a table by default', async () => {
    // Act
    const result = await run(['replay', SAMPLE_FILE]);

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[0]).toMatch(/^TIME\s+SEVERITY\s+CONTROL\s+EVENT\s+RESOURCE\s+ACTOR\s+RESPONSE$/);
    expect(result.stdout).toContain('bus-policy-public');
  });

  it('suppresses a finding covered by an exemption in the --config policy', async () => {
    // Prepare
    const config = examplePolicyWithExemption('exempt-default-bus.yml', {
      resource: 'arn:aws:events:us-east-1:123456789012:event-bus/default',
      controls: ['bus-policy-public'],
      reason: 'backtest: the default bus is public on purpose (SEC-42)',
      expires: '2026-12-31',
    });

    // Act
    const exempt = await run(['replay', SAMPLE_FILE, '--config', config, '--format', 'ndjson']);
    const baseline = await run(['replay', SAMPLE_FILE, '--format', 'ndjson']);

    // Assess
    expect(exempt.code).toBe(0);
    const publicEvents = (r: Run) => ndjsonOf(r.stdout).filter((f) => f.control === 'bus-policy-public').map((f) => f.eventId);
    expect(publicEvents(baseline).sort()).toEqual([PUBLIC_EVENT, PUBLIC_POLICY_EVENT].sort());
    expect(publicEvents(exempt)).toEqual([]);
    expect(exempt.stderr).toContain('2 suppressed by exemptions');
  });

  it('stops suppressing once the exemption has expired', async () => {
    // Prepare
    const config = examplePolicyWithExemption('exempt-default-bus-expired.yml', {
      resource: 'arn:aws:events:us-east-1:123456789012:event-bus/default',
      controls: ['bus-policy-public'],
      reason: 'backtest (SEC-42)',
      expires: '2025-12-31',
    });

    // Act
    const result = await run(['replay', SAMPLE_FILE, '--config', config, '--format', 'ndjson']);

    // Assess
    expect(ndjsonOf(result.stdout).map((f) => f.eventId)).toContain(PUBLIC_EVENT);
    expect(result.stderr).not.toContain('suppressed');
  });

  it('reports each unreadable input by file name, and by record where it can, and still replays the rest', async () => {
    // Prepare
    const missing = path.join(dir, 'no-such-log.json.gz');
    const whole = gzipSync(readFileSync(SAMPLE_FILE));
    const truncated = write('truncated.json.gz', whole.subarray(0, Math.floor(whole.length / 2)));
    const badLine = write('bad-line.ndjson', `${JSON.stringify(JSON.parse(readFileSync(LEGACY_FORM, 'utf8')))}\nnot json at all\n`);

    // Act
    const result = await run(['replay', missing, truncated, badLine, SAMPLE_FILE, '--format', 'ndjson']);

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`error: ${missing}: no such file or directory`);
    expect(result.stderr).toContain(`error: ${truncated}: corrupt gzip: unexpected end of file (after `);
    expect(result.stderr).toContain(`error: ${badLine} record 2 (line 2): not JSON (`);
    expect(ndjsonOf(result.stdout).map((f) => f.eventId)).toContain(PUBLIC_EVENT);
    // The records before the cut in the truncated file, both lines of the NDJSON file (one malformed), all of the sample.
    const beforeCut = Number(/corrupt gzip: unexpected end of file \(after (\d+) record/.exec(result.stderr)?.[1]);
    expect(beforeCut).toBeGreaterThan(0);
    expect(result.stderr).toContain(
      `replayed ${beforeCut + 2 + sampleRecords.length} record(s) from 3 of 4 file(s) with policy policy.yml: `,
    );
    expect(result.stderr).toContain('; 3 problem(s): 1 unreadable file(s), 1 file(s) read only in part, 1 malformed record(s)\n');
  });

  it('reports a record that is not a CloudTrail event by file and position, and keeps going', async () => {
    // Prepare
    const record13 = sampleRecords.find((r) => r.eventID === PUBLIC_EVENT);
    const file = write('mixed.ndjson', `{"hello":"world"}\n${JSON.stringify(record13)}\n`);

    // Act
    const result = await run(['replay', file, '--format', 'ndjson']);

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`error: ${file} record 1: not a CloudTrail record`);
    expect(ndjsonOf(result.stdout).map((f) => f.eventId)).toEqual([PUBLIC_EVENT]);
  });

  it('reports a record of a log file with an empty eventName as not a CloudTrail record', async () => {
    // Prepare
    const record13 = sampleRecords.find((r) => r.eventID === PUBLIC_EVENT);
    const file = write('empty-name.json', JSON.stringify({ Records: [record13, { ...record13, eventID: randomUUID(), eventName: '' }] }));

    // Act
    const result = await run(['replay', file, '--format', 'ndjson']);

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`error: ${file} record 2: not a CloudTrail record: eventName:`);
    expect(ndjsonOf(result.stdout).map((f) => f.eventId)).toEqual([PUBLIC_EVENT]);
  });

  it.each([
    [0, 'the bundled samples', () => ['replay']],
    [0, 'a clean log file', () => ['replay', SAMPLE_FILE]],
    [0, 'replay --help', () => ['replay', '--help']],
    [0, 'top-level --help', () => ['--help']],
    [1, 'a path that does not exist', () => ['replay', path.join(dir, 'missing.json')]],
    [1, 'a truncated gzip log file', () => ['replay', write('half.json.gz', gzipSync(readFileSync(SAMPLE_FILE)).subarray(0, 100))]],
    [2, 'an unknown --format', () => ['replay', '--format', 'xml']],
    [2, 'an unknown option', () => ['replay', '--formt', 'json']],
    [2, 'an invalid --config policy', () => ['replay', '--config', write('invalid.yml', 'protect:\n  busses: ["*"]\n')]],
    [2, 'a --config file that does not exist', () => ['replay', '--config', path.join(dir, 'missing.yml')]],
    [2, 'an unknown command', () => ['backtest']],
    [2, 'no command at all', () => []],
  ])('exits %i for %s', async (code, _name, argv) => {
    // Act
    const result = await run(argv());

    // Assess
    expect(result.code).toBe(code);
  });

  it.each([
    ['an unknown --format', ['replay', '--format', 'xml'], '--format must be one of table, json, ndjson, html (got "xml")'],
    ['an unknown command', ['backtest'], 'unknown command "backtest"'],
  ])('explains %s on stderr and writes no findings', async (_name, argv, explanation) => {
    // Act
    const result = await run(argv);

    // Assess
    expect(result.stderr).toContain(explanation);
    expect(result.stdout).toBe('');
  });

  it('names the invalid policy file and the offending key', async () => {
    // Prepare
    const config = write('typo.yml', 'protect:\n  busses: ["*"]\n');

    // Act
    const result = await run(['replay', '--config', config]);

    // Assess
    expect(result.stderr).toContain(`invalid policy file ${config}`);
    expect(result.stderr).toContain('protect.busses: unknown key');
    expect(result.stdout).toBe('');
  });

  it('prints the usage for --help', async () => {
    // Act
    const result = await run(['replay', '--help']);

    // Assess
    expect(result.stdout).toBe(USAGE);
  });
});

/** The sample log file cut into one file per record (gzipped every other one), as a trail bucket holds many files. */
function sampleAsManyFiles(name: string): string {
  const folder = path.join(dir, name);
  mkdirSync(folder, { recursive: true });
  sampleRecords.forEach((record, i) => {
    const text = JSON.stringify({ Records: [record] });
    const file = path.join(folder, `part-${String(i).padStart(2, '0')}.json${i % 2 ? '.gz' : ''}`);
    writeFileSync(file, i % 2 ? gzipSync(text) : text);
  });
  return folder;
}

describe('drift-responder replay as a backtest', () => {
  it.each([
    ['--since a date keeps the records from the start of that day', ['--since', '2019-10-07'], (t: string) => t >= '2019-10-07T00:00:00Z'],
    ['--until a date keeps the records up to the end of that day', ['--until', '2015-11-18'], (t: string) => t <= '2015-11-18T23:59:59Z'],
    ['--since and --until timestamps keep the records between them', ['--since', '2021-03-23T18:58:30Z', '--until', '2024-07-31T13:00:00+00:00'], (t: string) => t >= '2021-03-23T18:58:30Z' && t <= '2024-07-31T13:00:00Z'],
  ])('%s and counts the others as skipped', async (_name, window, keep) => {
    // Prepare
    const kept = sampleRecords.filter((r) => keep(r.eventTime)).map((r) => r.eventID);
    const all = ndjsonOf((await run(['replay', SAMPLE_FILE, '--format', 'ndjson'])).stdout);

    // Act
    const result = await run(['replay', SAMPLE_FILE, '--format', 'ndjson', ...window]);

    // Assess
    expect(result.code).toBe(0);
    expect(ndjsonOf(result.stdout)).toEqual(all.filter((f) => kept.includes(f.eventId)));
    expect(result.stderr).toContain(`, ${sampleRecords.length - kept.length} record(s) outside --since/--until skipped`);
  });

  it.each([
    ['--since', 'last tuesday'],
    ['--until', '2024-02-30'],
    ['--since', '2024-01-01T10:00:00'],
  ])('rejects %s %s with exit 2', async (option, value) => {
    // Act
    const result = await run(['replay', SAMPLE_FILE, option, value]);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${option} must be a date (YYYY-MM-DD) or an ISO 8601 time with a zone`);
    expect(result.stdout).toBe('');
  });

  it('runs only the controls named by --control', async () => {
    // Act
    const result = await run(['replay', SAMPLE_FILE, '--format', 'json', '--control', 'bus-policy-public', '--control', 'key-disabled']);

    // Assess
    const json = JSON.parse(result.stdout);
    expect(new Set(json.findings.map((f: NdjsonFinding) => f.control))).toEqual(new Set(['bus-policy-public', 'key-disabled']));
    expect(json.summary.controls).toEqual(['bus-policy-public', 'key-disabled']);
  });

  it('rejects an unknown --control with exit 2, listing the valid ids', async () => {
    // Act
    const result = await run(['replay', SAMPLE_FILE, '--control', 'bus-policy-publik']);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`unknown control "bus-policy-publik"; valid ids: ${controlIds.join(', ')}`);
    expect(result.stdout).toBe('');
  });

  it.each([
    [3, 'a critical finding', ['--fail-on', 'critical']],
    [3, 'a finding above the threshold', ['--fail-on', 'medium']],
    [0, 'only findings below the threshold', ['--control', 'bus-policy-untrusted-account', '--fail-on', 'critical']],
    [2, 'an unknown severity', ['--fail-on', 'severe']],
  ])('exits %i with --fail-on for %s', async (code, _name, options) => {
    // Act
    const result = await run(['replay', SAMPLE_FILE, ...options]);

    // Assess
    expect(result.code).toBe(code);
  });

  it('lets --fail-on win over unreadable input, and says both', async () => {
    // Act
    const result = await run(['replay', SAMPLE_FILE, path.join(dir, 'absent.json'), '--fail-on', 'high']);

    // Assess
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('1 unreadable file(s)');
    expect(result.stderr).toMatch(/--fail-on high: \d+ finding\(s\) at or above it/);
  });

  it('prints findings per control and severity on stderr', async () => {
    // Act
    const result = await run(['replay', SAMPLE_FILE, '--control', 'bus-policy-public', '--control', 'bus-policy-untrusted-account']);

    // Assess
    expect(result.stderr).toMatch(/^CONTROL\s+CRITICAL\s+HIGH\s+MEDIUM\s+LOW\s+INFO\s+TOTAL$/m);
    expect(result.stderr).toMatch(/^bus-policy-public\s+2\s+0\s+0\s+0\s+0\s+2$/m);
    expect(result.stderr).toMatch(/^bus-policy-untrusted-account\s+0\s+1\s+0\s+0\s+0\s+1$/m);
    expect(result.stderr).toMatch(/^all controls\s+2\s+1\s+0\s+0\s+0\s+3$/m);
  });

  it('orders findings by event time, then event id', async () => {
    // Act
    const findings = ndjsonOf((await run(['replay', sampleAsManyFiles('ordered'), '--format', 'ndjson'])).stdout);

    // Assess
    const keys = findings.map((f) => `${f.eventTime} ${f.eventId}`);
    expect(keys.length).toBeGreaterThan(3);
    expect(keys).toEqual([...keys].sort());
  });

  it('gives the same result on worker threads as in one thread', async () => {
    // Prepare
    const folder = sampleAsManyFiles('parallel');

    // Act
    const oneThread = await run(['replay', folder, '--format', 'json', '--jobs', '1']);
    const twoWorkers = await run(['replay', folder, '--format', 'json', '--jobs', '2']);

    // Assess
    expect(twoWorkers.code).toBe(0);
    expect(JSON.parse(twoWorkers.stdout).findings.length).toBeGreaterThan(0);
    expect(twoWorkers.stdout).toBe(oneThread.stdout);
  });

  it('raises one access-denied-burst per principal and window across files and workers, at the denial that reaches the threshold', async () => {
    // Prepare: six denied PutPermission calls by one user within a minute (threshold 5 in the example policy), three files
    const legacy = JSON.parse(readFileSync(LEGACY_FORM, 'utf8'));
    const denials = Array.from({ length: 6 }, (_, i) => ({
      ...legacy,
      eventID: randomUUID(),
      eventTime: `2024-05-01T10:00:${String(50 - i * 5).padStart(2, '0')}Z`,
      errorCode: 'AccessDenied',
      errorMessage: 'User is not authorized to perform: events:PutPermission',
    }));
    const folder = path.join(dir, 'denials');
    mkdirSync(folder, { recursive: true });
    [0, 1, 2].forEach((f) => writeFileSync(path.join(folder, `denied-${f}.json`), JSON.stringify({ Records: denials.slice(f * 2, f * 2 + 2) })));
    const inTimeOrder = [...denials].sort((a, b) => a.eventTime.localeCompare(b.eventTime));

    // Act
    const results = [await run(['replay', folder, '--format', 'ndjson', '--jobs', '1']), await run(['replay', folder, '--format', 'ndjson', '--jobs', '2'])];

    // Assess
    for (const result of results) {
      const bursts = ndjsonOf(result.stdout).filter((f) => f.control === 'access-denied-burst');
      expect(bursts.map((f) => f.eventId)).toEqual([inTimeOrder[4]!.eventID]);
    }
  });

  it('shows progress on a terminal, on stderr only', async () => {
    // Act
    const terminal = await run(['replay', SAMPLE_FILE, '--format', 'ndjson'], NOW, true);
    const piped = await run(['replay', SAMPLE_FILE, '--format', 'ndjson'], NOW, false);

    // Assess
    expect(terminal.stderr).toMatch(/replay: [01]\/1 files, \d+ records, \d+ findings, [\d,]+ records\/s, ETA \d+:\d\d/);
    expect(terminal.stdout).toBe(piped.stdout);
    expect(piped.stderr).not.toContain('records/s');
  });

  it('writes a self-contained HTML report with --format html --out FILE', async () => {
    // Prepare
    const out = path.join(dir, 'report.html');
    const expected = ndjsonOf((await run(['replay', SAMPLE_FILE, '--format', 'ndjson'])).stdout);

    // Act
    const result = await run(['replay', SAMPLE_FILE, '--format', 'html', '--out', out]);

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    const html = readFileSync(out, 'utf8');
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/<(script|link|iframe|img)\b/i);
    expect(html).not.toMatch(/url\(/i);
    expect(html).toContain('<svg class="timeline"');
    for (const heading of ['By control', 'By severity', 'By actor', 'By resource']) expect(html).toContain(`<h3>${heading}</h3>`);
    for (const finding of expected) {
      expect(html).toContain(finding.eventId);
      expect(html).toContain(`>${finding.control}<`);
    }
  });

  it('escapes what the records say in the HTML report', async () => {
    // Prepare
    const record = { ...sampleRecords.find((r) => r.eventID === PUBLIC_EVENT), userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::123456789012:user/<img src=x onerror=alert(1)>' } };
    const file = write('hostile.json', JSON.stringify({ Records: [record] }));
    const out = path.join(dir, 'hostile.html');

    // Act
    await run(['replay', file, '--format', 'html', '--out', out]);

    // Assess
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('user/&#60;img src=x onerror=alert(1)&#62;');
    expect(html).not.toContain('<img');
  });
});
