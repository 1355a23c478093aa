import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cloneWith, fixture, PUT_PERMISSION_LEGACY } from '../../test/support/fixtures';
import { main } from './cli';
import { PRODUCTION_TAG_POLICY } from '../../test/support/tag-policies';

// Replay with tag-driven policy: tags come from a file the user exports
// (`aws resourcegroupstaggingapi get-resources`), or resources are judged as untagged and the run says so.

const NOW = new Date('2026-11-29T12:00:00Z');
const DEFAULT_BUS = 'arn:aws:events:us-east-1:123456789012:event-bus/default';
const RULE = 'arn:aws:events:us-east-1:123456789012:rule/cttest2';
const POLICY = PRODUCTION_TAG_POLICY;

let dir: string;
const write = (name: string, content: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
};

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'replay-tags-'));
  // Real records (AWS docs clones): a PutPermission opening the default bus to everyone, and a DisableRule of cttest2.
  const records = [cloneWith(PUT_PERMISSION_LEGACY, (r) => (r.requestParameters.principal = '*')), fixture('events_DisableRule_synthetic-awsdocs-putrule-clone_1.json')];
  write('trail.json', JSON.stringify({ Records: records }));
  write('trail-copy.json', JSON.stringify({ Records: records }));
  write('policy.yml', POLICY);
  write(
    'tags.json',
    JSON.stringify({
      ResourceTagMappingList: [
        { ResourceARN: DEFAULT_BUS, Tags: [{ Key: 'Environment', Value: 'Production' }] },
        { ResourceARN: RULE, Tags: [{ Key: 'Environment', Value: 'Production' }] },
      ],
    }),
  );
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function replay(...extra: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(['replay', path.join(dir, 'trail.json'), '--config', path.join(dir, 'policy.yml'), '--format', 'ndjson', ...extra], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) }, NOW);
  const findings = stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line));
  return { code, findings, stderr };
}

describe('replay --tags', () => {
  test('tags from the export protect the rule and bind the bus to remediate without dry-run; findings carry the deciding tags', async () => {
    const { code, findings } = await replay('--tags', path.join(dir, 'tags.json'));

    expect(code).toBe(0);
    expect(findings.map((f) => [f.control, f.resource, f.remediation.status, f.remediation.reason.startsWith('would remove'), f.tags.tags])).toEqual([
      ['bus-policy-public', DEFAULT_BUS, 'planned', true, { Environment: 'Production' }],
      ['rule-disabled', RULE, 'planned', false, { Environment: 'Production' }],
    ]);
  });

  test('without --tags every resource is judged as untagged, the run says so, and so do the findings', async () => {
    const { findings, stderr } = await replay();

    expect(stderr).toContain('note: the policy has 1 tag rule(s) and no --tags file was given: every resource is judged as untagged');
    expect(findings.map((f) => [f.control, f.remediation.reason, f.tags.decisions])).toEqual([
      ['bus-policy-public', 'alert only: the control mode is "alert"', ['tags not known (no tags file given (--tags)): judged as untagged']],
    ]);
  });

  test('worker threads judge with the same tags as the main thread', async () => {
    const inProcess = await replay('--tags', path.join(dir, 'tags.json'), path.join(dir, 'trail-copy.json'), '--jobs', '1');
    const inWorkers = await replay('--tags', path.join(dir, 'tags.json'), path.join(dir, 'trail-copy.json'), '--jobs', '2');

    expect(inWorkers.findings).toEqual(inProcess.findings);
    expect(inWorkers.findings.filter((f) => f.tags?.tags?.Environment === 'Production').length).toBe(4);
  });

  test.each([
    ['a tags file that is not JSON', '{"ResourceTagMappingList": [', 'is not JSON'],
    ['a tags file keyed by names, not ARNs', '{"orders": {"Environment": "Production"}}', 'key "orders" is not an ARN'],
  ])('%s is a usage error naming the problem', async (_case, content, message) => {
    const file = write(`bad-${message.length}.json`, content);

    const { code, stderr } = await replay('--tags', file);

    expect([code, stderr.includes(message)]).toEqual([2, true]);
  });
});
