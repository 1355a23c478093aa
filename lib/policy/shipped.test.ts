import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CONTROL_IDS } from '../controls/ids';
import { loadPolicyFile, policyAsJson } from './load';
import { loadShippedPolicy, policyDigest } from './shipped';
import { policyErrorOf } from '../../test/support/policy-error';

const EXAMPLE_POLICY = path.resolve(__dirname, '..', '..', 'policy.yml');

// A document the validator refuses (an unknown key): when it is taken as it is, only the digest
// can have let it through, which is how these tests tell the two paths apart.
const REFUSED = '{ "protect": { "bus": ["*"] } }\n';

describe('loadShippedPolicy: the policy a deployed function starts with', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'shipped-policy-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const ship = (text: string) => writeFileSync(path.join(root, 'policy.json'), text);

  it('is the validated policy the package step wrote, taken as it is when its digest is the one recorded', () => {
    // Prepare: what `serverless package` ships and records.
    const json = policyAsJson(readFileSync(EXAMPLE_POLICY, 'utf8'), 'policy.yml', CONTROL_IDS);
    ship(json);

    // Act
    const policy = loadShippedPolicy({ LAMBDA_TASK_ROOT: root, DRIFT_POLICY_SHA256: policyDigest(json) }, CONTROL_IDS);

    // Assess
    expect(policy).toEqual(loadPolicyFile(EXAMPLE_POLICY, CONTROL_IDS));
  });

  it('does not validate a file whose digest is the one recorded (the package step validated those bytes)', () => {
    // Prepare
    ship(REFUSED);

    // Act
    const policy = loadShippedPolicy({ LAMBDA_TASK_ROOT: root, DRIFT_POLICY_SHA256: policyDigest(REFUSED).toUpperCase() }, CONTROL_IDS);

    // Assess
    expect(policy).toEqual(JSON.parse(REFUSED));
  });

  it.each([
    ['another digest is recorded (edited after packaging, or deployed with an older environment)', (text: string) => ({ DRIFT_POLICY_SHA256: policyDigest(`${text} `) })],
    ['no digest is recorded', () => ({})],
    ['DRIFT_POLICY_FILE names the file, whatever digest is recorded', (text: string) => ({ DRIFT_POLICY_FILE: 'FILE', DRIFT_POLICY_SHA256: policyDigest(text) })],
  ])('validates the file in full when %s', (_case, environment) => {
    // Prepare
    ship(REFUSED);
    const env = Object.fromEntries(Object.entries({ LAMBDA_TASK_ROOT: root, ...environment(REFUSED) }).map(([k, v]) => [k, v === 'FILE' ? path.join(root, 'policy.json') : v]));

    // Act
    const error = policyErrorOf(() => loadShippedPolicy(env, CONTROL_IDS));

    // Assess
    expect(error.problems).toEqual(['protect.bus: unknown key']);
  });

  it('fills in the defaults when it validates (the same policy either way)', () => {
    // Prepare
    ship('{ "trustedAccounts": ["111122223333"] }');

    // Act
    const policy = loadShippedPolicy({ LAMBDA_TASK_ROOT: root, DRIFT_POLICY_SHA256: policyDigest('something else') }, CONTROL_IDS);

    // Assess
    expect(policy.trustedAccounts).toEqual(['111122223333']);
    expect(policy.defaults).toEqual({ mode: 'alert', dryRun: true });
  });

  it('names the file when it cannot be read, digest or not', () => {
    // Act
    const error = policyErrorOf(() => loadShippedPolicy({ LAMBDA_TASK_ROOT: root, DRIFT_POLICY_SHA256: policyDigest('{}') }, CONTROL_IDS));

    // Assess
    expect(error.file).toBe(path.join(root, 'policy.json'));
    expect(error.problems).toEqual([expect.stringMatching(/^cannot read: ENOENT/)]);
  });
});
