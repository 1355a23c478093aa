import { readFileSync } from 'node:fs';
import path from 'node:path';
import { controlIds } from '../controls/registry';
import { parseChange } from '../events/parse';
import { dryRunOf, exemptionFor, isActorIn, isExpired, modeOf } from './decide';
import { parsePolicy } from './load';

const FIXTURES = path.resolve(__dirname, '..', '..', 'test', 'fixtures', 'cloudtrail');
const fixture = (name: string): Record<string, unknown> => JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8'));

const policyOf = (yaml: string) => parsePolicy(yaml, 'test-policy.yml', controlIds);

/**
 * The actor of the synthetic PutPermission record with its userIdentity replaced by the real
 * AssumedRole identity of panther's PutKeyPolicy record, renamed to the given role and session.
 */
function assumedRoleActor(role: string, session: string, withIssuer = true) {
  const identity = structuredClone(fixture('kms_PutKeyPolicy_panther-analysis_2.json').userIdentity) as Record<string, any>;
  identity.arn = `arn:aws:sts::123456789012:assumed-role/${role}/${session}`;
  identity.principalId = `AROAXXXXXXXXXXXXXXXXX:${session}`;
  identity.sessionContext.sessionIssuer.arn = `arn:aws:iam::123456789012:role/${role}`;
  identity.sessionContext.sessionIssuer.userName = role;
  if (!withIssuer) delete identity.sessionContext.sessionIssuer;
  const record = { ...fixture('events_PutPermission_synthetic-awsdocs-putrule-clone_1.json'), userIdentity: identity };
  return parseChange(record).actor;
}

const rootActor = parseChange(fixture('events_PutPermission_synthetic-awsdocs-putrule-clone_1.json')).actor;

describe('modeOf and dryRunOf', () => {
  const policy = policyOf(
    [
      'defaults: { mode: alert, dryRun: true }',
      'controls:',
      '  bus-policy-public: { mode: remediate, dryRun: false }',
      '  bus-policy-untrusted-account: { mode: off }',
    ].join('\n'),
  );

  it.each([
    ['bus-policy-public', 'remediate', false, 'the control sets both: the control wins'],
    ['bus-policy-untrusted-account', 'off', true, 'the control sets only mode: dryRun falls back to defaults'],
    ['a-control-the-policy-does-not-mention', 'alert', true, 'the control is not listed: defaults apply'],
  ])('gives %s mode %s and dryRun %s (%s)', (controlId, mode, dryRun) => {
    // Act
    const actual = { mode: modeOf(controlId, policy), dryRun: dryRunOf(controlId, policy) };

    // Assess
    expect(actual).toEqual({ mode, dryRun });
  });

  it('keeps dry-run on and mode alert when the policy says nothing', () => {
    // Prepare
    const empty = policyOf('');

    // Act
    const actual = { mode: modeOf('bus-policy-public', empty), dryRun: dryRunOf('bus-policy-public', empty) };

    // Assess
    expect(actual).toEqual({ mode: 'alert', dryRun: true });
  });

  it('takes a control dryRun true over defaults dryRun false', () => {
    // Prepare
    const policy = policyOf('defaults: { mode: remediate, dryRun: false }\ncontrols:\n  bus-policy-public: { dryRun: true }\n');

    // Act
    const dryRun = dryRunOf('bus-policy-public', policy);

    // Assess
    expect(dryRun).toBe(true);
  });
});

describe('exemptionFor', () => {
  const policy = policyOf(
    [
      'exemptions:',
      '  - resource: "arn:aws:events:*:*:event-bus/partner-*"',
      '    controls: [bus-policy-untrusted-account]',
      '    reason: "partner buses receive events from the partner (SEC-1234)"',
      '    expires: 2027-06-30',
      '  - resource: "arn:aws:events:us-east-1:123456789012:event-bus/sandbox"',
      '    controls: ["*"]',
      '    reason: "sandbox bus, torn down weekly (SEC-99)"',
      '    expires: 2027-06-30',
    ].join('\n'),
  );
  const during = new Date('2027-01-15T12:00:00Z');
  const partnerBus = 'arn:aws:events:eu-west-1:444455556666:event-bus/partner-acme';
  const sandboxBus = 'arn:aws:events:us-east-1:123456789012:event-bus/sandbox';

  it.each([
    ['a resource the glob matches, for the listed control', 'bus-policy-untrusted-account', partnerBus, 'SEC-1234'],
    ['any control, when the exemption lists "*"', 'bus-policy-public', sandboxBus, 'SEC-99'],
    ['another control, when the exemption lists "*"', 'bus-policy-untrusted-account', sandboxBus, 'SEC-99'],
  ])('exempts %s', (_name, controlId, resource, reasonPart) => {
    // Act
    const exemption = exemptionFor(controlId, resource, policy, during);

    // Assess
    expect(exemption?.reason).toContain(reasonPart);
  });

  it.each([
    ['a control the exemption does not list', 'bus-policy-public', partnerBus],
    ['a resource the glob does not match', 'bus-policy-untrusted-account', 'arn:aws:events:eu-west-1:444455556666:event-bus/default'],
    ['a resource that only contains the pattern', 'bus-policy-untrusted-account', 'arn:aws:events:eu-west-1:444455556666:event-bus/x-partner-acme'],
    ['a resource differing only in case', 'bus-policy-public', sandboxBus.replace('sandbox', 'Sandbox')],
  ])('does not exempt %s', (_name, controlId, resource) => {
    // Act
    const exemption = exemptionFor(controlId, resource, policy, during);

    // Assess
    expect(exemption).toBeUndefined();
  });

  it.each([
    ['on the morning of the expiry day (UTC)', '2027-06-30T00:00:00.000Z'],
    ['in the last millisecond of the expiry day (UTC)', '2027-06-30T23:59:59.999Z'],
    ['late on the expiry day in a timezone behind UTC', '2027-06-30T20:00:00-03:00'],
    ['early on the next local day in a timezone ahead of UTC, still the expiry day in UTC', '2027-07-01T08:00:00+09:00'],
  ])('holds %s (%s)', (_name, now) => {
    // Act
    const exemption = exemptionFor('bus-policy-public', sandboxBus, policy, new Date(now));

    // Assess
    expect(exemption?.reason).toContain('SEC-99');
    expect(isExpired(policy.exemptions[1]!, new Date(now))).toBe(false);
  });

  it.each([
    ['from midnight UTC after the expiry day', '2027-07-01T00:00:00.000Z'],
    ['late on the expiry day in a timezone behind UTC, once UTC has moved on', '2027-06-30T22:00:00-03:00'],
    ['a year later', '2028-06-30T12:00:00Z'],
  ])('lapses %s (%s)', (_name, now) => {
    // Act
    const exemption = exemptionFor('bus-policy-public', sandboxBus, policy, new Date(now));

    // Assess
    expect(exemption).toBeUndefined();
    expect(isExpired(policy.exemptions[1]!, new Date(now))).toBe(true);
  });
});

describe('isActorIn', () => {
  it.each([
    ['the issuing role of an assumed-role session', assumedRoleActor('deployer', 'ci-run-42'), ['arn:aws:iam::*:role/deployer'], true],
    ['the role derived from the session ARN when CloudTrail omits the issuer', assumedRoleActor('deployer', 'ci-run-42', false), ['arn:aws:iam::*:role/deployer'], true],
    ['the session ARN itself', assumedRoleActor('deployer', 'ci-run-42'), ['arn:aws:sts::123456789012:assumed-role/deployer/ci-*'], true],
    ['one glob of several', assumedRoleActor('deployer', 'ci-run-42'), ['arn:aws:iam::*:role/admin', 'arn:aws:iam::123456789012:role/deploy?r'], true],
    ['a root caller named exactly', rootActor, ['arn:aws:iam::123456789012:root'], true],
  ])('matches %s', (_name, actor, globs, expected) => {
    // Act
    const matched = isActorIn(actor, globs);

    // Assess
    expect(matched).toBe(expected);
  });

  it.each([
    ['another role', assumedRoleActor('deployer-readonly', 'ci-run-42'), ['arn:aws:iam::*:role/deployer']],
    ['a role whose name merely starts with the pattern', assumedRoleActor('deployers', 'x'), ['arn:aws:iam::*:role/deployer']],
    ['a root caller, against a role glob', rootActor, ['arn:aws:iam::*:role/deployer']],
    ['anyone, when the list is empty', assumedRoleActor('deployer', 'ci-run-42'), []],
    ['an actor CloudTrail gives no ARN for', {}, ['*']],
  ])('does not match %s', (_name, actor, globs) => {
    // Act
    const matched = isActorIn(actor, globs);

    // Assess
    expect(matched).toBe(false);
  });
});
