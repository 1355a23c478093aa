import { cloneWith, PUT_PERMISSION_LEGACY } from '../../test/support/fixtures';
import type { JsonService } from '../aws/wire/json';
import type { Alert } from '../alerts/format';
import { dedupKeyOf } from '../alerts/state';
import type { RevokeIamGrantPlan } from '../controls/iam/types';
import type { RestoreKeyPolicyPlan } from '../controls/kms/types';
import { controlIds, controls } from '../controls/registry';
import type { Finding } from '../controls/types';
import { parseChange } from '../events/parse';
import type { PolicyDocument, PolicyStatement } from '../iam/policy-document';
import { parsePolicy } from '../policy/load';
import { busStatementsRemediator, type EventBusPolicyPort } from '../remediation/bus-statements';
import { restoreKeyPolicyRemediator, type KmsKeysPort } from '../remediation/kms-keys';
import { respond, TransientRemediationError, type ResponderDeps } from '../responder/respond';
import { silentLogger } from '../util/log';
import { ssmKillSwitch, type KillSwitch } from './kill-switch';
import { keyPolicyLockoutRisk, OwnerLockoutError, ownerLockoutRisk } from './lockout';
import { memoryLoopGuard } from './remediation-loop';

const ACCOUNT = '123456789012';
const DEFAULT_BUS = `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/default`;
const NOW = new Date('2026-01-15T12:00:00Z');

const openStatement: PolicyStatement = { Sid: 'MyStatement', Effect: 'Allow', Principal: '*', Action: 'events:PutEvents', Resource: DEFAULT_BUS };
const trustedStatement: PolicyStatement = { Sid: 'partner', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'events:PutEvents', Resource: DEFAULT_BUS };

/** The open PutPermission on the default bus (a clone of the real legacy-form record), with its own event id. */
const openEvent = (eventId: string) =>
  parseChange(
    cloneWith(PUT_PERMISSION_LEGACY, (r) => {
      r.requestParameters.principal = '*';
      r.eventID = eventId;
    }),
  );

/** A bus policy store in memory: the open statement comes back after every removal until `reapply` is false. */
class Buses implements EventBusPolicyPort {
  removals = 0;
  failure: Error | undefined;
  private policy: PolicyDocument | undefined = { Version: '2012-10-17', Statement: [trustedStatement, openStatement] };
  reapply() {
    this.policy = { Version: '2012-10-17', Statement: [trustedStatement, openStatement] };
  }
  hasOpenStatement() {
    return this.policy?.Statement.some((s) => s.Sid === 'MyStatement') ?? false;
  }
  async getPolicy() {
    return structuredClone(this.policy);
  }
  async removeStatement(_bus: string, sid: string) {
    if (this.failure) throw this.failure;
    this.removals += 1;
    this.policy = this.policy && { ...this.policy, Statement: this.policy.Statement.filter((s) => s.Sid !== sid) };
  }
  async putPolicy(_bus: string, policy: PolicyDocument) {
    this.policy = policy;
  }
  async removeAllPermissions() {
    this.policy = undefined;
  }
}

const policy = (extra = '') =>
  parsePolicy(
    `defaults: { mode: alert, dryRun: true }\ncontrols:\n  bus-policy-public: { mode: remediate, dryRun: false }\n${extra}`,
    'test-policy.yml',
    controlIds,
  );

function deps(buses: Buses, overrides: Partial<ResponderDeps> = {}) {
  const published: Alert[] = [];
  const d: ResponderDeps = {
    policy: policy(),
    controls,
    remediators: [busStatementsRemediator(buses)],
    alerts: { iamActions: [], publish: async (alert) => void published.push(alert) },
    selfPrincipals: [],
    now: () => NOW,
    log: silentLogger,
    ...overrides,
  };
  return { d, published };
}

const switchAt = (engaged: boolean): KillSwitch => ({ iamActions: [], engaged: async () => engaged });
const awsError = (name: string, status: number) => Object.assign(new Error(`${name} from AWS`), { name, $metadata: { httpStatusCode: status } });

describe('failure classification in the responder', () => {
  it.each([
    ['throttling', awsError('ThrottlingException', 400)],
    ['a 500', awsError('InternalFailure', 500)],
    ['a timeout', Object.assign(new Error('Connection timed out'), { name: 'TimeoutError' })],
  ])('fails the invocation without alerting when %s outlasts the SDK retries', async (_label, error) => {
    // Prepare
    const buses = new Buses();
    buses.failure = error;
    const { d, published } = deps(buses);

    // Act
    const outcome = respond(openEvent('evt-transient'), d);

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(TransientRemediationError);
    await expect(outcome).rejects.toThrow(/bus-policy-public on arn:aws:events:us-east-1:123456789012:event-bus\/default/);
    expect(published).toEqual([]);
  });

  it('alerts "remediation failed" naming AccessDenied, and resolves, when the remediation is denied', async () => {
    // Prepare
    const buses = new Buses();
    buses.failure = awsError('AccessDeniedException', 400);
    const { d, published } = deps(buses);

    // Act
    const outcome = await respond(openEvent('evt-denied'), d);

    // Assess
    expect(outcome.findings.map((f) => f.remediation)).toEqual([{ status: 'failed', reason: 'AccessDeniedException (HTTP 400): AccessDeniedException from AWS' }]);
    expect(published).toHaveLength(1);
    expect(published[0]?.subject).toMatch(/^\[CRITICAL\] remediation failed: bus-policy-public: default /);
    expect(published[0]?.message).toContain('Response:   failed: AccessDeniedException (HTTP 400)');
  });
});

describe('the kill switch', () => {
  it('turns a remediation into a plan that says the kill switch is on', async () => {
    const buses = new Buses();
    const { d, published } = deps(buses, { killSwitch: switchAt(true) });

    const outcome = await respond(openEvent('evt-1'), d);

    expect(outcome.findings[0]?.remediation).toEqual({ status: 'planned', reason: expect.stringMatching(/^dry-run: kill switch on: would remove 1 statement\(s\) \(MyStatement\)/) });
    expect(buses.hasOpenStatement()).toBe(true);
    expect(published).toHaveLength(1);
  });

  it('lets the remediation go ahead when it is off', async () => {
    const buses = new Buses();
    const { d } = deps(buses, { killSwitch: switchAt(false) });

    const outcome = await respond(openEvent('evt-1'), d);

    expect(outcome.findings[0]?.remediation.status).toBe('applied');
    expect(buses.hasOpenStatement()).toBe(false);
  });
});

describe('ssmKillSwitch', () => {
  /** An SSM service answering GetParameter with each answer in turn (a value, or an error to throw); any other operation is a bug. */
  function ssmAnswering(...answers: Array<string | Error>) {
    const calls: unknown[] = [];
    const client = {
      call: async (operation: string, input?: object) => {
        if (operation !== 'GetParameter') throw new Error(`unexpected SSM operation ${operation}`);
        calls.push(input);
        const answer = answers[Math.min(calls.length, answers.length) - 1];
        if (answer instanceof Error) throw answer;
        return { Parameter: { Name: '/drift/kill-switch', Value: answer } };
      },
    } as JsonService;
    return { client, calls };
  }

  it.each([
    ['on', true],
    ['off', false],
    [' ON\n', true],
    ['Off', false],
  ])('reads %j as engaged=%s', async (value, expected) => {
    const { client } = ssmAnswering(value);
    const errors: string[] = [];
    await expect(ssmKillSwitch(client, '/drift/kill-switch', { log: { error: (m) => void errors.push(m) } }).engaged()).resolves.toBe(expected);
    expect(errors).toEqual([]);
  });

  it.each([
    ['an unreadable parameter', Object.assign(new Error('not allowed'), { name: 'AccessDeniedException' })],
    ['a missing parameter', Object.assign(new Error('no such parameter'), { name: 'ParameterNotFound' })],
    ['a value that is neither on nor off', 'maybe'],
  ])('fails safe (engaged, error logged) on %s', async (_label, answer) => {
    const { client } = ssmAnswering(answer);
    const errors: string[] = [];
    await expect(ssmKillSwitch(client, '/drift/kill-switch', { log: { error: (m) => void errors.push(m) } }).engaged()).resolves.toBe(true);
    expect(errors).toEqual([expect.stringMatching(/^kill switch .*dry-run \(fail safe\)$/)]);
  });

  it('reads the parameter once per cache period, then again', async () => {
    const { client, calls } = ssmAnswering('off', 'on');
    let now = 0;
    const killSwitch = ssmKillSwitch(client, '/drift/kill-switch', { cacheMs: 30_000, clock: () => now, log: silentLogger });

    const first = await killSwitch.engaged();
    now = 29_999;
    const cached = await killSwitch.engaged();
    now = 30_000;
    const reread = await killSwitch.engaged();

    expect([first, cached, reread]).toEqual([false, false, true]);
    expect(calls).toEqual([{ Name: '/drift/kill-switch' }, { Name: '/drift/kill-switch' }]);
  });

  it('does not cache a failure: the next call reads again', async () => {
    const { client, calls } = ssmAnswering(new Error('network down'), 'off');
    const killSwitch = ssmKillSwitch(client, '/drift/kill-switch', { clock: () => 0, log: silentLogger });

    expect([await killSwitch.engaged(), await killSwitch.engaged()]).toEqual([true, false]);
    expect(calls).toHaveLength(2);
  });
});

describe('remediation-loop protection', () => {
  it('remediates the same change three times, then stops, alerts "remediation loop" and leaves the bus as is', async () => {
    // Prepare
    const buses = new Buses();
    const { d, published } = deps(buses, { loopGuard: memoryLoopGuard() });

    // Act
    const outcomes: Finding[] = [];
    for (const i of [1, 2, 3, 4, 5]) {
      buses.reapply();
      outcomes.push(...(await respond(openEvent(`evt-${i}`), d)).findings);
    }

    // Assess
    expect(outcomes.map((f) => f.remediation.status)).toEqual(['applied', 'applied', 'applied', 'skipped', 'skipped']);
    expect(buses.removals).toBe(3);
    expect(buses.hasOpenStatement()).toBe(true);
    const loop = outcomes[3]!;
    expect(loop.remediation.reason).toMatch(/^remediation loop: bus-policy-public was remediated on this resource 3 times within 60 min/);
    expect(loop.remediationLoop).toEqual({ remediations: 3, windowMinutes: 60 });
    expect(loop.title).toMatch(/^Remediation loop: /);
    expect(published.map((a) => a.subject.startsWith('[CRITICAL] REMEDIATION LOOP bus-policy-public'))).toEqual([false, false, false, true, true]);
  });

  it('counts a retried event once (the same CloudTrail event id)', async () => {
    const buses = new Buses();
    const { d } = deps(buses, { loopGuard: memoryLoopGuard(), policy: policy('remediationLoop: { maxRemediations: 1, windowMinutes: 60 }') });

    const statuses: string[] = [];
    for (const id of ['evt-1', 'evt-1', 'evt-2']) {
      buses.reapply();
      statuses.push(...(await respond(openEvent(id), d)).findings.map((f) => f.remediation.status));
    }

    expect(statuses).toEqual(['applied', 'applied', 'skipped']);
  });

  it('does not count dry-run plans', async () => {
    const buses = new Buses();
    const guard = memoryLoopGuard();
    const { d } = deps(buses, { loopGuard: guard, killSwitch: switchAt(true), policy: policy('remediationLoop: { maxRemediations: 1, windowMinutes: 60 }') });

    for (const id of ['evt-1', 'evt-2', 'evt-3']) await respond(openEvent(id), d);

    await expect(guard.claim(`${ACCOUNT}#us-east-1#bus-policy-public#${DEFAULT_BUS}`, 'evt-4', NOW, { maxRemediations: 1, windowMinutes: 60 })).resolves.toEqual({ allowed: true, count: 1 });
  });

  it('gives loop and failure alerts dedup windows of their own', () => {
    const base = { account: ACCOUNT, region: 'us-east-1', control: 'bus-policy-public', resource: DEFAULT_BUS };
    const keys = [
      dedupKeyOf({ ...base, remediation: { status: 'applied', reason: '' } }),
      dedupKeyOf({ ...base, remediation: { status: 'failed', reason: '' } }),
      dedupKeyOf({ ...base, remediation: { status: 'skipped', reason: '' }, remediationLoop: { remediations: 3, windowMinutes: 60 } }),
    ];
    expect(new Set(keys).size).toBe(3);
    expect(keys[0]).toBe(dedupKeyOf(base));
  });

  it.each([
    ['maxRemediations 0', 'remediationLoop: { maxRemediations: 0 }', /remediationLoop\.maxRemediations/],
    ['a window of 0 minutes', 'remediationLoop: { windowMinutes: 0 }', /remediationLoop\.windowMinutes/],
    ['an unknown key', 'remediationLoop: { max: 3 }', /remediationLoop\.max: unknown key/],
  ])('rejects a policy with %s, naming the key', (_label, yaml, message) => {
    expect(() => parsePolicy(yaml, 'p.yml', controlIds)).toThrow(message);
  });
});

describe('never locking the owner out', () => {
  const rootAdmin: PolicyStatement = { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' };
  const keyUser: PolicyStatement = { Sid: 'app', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/app` }, Action: ['kms:Decrypt'], Resource: '*' };
  const keyArn = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
  const keyPlan = (...statements: PolicyStatement[]): RestoreKeyPolicyPlan => ({
    kind: 'restore-key-policy',
    keyArn,
    policy: { Version: '2012-10-17', Statement: statements },
    bypassedLockoutCheck: false,
  });
  const grantPlan = (arn: string): RevokeIamGrantPlan => ({
    kind: 'revoke-iam-grant',
    principal: { kind: 'role', name: arn.split('/').pop()!, arn },
    grant: { kind: 'managed', policyArn: 'arn:aws:iam::aws:policy/AmazonEventBridgeFullAccess' },
  });
  const context = { account: ACCOUNT, breakGlassPrincipals: [`arn:aws:iam::${ACCOUNT}:role/break-glass-*`] };

  it.each([
    ['a key policy that keeps the account root administering the key', keyPlan(rootAdmin, keyUser), undefined],
    ['a key policy granting root by bare account id', keyPlan({ ...rootAdmin, Principal: { AWS: ACCOUNT } }), undefined],
    ['a key policy without the account root', keyPlan(keyUser), /does not grant the account root \(arn:aws:iam::123456789012:root\) kms:\*/],
    ['a key policy granting root only kms:Decrypt', keyPlan({ ...rootAdmin, Action: 'kms:Decrypt' }), /does not grant the account root/],
    ['a key policy granting another account root', keyPlan({ ...rootAdmin, Principal: { AWS: 'arn:aws:iam::444455556666:root' } }), /does not grant the account root/],
    ['a key policy denying everyone kms:PutKeyPolicy', keyPlan(rootAdmin, { Sid: 'freeze', Effect: 'Deny', Principal: '*', Action: 'kms:PutKeyPolicy', Resource: '*' }), /denies the account root key administration \(statement freeze\)/],
    ['a key policy with a conditional deny (not a lockout)', keyPlan(rootAdmin, { Sid: 'tls', Effect: 'Deny', Principal: '*', Action: 'kms:*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }), undefined],
    ['revoking a grant of an ordinary role', grantPlan(`arn:aws:iam::${ACCOUNT}:role/ci-deployer`), undefined],
    ['revoking a grant of a break-glass role', grantPlan(`arn:aws:iam::${ACCOUNT}:role/break-glass-admin`), /break-glass principal/],
    ['removing bus statements', { kind: 'remove-bus-statements' as const, busName: 'default', statements: [openStatement] }, undefined],
  ])('judges %s', (_label, plan, expected) => {
    const risk = ownerLockoutRisk(plan, context);
    if (expected === undefined) expect(risk).toBeUndefined();
    else expect(risk).toMatch(expected);
  });

  it('the key policy remediator itself refuses a policy without root administration (whoever planned it)', async () => {
    const calls: string[] = [];
    const port = { putKeyPolicy: async () => void calls.push('PutKeyPolicy'), getKeyPolicy: async () => undefined } as unknown as KmsKeysPort;
    const remediator = restoreKeyPolicyRemediator(port);

    await expect(remediator.apply(keyPlan(keyUser), { kind: 'kms-key-policy', keyArn, policy: undefined })).rejects.toBeInstanceOf(OwnerLockoutError);
    expect(calls).toEqual([]);
    expect(keyPolicyLockoutRisk({ Version: '2012-10-17', Statement: [rootAdmin] }, ACCOUNT)).toBeUndefined();
  });
});
