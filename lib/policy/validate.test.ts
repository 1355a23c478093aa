import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CONTROL_IDS } from '../controls/ids';
import { loadPolicyFile, policyAsJson } from './load';
import { loadJsonPolicyFile, PolicyFileError } from './validate';
import { policyErrorOf } from '../../test/support/policy-error';

const EXAMPLE_POLICY = path.resolve(__dirname, '..', '..', 'policy.yml');

describe('the policy the functions read: policy.json written from the YAML policy', () => {
  let dir: string;
  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'policy-json-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('is the same policy as the YAML file it was written from (the example policy.yml)', () => {
    // Prepare
    const json = policyAsJson(readFileSync(EXAMPLE_POLICY, 'utf8'), 'policy.yml', CONTROL_IDS);

    // Act
    const shipped = loadJsonPolicyFile(write('policy.json', json), CONTROL_IDS);

    // Assess
    expect(shipped).toEqual(loadPolicyFile(EXAMPLE_POLICY, CONTROL_IDS));
    expect(shipped.controls['bus-policy-public']).toEqual({ mode: 'remediate' });
  });

  it.each([
    ['a tag exemption with its expiry', 'tags:\n  - { match: { Team: "sec*" }, exempt: { reason: "owned by security", expires: 2027-01-31 } }\n'],
    ['flow and block style, anchors and aliases', 'protect:\n  rules: &rules ["prod-*", \'orders\']\n  buses: *rules\ndefaults: { mode: alert, dryRun: true }\n'],
    ['an empty document', ''],
  ])('keeps the meaning of %s', (_, yaml) => {
    // Act
    const json = policyAsJson(yaml, 'policy.yml', CONTROL_IDS);

    // Assess
    expect(loadJsonPolicyFile(write('policy.json', json), CONTROL_IDS)).toEqual(loadPolicyFile(write('policy.yml', yaml), CONTROL_IDS));
  });

  it.each([
    ['.inf', 'accessDeniedBurst: { threshold: .inf, windowSeconds: 300 }\n', 'accessDeniedBurst.threshold: expected number (Infinity)'],
    ['!!binary', 'trustedAccounts: [!!binary aGVsbG8=]\n', 'trustedAccounts.0: expected string (Buffer)'],
    ['!!set', 'protect: { rules: [!!set { a }] }\n', 'protect.rules.0: expected string (Set)'],
  ])('refuses a YAML value JSON cannot carry (%s) rather than ship another policy', (_, yaml, problem) => {
    // JSON.stringify would turn these into null, {} or a string: another policy, or none.
    const error = policyErrorOf(() => policyAsJson(yaml, 'team/policy.yml', CONTROL_IDS));

    // Assess
    expect(error.file).toBe('team/policy.yml');
    expect(error.problems).toEqual([problem]);
  });

  it('is validated at cold start like the YAML file, naming the file and the key', () => {
    // Prepare
    const file = write('policy.json', JSON.stringify({ defaults: { mode: 'sometimes' }, notAKey: 1 }));

    // Act
    const error = policyErrorOf(() => loadJsonPolicyFile(file, CONTROL_IDS));

    // Assess
    expect(error.file).toBe(file);
    expect(error.problems).toEqual(expect.arrayContaining(['notAKey: unknown key', expect.stringMatching(/^defaults\.mode: /)]));
  });

  it('names a YAML file given where JSON is read as the wiring mistake it is', () => {
    // Prepare
    const file = write('policy.yml', 'defaults:\n  mode: alert\n');

    // Act
    const error = policyErrorOf(() => loadJsonPolicyFile(file, CONTROL_IDS));

    // Assess
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^not JSON \(.+\): the functions read policy\.json, which `serverless package` writes from the YAML policy file/);
  });

  it('reports a missing file as a PolicyFileError naming it', () => {
    // Act
    const error = policyErrorOf(() => loadJsonPolicyFile(path.join(dir, 'missing.json'), CONTROL_IDS));

    // Assess
    expect(error.problems[0]).toMatch(/^cannot read: ENOENT/);
  });
});
