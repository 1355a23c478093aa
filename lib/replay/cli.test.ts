import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { parse, stringify } from 'yaml';
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

function run(argv: string[], now = NOW): Run {
  let stdout = '';
  let stderr = '';
  const code = main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) }, now);
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
  it('replays the bundled samples when given no PATH', () => {
    // Act
    const result = run(['replay', '--format', 'ndjson']);

    // Assess
    expect(result.code).toBe(0);
    expect(BUNDLED_SAMPLES).toBe(path.dirname(SAMPLE_FILE));
    expect(result.stderr).toContain(`replayed ${sampleRecords.length} record(s) from 1 of 1 file(s)`);
  });

  it('flags the open PutPermission in the bundled samples as bus-policy-public', () => {
    // Act
    const findings = ndjsonOf(run(['replay', '--format', 'ndjson']).stdout);

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

  it('raises nothing for the organization-conditioned PutPermission in the bundled samples', () => {
    // Act
    const findings = ndjsonOf(run(['replay', '--format', 'ndjson']).stdout);

    // Assess
    expect(findings.length).toBeGreaterThan(0);
    expect(findings.filter((f) => f.eventId === ORG_CONDITIONED_EVENT)).toEqual([]);
  });

  it('writes one parseable finding per line with --format ndjson', () => {
    // Act
    const result = run(['replay', SAMPLE_FILE, '--format', 'ndjson']);

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

  it('writes the same findings as a JSON array with --format json', () => {
    // Act
    const json = JSON.parse(run(['replay', SAMPLE_FILE, '--format', 'json']).stdout);
    const ndjson = ndjsonOf(run(['replay', SAMPLE_FILE, '--format', 'ndjson']).stdout);

    // Assess
    expect(json).toEqual(ndjson);
  });

  it('prints a table by default', () => {
    // Act
    const result = run(['replay', SAMPLE_FILE]);

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[0]).toMatch(/^TIME\s+SEVERITY\s+CONTROL\s+EVENT\s+RESOURCE\s+ACTOR\s+RESPONSE$/);
    expect(result.stdout).toContain('bus-policy-public');
  });

  it('suppresses a finding covered by an exemption in the --config policy', () => {
    // Prepare
    const config = examplePolicyWithExemption('exempt-default-bus.yml', {
      resource: 'arn:aws:events:us-east-1:123456789012:event-bus/default',
      controls: ['bus-policy-public'],
      reason: 'backtest: the default bus is public on purpose (SEC-42)',
      expires: '2026-12-31',
    });

    // Act
    const exempt = run(['replay', SAMPLE_FILE, '--config', config, '--format', 'ndjson']);
    const baseline = run(['replay', SAMPLE_FILE, '--format', 'ndjson']);

    // Assess
    expect(exempt.code).toBe(0);
    const publicEvents = (r: Run) => ndjsonOf(r.stdout).filter((f) => f.control === 'bus-policy-public').map((f) => f.eventId);
    expect(publicEvents(baseline).sort()).toEqual([PUBLIC_EVENT, PUBLIC_POLICY_EVENT].sort());
    expect(publicEvents(exempt)).toEqual([]);
    expect(exempt.stderr).toContain('2 suppressed by exemptions');
  });

  it('stops suppressing once the exemption has expired', () => {
    // Prepare
    const config = examplePolicyWithExemption('exempt-default-bus-expired.yml', {
      resource: 'arn:aws:events:us-east-1:123456789012:event-bus/default',
      controls: ['bus-policy-public'],
      reason: 'backtest (SEC-42)',
      expires: '2025-12-31',
    });

    // Act
    const result = run(['replay', SAMPLE_FILE, '--config', config, '--format', 'ndjson']);

    // Assess
    expect(ndjsonOf(result.stdout).map((f) => f.eventId)).toContain(PUBLIC_EVENT);
    expect(result.stderr).not.toContain('suppressed');
  });

  it('reports each unreadable input by file name and still replays the others', () => {
    // Prepare
    const missing = path.join(dir, 'no-such-log.json.gz');
    const whole = gzipSync(readFileSync(SAMPLE_FILE));
    const truncated = write('truncated.json.gz', whole.subarray(0, Math.floor(whole.length / 2)));
    const badLine = write('bad-line.ndjson', `${JSON.stringify(JSON.parse(readFileSync(LEGACY_FORM, 'utf8')))}\nnot json at all\n`);

    // Act
    const result = run(['replay', missing, truncated, badLine, SAMPLE_FILE, '--format', 'ndjson']);

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`error: ${missing}: no such file or directory`);
    expect(result.stderr).toContain(`error: ${truncated}: corrupt gzip`);
    expect(result.stderr).toContain(`error: ${badLine}: line 2 is not JSON`);
    expect(ndjsonOf(result.stdout).map((f) => f.eventId)).toContain(PUBLIC_EVENT);
    expect(result.stderr).toContain(`replayed ${sampleRecords.length} record(s) from 1 of 4 file(s)`);
  });

  it('reports a record that is not a CloudTrail event by file and position, and keeps going', () => {
    // Prepare
    const record13 = sampleRecords.find((r) => r.eventID === PUBLIC_EVENT);
    const file = write('mixed.ndjson', `{"hello":"world"}\n${JSON.stringify(record13)}\n`);

    // Act
    const result = run(['replay', file, '--format', 'ndjson']);

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`error: ${file} record 1: not a CloudTrail record`);
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
  ])('exits %i for %s', (code, _name, argv) => {
    // Act
    const result = run(argv());

    // Assess
    expect(result.code).toBe(code);
  });

  it.each([
    ['an unknown --format', ['replay', '--format', 'xml'], '--format must be one of table, json, ndjson (got "xml")'],
    ['an unknown command', ['backtest'], 'unknown command "backtest"'],
  ])('explains %s on stderr and writes no findings', (_name, argv, explanation) => {
    // Act
    const result = run(argv);

    // Assess
    expect(result.stderr).toContain(explanation);
    expect(result.stdout).toBe('');
  });

  it('names the invalid policy file and the offending key', () => {
    // Prepare
    const config = write('typo.yml', 'protect:\n  busses: ["*"]\n');

    // Act
    const result = run(['replay', '--config', config]);

    // Assess
    expect(result.stderr).toContain(`invalid policy file ${config}`);
    expect(result.stderr).toContain('protect.busses: unknown key');
    expect(result.stdout).toBe('');
  });

  it('prints the usage for --help', () => {
    // Act
    const result = run(['replay', '--help']);

    // Assess
    expect(result.stdout).toBe(USAGE);
  });
});
