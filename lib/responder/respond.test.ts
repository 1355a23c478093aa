import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Alert } from '../alerts/format';
import type { AlertSink } from '../alerts/sns';
import { controlIds, controls } from '../controls/registry';
import type { Control } from '../controls/types';
import { parseChange } from '../events/parse';
import type { PolicyDocument, PolicyStatement } from '../iam/policy-document';
import { parsePolicy } from '../policy/load';
import { busStatementsRemediator, type EventBusPolicyPort } from '../remediation/bus-statements';
import { silentLogger } from '../util/log';
import { AlertDeliveryError, ControlEvaluationError, respond, type ResponderDeps } from './respond';

const FIXTURES = path.resolve(__dirname, '..', '..', 'test', 'fixtures', 'cloudtrail');
type CloudTrailRecord = Record<string, any>;
const fixture = (name: string): CloudTrailRecord => JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8'));
const LEGACY_FORM = 'events_PutPermission_synthetic-awsdocs-putrule-clone_1.json';
const POLICY_FORM = 'events_PutPermission_synthetic-awsdocs-putrule-clone_2.json';

const ACCOUNT = '123456789012';
const DEFAULT_BUS = `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/default`;
const CLI_TEST_BUS = `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/cli-test`;
const SELF_PRINCIPALS = [`arn:aws:iam::${ACCOUNT}:role/drift-responder-Remediator*`];
const NOW = new Date('2026-01-15T12:00:00Z');

// ---- events: clones of the synthetic PutPermission records, one field changed ----

/** Legacy form, principal opened to everyone: bus-policy-public on the default bus. */
function openStatementRecord(): CloudTrailRecord {
  const record = structuredClone(fixture(LEGACY_FORM));
  record.requestParameters.principal = '*';
  return record;
}

/** The record made by an assumed-role session of `role` (real AssumedRole identity from panther's PutKeyPolicy record). */
function madeBy(record: CloudTrailRecord, role: string, { withIssuer = true } = {}): CloudTrailRecord {
  const identity = structuredClone(fixture('kms_PutKeyPolicy_panther-analysis_2.json').userIdentity);
  identity.arn = `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/session-1700000000`;
  identity.sessionContext.sessionIssuer.arn = `arn:aws:iam::${ACCOUNT}:role/${role}`;
  identity.sessionContext.sessionIssuer.userName = role;
  if (!withIssuer) delete identity.sessionContext.sessionIssuer;
  return { ...record, userIdentity: identity };
}

/** Policy form on bus cli-test, its policy replaced by the given statements. */
function policyRecord(statements: PolicyStatement[]): CloudTrailRecord {
  const record = structuredClone(fixture(POLICY_FORM));
  record.requestParameters.policy = JSON.stringify({ Version: '2012-10-17', Statement: statements });
  return record;
}

// ---- statements as EventBridge stores them ----

const openStatement = (sid: string | undefined, bus = DEFAULT_BUS): PolicyStatement => ({
  ...(sid === undefined ? {} : { Sid: sid }),
  Effect: 'Allow',
  Principal: '*',
  Action: 'events:PutEvents',
  Resource: bus,
});
const trustedStatement = (bus = DEFAULT_BUS): PolicyStatement => ({
  Sid: 'allow_account_to_put_events',
  Effect: 'Allow',
  Principal: { AWS: 'arn:aws:iam::111122223333:root' },
  Action: 'events:PutEvents',
  Resource: bus,
});
const untrustedStatement = (bus = DEFAULT_BUS): PolicyStatement => ({
  Sid: 'allow_partner_to_put_events',
  Effect: 'Allow',
  Principal: { AWS: 'arn:aws:iam::444455556666:root' },
  Action: 'events:PutEvents',
  Resource: bus,
});
const policyOf = (...statements: PolicyStatement[]): PolicyDocument => ({ Version: '2012-10-17', Statement: statements });

// ---- fakes ----

type PortCall =
  | ['getPolicy', string]
  | ['removeStatement', string, string]
  | ['putPolicy', string, PolicyDocument]
  | ['removeAllPermissions', string];

/** EventBridge bus policies in memory, behaving like the real adapter; records every call. */
class InMemoryBuses implements EventBusPolicyPort {
  readonly calls: PortCall[] = [];
  private readonly failures = new Map<keyof EventBusPolicyPort, Error>();

  constructor(private readonly policies: Record<string, PolicyDocument | undefined> = {}) {}

  failWith(method: keyof EventBusPolicyPort, error: Error): this {
    this.failures.set(method, error);
    return this;
  }

  policyOn(busName: string): PolicyDocument | undefined {
    return structuredClone(this.policies[busName]);
  }

  get writes(): PortCall[] {
    return this.calls.filter((c) => c[0] !== 'getPolicy');
  }

  private attempt(method: keyof EventBusPolicyPort): void {
    const failure = this.failures.get(method);
    if (failure) throw failure;
  }

  async getPolicy(busName: string) {
    this.calls.push(['getPolicy', busName]);
    this.attempt('getPolicy');
    return this.policyOn(busName);
  }

  async removeStatement(busName: string, statementId: string) {
    this.calls.push(['removeStatement', busName, statementId]);
    this.attempt('removeStatement');
    const policy = this.policies[busName];
    if (!policy) return;
    const kept = policy.Statement.filter((s) => s.Sid !== statementId);
    this.policies[busName] = kept.length > 0 ? { ...policy, Statement: kept } : undefined;
  }

  async putPolicy(busName: string, policy: PolicyDocument) {
    this.calls.push(['putPolicy', busName, structuredClone(policy)]);
    this.attempt('putPolicy');
    this.policies[busName] = structuredClone(policy);
  }

  async removeAllPermissions(busName: string) {
    this.calls.push(['removeAllPermissions', busName]);
    this.attempt('removeAllPermissions');
    this.policies[busName] = undefined;
  }
}

/** Records every alert; `failing` decides, per attempt (0-based), whether publishing throws. */
function recordingSink(failing: (attempt: number) => boolean = () => false) {
  const published: Alert[] = [];
  let attempts = 0;
  const sink: AlertSink & { published: Alert[]; attempts: () => number } = {
    iamActions: ['sns:Publish'],
    published,
    attempts: () => attempts,
    async publish(alert) {
      const attempt = attempts++;
      if (failing(attempt)) throw Object.assign(new Error('Topic does not exist'), { name: 'NotFoundException' });
      published.push(alert);
    },
  };
  return sink;
}

const accessDenied = (action: string) =>
  Object.assign(
    new Error(`User: arn:aws:sts::${ACCOUNT}:assumed-role/drift-responder-Remediator/x is not authorized to perform: ${action}`),
    { name: 'AccessDeniedException' },
  );

// ---- policy ----

interface PolicyOptions {
  mode?: 'off' | 'alert' | 'remediate';
  dryRun?: boolean;
  exemptions?: string;
}

function policyWith({ mode = 'remediate', dryRun = false, exemptions = '' }: PolicyOptions = {}) {
  const text = [
    'trustedAccounts: ["111122223333"]',
    'organizationId: o-a1b2c3d4e5',
    'trustedPrincipals: ["arn:aws:iam::*:role/deployer"]',
    'defaults: { mode: alert, dryRun: true }',
    'controls:',
    `  bus-policy-public: { mode: ${mode}, dryRun: ${dryRun} }`,
    `  bus-policy-untrusted-account: { mode: ${mode}, dryRun: ${dryRun} }`,
    exemptions,
  ].join('\n');
  return parsePolicy(text, 'test-policy.yml', controlIds);
}

function depsFor(buses: InMemoryBuses, alerts: AlertSink, overrides: Partial<ResponderDeps> = {}): ResponderDeps {
  return {
    policy: policyWith(),
    controls,
    remediators: [busStatementsRemediator(buses)],
    alerts,
    selfPrincipals: SELF_PRINCIPALS,
    now: () => NOW,
    log: silentLogger,
    ...overrides,
  };
}

/** The default bus as it is right after the open PutPermission: the new open statement beside a trusted one. */
const defaultBusAfterOpenStatement = () => new InMemoryBuses({ default: policyOf(trustedStatement(), openStatement('MyStatement')) });

// ---- tests ----

describe('respond: loop guard', () => {
  it.each([
    ['the session issuer CloudTrail records', { withIssuer: true }],
    ['the role derived from the session ARN when CloudTrail omits the issuer', { withIssuer: false }],
  ])("skips a change made by the responder's own role, matched through %s", async (_name, options) => {
    // Prepare
    const buses = defaultBusAfterOpenStatement();
    const alerts = recordingSink();
    const change = parseChange(madeBy(openStatementRecord(), 'drift-responder-RemediatorRole-1A2B3C', options));

    // Act
    const outcome = await respond(change, depsFor(buses, alerts));

    // Assess
    expect(outcome).toEqual({ skipped: 'own-change', findings: [], suppressed: [] });
    expect(alerts.attempts()).toBe(0);
    expect(buses.calls).toEqual([]);
  });

  it('handles the same change made by another role', async () => {
    // Prepare
    const buses = defaultBusAfterOpenStatement();
    const alerts = recordingSink();
    const change = parseChange(madeBy(openStatementRecord(), 'ops-admin'));

    // Act
    const outcome = await respond(change, depsFor(buses, alerts));

    // Assess
    expect(outcome.skipped).toBeUndefined();
    expect(outcome.findings.map((f) => f.control)).toEqual(['bus-policy-public']);
    expect(alerts.published).toHaveLength(1);
  });
});

describe('respond: remediation held back or planned', () => {
  it.each([
    ['mode alert', policyWith({ mode: 'alert' }), openStatementRecord(), 'skipped', /^alert only: the control mode is "alert"$/, false],
    [
      'mode remediate with dry-run on',
      policyWith({ mode: 'remediate', dryRun: true }),
      openStatementRecord(),
      'planned',
      /^dry-run: would remove 1 statement\(s\) \(MyStatement\) from bus default$/,
      true,
    ],
    [
      'a change by a trusted principal (a deployer session)',
      policyWith({ mode: 'remediate', dryRun: false }),
      madeBy(openStatementRecord(), 'deployer'),
      'skipped',
      /^made by a trusted principal: approved change, alert only$/,
      false,
    ],
  ])('for %s: leaves the bus policy untouched and sends one alert', async (_name, policy, record, status, reason, readsLive) => {
    // Prepare
    const buses = defaultBusAfterOpenStatement();
    const before = buses.policyOn('default');
    const alerts = recordingSink();

    // Act
    const outcome = await respond(parseChange(record), depsFor(buses, alerts, { policy }));

    // Assess
    expect(outcome.findings).toHaveLength(1);
    expect(outcome.findings[0]?.remediation).toEqual({ status, reason: expect.stringMatching(reason) });
    expect(buses.writes).toEqual([]);
    expect(buses.calls.length > 0).toBe(readsLive);
    expect(buses.policyOn('default')).toEqual(before);
    expect(alerts.published).toHaveLength(1);
    expect(alerts.published[0]?.message).toContain(`Response:   ${status}: `);
  });
});

describe('respond: remediation applied', () => {
  it('removes only the offending statement, keeps the compliant one and reports before and after', async () => {
    // Prepare
    const buses = defaultBusAfterOpenStatement();
    const alerts = recordingSink();

    // Act
    const outcome = await respond(parseChange(openStatementRecord()), depsFor(buses, alerts));

    // Assess
    expect(buses.writes).toEqual([['removeStatement', 'default', 'MyStatement']]);
    expect(buses.policyOn('default')).toEqual(policyOf(trustedStatement()));
    const finding = outcome.findings[0];
    expect(finding?.remediation).toEqual({ status: 'applied', reason: 'RemovePermission default StatementId=MyStatement' });
    expect(finding?.evidence.before).toEqual(policyOf(trustedStatement(), openStatement('MyStatement')));
    expect(finding?.evidence.after).toEqual(policyOf(trustedStatement()));
    expect(alerts.published).toHaveLength(1);
    expect(alerts.published[0]?.message).toContain('Response:   applied: RemovePermission default StatementId=MyStatement');
  });

  it.each([
    [
      'removes a statement without a Sid by writing the policy back without it',
      policyOf(openStatement(undefined, CLI_TEST_BUS), trustedStatement(CLI_TEST_BUS)),
      [['putPolicy', 'cli-test', policyOf(trustedStatement(CLI_TEST_BUS))]],
      policyOf(trustedStatement(CLI_TEST_BUS)),
    ],
    [
      'removes all permissions when the statement without a Sid is the only one',
      policyOf(openStatement(undefined, CLI_TEST_BUS)),
      [['removeAllPermissions', 'cli-test']],
      undefined,
    ],
  ])('%s', async (_name, written, expectedWrites, expectedAfter) => {
    // Prepare
    const buses = new InMemoryBuses({ 'cli-test': structuredClone(written) });
    const alerts = recordingSink();

    // Act
    const outcome = await respond(parseChange(policyRecord(written.Statement)), depsFor(buses, alerts));

    // Assess
    expect(outcome.findings.map((f) => [f.control, f.remediation.status])).toEqual([['bus-policy-public', 'applied']]);
    expect(buses.writes).toEqual(expectedWrites);
    expect(buses.policyOn('cli-test')).toEqual(expectedAfter);
    expect(outcome.findings[0]?.evidence.after).toEqual(expectedAfter ?? null);
    expect(alerts.published).toHaveLength(1);
  });

  it.each([
    ['someone already removed the statement', { default: policyOf(trustedStatement()) }],
    ['the bus no longer has any policy', {}],
    [
      'someone already restricted the statement to the organization',
      { default: policyOf(trustedStatement(), { ...openStatement('MyStatement'), Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } } }) },
    ],
  ])('skips as already compliant, writing nothing, when %s', async (_name, live) => {
    // Prepare
    const buses = new InMemoryBuses(structuredClone(live));
    const alerts = recordingSink();

    // Act
    const outcome = await respond(parseChange(openStatementRecord()), depsFor(buses, alerts));

    // Assess
    expect(outcome.findings[0]?.remediation).toEqual({ status: 'skipped', reason: expect.stringMatching(/^already compliant/) });
    expect(buses.writes).toEqual([]);
    expect(alerts.published).toHaveLength(1);
  });

  it.each([
    ['reading the live policy', 'getPolicy' as const, 'events:DescribeEventBus'],
    ['removing the statement', 'removeStatement' as const, 'events:RemovePermission'],
  ])('reports the remediation as failed, naming the error, and still alerts when %s is denied', async (_name, method, action) => {
    // Prepare
    const buses = defaultBusAfterOpenStatement().failWith(method, accessDenied(action));
    const alerts = recordingSink();

    // Act
    const outcome = await respond(parseChange(openStatementRecord()), depsFor(buses, alerts));

    // Assess
    expect(outcome.findings[0]?.remediation).toEqual({
      status: 'failed',
      reason: expect.stringMatching(new RegExp(`^AccessDeniedException: .*not authorized to perform: ${action}$`)),
    });
    expect(buses.policyOn('default')).toEqual(policyOf(trustedStatement(), openStatement('MyStatement')));
    expect(alerts.published).toHaveLength(1);
    expect(alerts.published[0]?.message).toContain('Response:   failed: AccessDeniedException');
  });
});

describe('respond: exemptions', () => {
  it('suppresses an exempt finding: no alert, no remediation, reported in suppressed', async () => {
    // Prepare
    const policy = policyWith({
      exemptions: [
        'exemptions:',
        '  - resource: "arn:aws:events:*:*:event-bus/default"',
        '    controls: [bus-policy-public]',
        '    reason: "public ingest bus, reviewed (SEC-7)"',
        '    expires: 2026-01-15',
      ].join('\n'),
    });
    const buses = defaultBusAfterOpenStatement();
    const alerts = recordingSink();

    // Act
    const outcome = await respond(parseChange(openStatementRecord()), depsFor(buses, alerts, { policy }));

    // Assess
    expect(outcome.findings).toEqual([]);
    expect(outcome.suppressed).toEqual([
      {
        finding: expect.objectContaining({ control: 'bus-policy-public', resource: DEFAULT_BUS }),
        reason: 'exempt until 2026-01-15: public ingest bus, reviewed (SEC-7)',
      },
    ]);
    expect(alerts.attempts()).toBe(0);
    expect(buses.calls).toEqual([]);
  });
});

describe('respond: failures are reported after every finding is handled', () => {
  /** Policy form on cli-test with an open statement and one granting an untrusted account: two findings. */
  const twoFindingsRecord = () => policyRecord([openStatement('open_to_all', CLI_TEST_BUS), untrustedStatement(CLI_TEST_BUS)]);

  it.each([
    ['every publish fails', () => true, 0],
    ['only the first publish fails', (attempt: number) => attempt === 0, 1],
  ])('rejects with AlertDeliveryError after trying every finding when %s', async (_name, failing, delivered) => {
    // Prepare
    const buses = new InMemoryBuses();
    const alerts = recordingSink(failing);
    const deps = depsFor(buses, alerts, { policy: policyWith({ mode: 'alert' }) });

    // Act
    const result = respond(parseChange(twoFindingsRecord()), deps);

    // Assess
    await expect(result).rejects.toThrow(AlertDeliveryError);
    expect(alerts.attempts()).toBe(2);
    expect(alerts.published).toHaveLength(delivered);
  });

  it('alerts the other controls\' findings and rejects with ControlEvaluationError naming the control that threw', async () => {
    // Prepare
    const exploding: Control = {
      id: 'exploding-control',
      title: 'A control with a bug',
      severity: 'low',
      triggers: [{ eventSource: 'events.amazonaws.com', eventNames: ['PutPermission'] }],
      evaluate: () => {
        throw new TypeError("Cannot read properties of undefined (reading 'Statement')");
      },
    };
    const buses = new InMemoryBuses();
    const alerts = recordingSink();
    const deps = depsFor(buses, alerts, { policy: policyWith({ mode: 'alert' }), controls: [exploding, ...controls] });

    // Act
    const result = respond(parseChange(twoFindingsRecord()), deps);

    // Assess
    await expect(result).rejects.toThrow(ControlEvaluationError);
    await expect(result).rejects.toThrow(/exploding-control: Cannot read properties of undefined/);
    expect(alerts.published.map((a) => a.attributes.control)).toEqual(['bus-policy-public', 'bus-policy-untrusted-account']);
  });
});
