import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { controlIds } from '../controls/registry';
import { loadPolicyFile, parsePolicy, PolicyFileError } from './load';
import { policyErrorOf } from '../../test/support/policy-error';

const EXAMPLE_POLICY = path.resolve(__dirname, '..', '..', 'policy.yml');
const FILE = 'team/policy.yml';

describe('loadPolicyFile', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'policy-load-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads the example policy.yml shipped with the repository', () => {
    // Act
    const policy = loadPolicyFile(EXAMPLE_POLICY, controlIds);

    // Assess
    expect(policy.trustedAccounts).toEqual(['111122223333']);
    expect(policy.organizationId).toBe('o-a1b2c3d4e5');
    expect(policy.trustedPrincipals).toEqual(['arn:aws:iam::*:role/deployer']);
    expect(policy.protect.queues).toEqual(['*-dlq']);
    expect(policy.defaults).toEqual({ mode: 'alert', dryRun: true });
    expect(policy.controls['bus-policy-public']).toEqual({ mode: 'remediate' });
    expect(policy.exemptions).toEqual([
      {
        resource: 'arn:aws:events:*:*:event-bus/partner-*',
        controls: ['bus-policy-untrusted-account'],
        reason: "Partner event buses receive events from the partner's account (SEC-1234)",
        expires: '2027-06-30',
      },
    ]);
  });

  it('reports a missing file as a PolicyFileError naming the file', () => {
    // Prepare
    const missing = path.join(dir, 'no-such-policy.yml');

    // Act
    const error = policyErrorOf(() => loadPolicyFile(missing, controlIds));

    // Assess
    expect(error.file).toBe(missing);
    expect(error.message).toContain(missing);
    expect(error.problems).toEqual([expect.stringMatching(/^cannot read: .*ENOENT/)]);
  });

  it('reports problems in a file on disk with that file name', () => {
    // Prepare
    const file = path.join(dir, 'policy.yml');
    writeFileSync(file, 'colour: red\n');

    // Act
    const error = policyErrorOf(() => loadPolicyFile(file, controlIds));

    // Assess
    expect(error.message).toContain(`invalid policy file ${file}`);
    expect(error.problems).toEqual(['colour: unknown key']);
  });
});

describe('parsePolicy', () => {
  it.each([
    ['an empty file', ''],
    ['a file holding only comments', '# nothing configured yet\n'],
  ])('fills in every default for %s', (_name, text) => {
    // Act
    const policy = parsePolicy(text, FILE, controlIds);

    // Assess
    expect(policy).toEqual({
      trustedAccounts: [],
      trustedPrincipals: [],
      breakGlassPrincipals: [],
      allowedDestinations: [],
      protect: { buses: [], rules: [], keys: [], trails: [], queues: [], topics: [] },
      minimumDlqRetentionSeconds: 1209600,
      requireBusCmk: false,
      remediationLoop: { maxRemediations: 3, windowMinutes: 60 },
      defaults: { mode: 'alert', dryRun: true },
      controls: {},
      exemptions: [],
      tags: [],
      sweep: { iamGrants: false },
      alerts: { dedupWindowMinutes: 15, stormThresholdPerMinute: 20, securityHub: false },
      accessDeniedBurst: { threshold: 5, windowSeconds: 300 },
      responder: { resources: [], deployPrincipals: [] },
    });
  });

  it.each([
    ['keeps dry-run on when only the mode is set', 'defaults:\n  mode: remediate\n', { mode: 'remediate', dryRun: true }],
    ['keeps mode alert when only dry-run is set', 'defaults:\n  dryRun: false\n', { mode: 'alert', dryRun: false }],
  ])('%s', (_name, text, expected) => {
    // Act
    const policy = parsePolicy(text, FILE, controlIds);

    // Assess
    expect(policy.defaults).toEqual(expected);
  });

  it('accepts every registered control id in controls and exemptions', () => {
    // Prepare
    const text = [
      'controls:',
      ...controlIds.map((id) => `  ${id}: { mode: off }`),
      'exemptions:',
      '  - resource: "arn:aws:events:*:*:event-bus/partner-*"',
      `    controls: [${controlIds.join(', ')}]`,
      '    reason: "approved by security (SEC-1)"',
      '    expires: 2027-06-30',
    ].join('\n');

    // Act
    const policy = parsePolicy(text, FILE, controlIds);

    // Assess
    expect(Object.keys(policy.controls)).toEqual([...controlIds]);
    expect(policy.exemptions[0]?.controls).toEqual([...controlIds]);
  });

  const exemption = (lines: string[]) =>
    ['exemptions:', '  - resource: "arn:aws:events:*:*:event-bus/partner-*"', ...lines.map((l) => `    ${l}`)].join('\n');

  it.each([
    ['an unknown top-level key', 'colour: red\n', 'colour: unknown key'],
    ['an unknown nested key', 'protect:\n  busses: ["*"]\n', 'protect.busses: unknown key'],
    ['an unknown key in defaults', 'defaults:\n  dryrun: false\n', 'defaults.dryrun: unknown key'],
    ['an account id of the wrong type', 'trustedAccounts: [12]\n', 'trustedAccounts.0: expected string (number)'],
    ['an account id that is not 12 digits', 'trustedAccounts: ["11112222333"]\n', 'trustedAccounts.0: a 12-digit AWS account id'],
    ['a malformed organizationId', 'organizationId: org-a1b2c3d4e5\n', 'organizationId: an AWS Organizations id like o-a1b2c3d4e5'],
    ['a dryRun written as a string', 'defaults:\n  dryRun: "false"\n', 'defaults.dryRun: expected boolean (string)'],
    ['an empty trustedPrincipals glob', 'trustedPrincipals: [""]\n', 'trustedPrincipals.0: a non-empty glob'],
  ])('rejects %s, naming the key path', (_name, text, problem) => {
    // Act
    const error = policyErrorOf(() => parsePolicy(text, FILE, controlIds));

    // Assess
    expect(error.file).toBe(FILE);
    expect(error.message).toContain(`invalid policy file ${FILE}`);
    expect(error.problems).toEqual([problem]);
  });

  it.each([
    ['in defaults', 'defaults:\n  mode: block\n', 'defaults.mode'],
    ['for one control', 'controls:\n  bus-policy-public: { mode: block }\n', 'controls.bus-policy-public.mode'],
  ])('rejects a mode value that is not off, alert or remediate %s', (_name, text, keyPath) => {
    // Act
    const error = policyErrorOf(() => parsePolicy(text, FILE, controlIds));

    // Assess
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(new RegExp(`^${keyPath.replace(/\./g, '\\.')}: .*"off".*"alert".*"remediate"`));
  });

  it('rejects an unknown control id in controls, listing the valid ids', () => {
    // Act
    const error = policyErrorOf(() => parsePolicy('controls:\n  bus-policy-pubic: { mode: alert }\n', FILE, controlIds));

    // Assess
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^controls\.bus-policy-pubic: unknown control "bus-policy-pubic"/);
    for (const id of controlIds) expect(error.problems[0]).toContain(id);
  });

  it('rejects an unknown control id in an exemption, listing the valid ids', () => {
    // Prepare
    const text = exemption(['controls: [bus-policy-pubic]', 'reason: "SEC-1"', 'expires: 2027-06-30']);

    // Act
    const error = policyErrorOf(() => parsePolicy(text, FILE, controlIds));

    // Assess
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^exemptions\.0\.controls\.0: /);
    for (const id of controlIds) expect(error.problems[0]).toContain(id);
  });

  it.each([
    ['without a reason', ['controls: ["*"]', 'expires: 2027-06-30'], /^exemptions\.0\.reason: /],
    ['with an empty reason', ['controls: ["*"]', 'reason: ""', 'expires: 2027-06-30'], /^exemptions\.0\.reason: a reason/],
    ['without controls', ['controls: []', 'reason: "SEC-1"', 'expires: 2027-06-30'], /^exemptions\.0\.controls: /],
    ['without an expiry date', ['controls: ["*"]', 'reason: "SEC-1"'], /^exemptions\.0\.expires: /],
    ['with an expiry that is not a date', ['controls: ["*"]', 'reason: "SEC-1"', 'expires: next tuesday'], /^exemptions\.0\.expires: a date written YYYY-MM-DD$/],
    ['with an expiry month 13', ['controls: ["*"]', 'reason: "SEC-1"', 'expires: 2027-13-01'], /^exemptions\.0\.expires: a date written YYYY-MM-DD$/],
    ['with an expiry written day-first', ['controls: ["*"]', 'reason: "SEC-1"', 'expires: 30-06-2027'], /^exemptions\.0\.expires: a date written YYYY-MM-DD$/],
    ['with an expiry on a day the month does not have', ['controls: ["*"]', 'reason: "SEC-1"', 'expires: 2027-02-30'], /^exemptions\.0\.expires: a date written YYYY-MM-DD$/],
  ])('rejects an exemption %s', (_name, lines, problem) => {
    // Act
    const error = policyErrorOf(() => parsePolicy(exemption(lines), FILE, controlIds));

    // Assess
    expect(error.problems).toEqual([expect.stringMatching(problem)]);
  });

  it('reports every problem at once, not just the first', () => {
    // Prepare
    const text = ['colour: red', 'trustedAccounts: [12]', 'organizationId: org-1', 'protect:', '  busses: ["*"]'].join('\n');

    // Act
    const error = policyErrorOf(() => parsePolicy(text, FILE, controlIds));

    // Assess
    expect([...error.problems].sort()).toEqual(
      [
        'colour: unknown key',
        'organizationId: an AWS Organizations id like o-a1b2c3d4e5',
        'protect.busses: unknown key',
        'trustedAccounts.0: expected string (number)',
      ].sort(),
    );
  });

  it('reports a YAML syntax error with its line', () => {
    // Act
    const error = policyErrorOf(() => parsePolicy('trustedAccounts: ["111122223333"\norganizationId: o-a1b2c3d4e5\n', FILE, controlIds));

    // Assess
    expect(error.message).toContain(`invalid policy file ${FILE}`);
    expect(error.problems.length).toBeGreaterThan(0);
    for (const problem of error.problems) expect(problem).toMatch(/^YAML: .* at line \d+, column \d+/);
  });

  it('rejects a duplicated key, naming the key and its line', () => {
    // Prepare
    const text = 'organizationId: o-a1b2c3d4e5\ntrustedAccounts: []\norganizationId: o-f6g7h8i9j0\n';

    // Act
    const error = policyErrorOf(() => parsePolicy(text, FILE, controlIds));

    // Assess
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/unique/);
    expect(error.problems[0]).toContain('line 3');
    expect(error.problems[0]).toContain('organizationId');
  });
});

describe('parsePolicy: alerts', () => {
  it.each([
    ['a dedup window of 0 minutes', 'alerts: { dedupWindowMinutes: 0 }\n', 'alerts.dedupWindowMinutes'],
    ['a storm threshold that is not a number', 'alerts: { stormThresholdPerMinute: many }\n', 'alerts.stormThresholdPerMinute'],
    ['securityHub as a string', 'alerts: { securityHub: "yes" }\n', 'alerts.securityHub'],
    ['an unknown key', 'alerts: { digestEmail: a@example.com }\n', 'alerts.digestEmail: unknown key'],
  ])('rejects %s, naming the key', (_name, text, key) => {
    // Act
    const parse = () => parsePolicy(text, FILE, controlIds);

    // Assess
    expect(parse).toThrow(key);
  });

  it('keeps the defaults of the keys not given', () => {
    // Act
    const policy = parsePolicy('alerts: { securityHub: true }\n', FILE, controlIds);

    // Assess
    expect(policy.alerts).toEqual({ dedupWindowMinutes: 15, stormThresholdPerMinute: 20, securityHub: true });
  });
});

describe('parsePolicy: accessDeniedBurst and responder', () => {
  it.each([
    ['a threshold of 1 (every denial would alert)', 'accessDeniedBurst: { threshold: 1 }\n', 'accessDeniedBurst.threshold'],
    ['a window under a minute', 'accessDeniedBurst: { windowSeconds: 10 }\n', 'accessDeniedBurst.windowSeconds'],
    ['an unknown burst key', 'accessDeniedBurst: { limit: 5 }\n', 'accessDeniedBurst.limit: unknown key'],
    ['responder resources that are not a list', 'responder: { resources: "arn:aws:lambda:*" }\n', 'responder.resources'],
    ['an unknown responder key', 'responder: { functions: [] }\n', 'responder.functions: unknown key'],
  ])('rejects %s, naming the key', (_name, text, key) => {
    expect(() => parsePolicy(text, FILE, controlIds)).toThrow(key);
  });

  it('keeps the defaults of the keys not given', () => {
    expect(parsePolicy('accessDeniedBurst: { threshold: 10 }\n', FILE, controlIds).accessDeniedBurst).toEqual({ threshold: 10, windowSeconds: 300 });
  });
});
