import { parseChange } from '../../events/parse';
import type { Baseline } from '../../baseline/types';
import { policySchema } from '../../policy/schema';
import { withOwnRulesProtected } from '../../responder/wiring';
import { cloneWith, fixture } from '../../../test/support/fixtures';
import { controlIds } from '../registry';
import type { Control, FindingDraft } from '../types';
import {
  busDeleted,
  hostOf,
  ruleDeleted,
  ruleDisabled,
  ruleModified,
  targetCrossAccount,
  targetNoDlq,
  targetRoleUntrusted,
  targetsRemoved,
  targetUntrustedDestination,
} from './controls';
import { requestedTargets, type BusDefinition, type RuleDefinition } from './model';
import type { RestoreRulePlan } from './plans';

const PUT_RULE = 'events_PutRule_awsdocs-eventbridge_1.json'; // real: rule cttest2, account 123456789012
const DELETE_RULE = 'events_DeleteRule_elastic-integrations_1.json'; // real: rule DailyLambdaFunction, account 000000000
const PUT_TARGETS = 'events_PutTargets_synthetic-awsdocs-putrule-clone_1.json';
const REMOVE_TARGETS = 'events_RemoveTargets_synthetic-awsdocs-putrule-clone_1.json';
const DISABLE_RULE = 'events_DisableRule_synthetic-awsdocs-putrule-clone_1.json';
const DELETE_BUS = 'events_DeleteEventBus_synthetic-awsdocs-putrule-clone_1.json';
const CREATE_DESTINATION = 'events_CreateApiDestination_synthetic-awsdocs-putrule-clone_1.json';

const RULE_ARN = 'arn:aws:events:us-east-1:123456789012:rule/cttest2';
const PATTERN = '{"source":["aws.ec2"],"detail-type":["EC2 Instance State-change Notification"]}';

const policy = (extra: Record<string, unknown> = {}) =>
  policySchema(controlIds).parse({
    trustedAccounts: ['111122223333'],
    trustedPrincipals: ['arn:aws:iam::*:role/deployer'],
    allowedDestinations: ['hooks.example.com', '*.example.net'],
    protect: { rules: ['cttest*', 'Daily*'], buses: ['orders'] },
    ...extra,
  });

const baselineRule: RuleDefinition = {
  name: 'cttest2',
  eventBusName: 'default',
  arn: RULE_ARN,
  eventPattern: PATTERN,
  state: 'ENABLED',
  targets: [
    {
      Id: 'Target1',
      Arn: 'arn:aws:sns:us-east-1:123456789012:test-cli',
      InputTransformer: { InputPathsMap: { EventTypeCategory: '$.detail.eventTypeCategory' }, InputTemplate: '<EventTypeCategory>' },
      DeadLetterConfig: { Arn: 'arn:aws:sqs:us-east-1:123456789012:cttest2-dlq' },
      RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 3600 },
    },
    { Id: 'Target2', Arn: 'arn:aws:sqs:us-east-1:123456789012:orders' },
  ],
};
const ruleBaselines = (definition: RuleDefinition = baselineRule): Map<string, Baseline> =>
  new Map([[definition.arn, { resource: definition.arn, kind: 'events-rule', definition, capturedAt: '2026-01-01T00:00:00Z', source: 'snapshot' }]]);

function run(control: Control, record: Record<string, unknown>, baselines = new Map<string, Baseline>(), p = policy()): FindingDraft[] {
  return control.evaluate(parseChange(record), { policy: p, baselines });
}

const asDeployer = (r: Record<string, any>) => {
  r.userIdentity = {
    type: 'AssumedRole',
    arn: 'arn:aws:sts::123456789012:assumed-role/deployer/ci',
    accountId: '123456789012',
    sessionContext: { sessionIssuer: { type: 'Role', arn: 'arn:aws:iam::123456789012:role/deployer' } },
  };
};

describe('rule-deleted', () => {
  it('flags a protected rule deleted (real DeleteRule record) and plans the full restore from its baseline', () => {
    // Prepare
    const record = fixture(DELETE_RULE);
    const arn = 'arn:aws:events:us-east-1:000000000:rule/DailyLambdaFunction';
    // Act
    const [finding, ...more] = run(ruleDeleted, record, ruleBaselines({ ...baselineRule, name: 'DailyLambdaFunction', arn }));
    // Assess
    expect(more).toEqual([]);
    expect(finding?.resource).toBe(arn);
    expect(finding?.plan).toMatchObject({ kind: 'restore-rule', name: 'DailyLambdaFunction', eventBusName: 'default', aspects: ['definition', 'targets'] });
    expect((finding?.plan as RestoreRulePlan).baseline?.targets).toHaveLength(2);
  });

  it('still flags it without a baseline (replay), saying the restore needs one', () => {
    const [finding] = run(ruleDeleted, fixture(DELETE_RULE));
    expect(finding?.evidence.summary).toContain('no baseline of it has been captured yet');
    expect((finding?.plan as RestoreRulePlan).baseline).toBeUndefined();
  });

  it.each([
    ['a rule protect.rules does not name', (r: Record<string, any>) => (r.requestParameters.name = 'scratch')],
    ['a change by a trusted principal (approved drift: it moves the baseline)', asDeployer],
  ])('ignores %s', (_what, change) => {
    expect(run(ruleDeleted, cloneWith(DELETE_RULE, change))).toEqual([]);
  });

  it('protects the responder\'s own rules whatever protect.rules says', () => {
    const record = cloneWith(DELETE_RULE, (r) => (r.requestParameters.name = 'drift-responder-prod-events'));
    const own = withOwnRulesProtected(policy({ protect: { rules: [] } }), { RESPONDER_RULES: 'drift-responder-prod-events,drift-responder-prod-baseline-snapshot' });
    expect(run(ruleDeleted, record, new Map(), policy({ protect: { rules: [] } }))).toEqual([]);
    expect(run(ruleDeleted, record, new Map(), own)).toHaveLength(1);
  });

  it('matches protect.rules against the rule ARN too, on a custom bus', () => {
    const record = cloneWith(DELETE_RULE, (r) => {
      r.requestParameters = { name: 'anything', eventBusName: 'orders' };
    });
    const [finding] = run(ruleDeleted, record, new Map(), policy({ protect: { rules: ['arn:aws:events:*:*:rule/orders/*'] } }));
    expect(finding?.resource).toBe('arn:aws:events:us-east-1:000000000:rule/orders/anything');
  });
});

describe('rule-disabled', () => {
  it('flags a protected rule disabled and plans EnableRule', () => {
    const [finding] = run(ruleDisabled, fixture(DISABLE_RULE), ruleBaselines());
    expect(finding?.plan).toMatchObject({ kind: 'restore-rule', aspects: ['state'] });
  });

  it('does not flag a rule whose baseline is disabled too', () => {
    expect(run(ruleDisabled, fixture(DISABLE_RULE), ruleBaselines({ ...baselineRule, state: 'DISABLED' }))).toEqual([]);
  });
});

describe('rule-modified', () => {
  it.each([
    ['eventPattern', (r: Record<string, any>) => (r.requestParameters.eventPattern = '{"source":["aws.s3"]}')],
    ['state', (r: Record<string, any>) => (r.requestParameters.state = 'DISABLED')],
    ['roleArn', (r: Record<string, any>) => (r.requestParameters.roleArn = 'arn:aws:iam::123456789012:role/other')],
    ['scheduleExpression', (r: Record<string, any>) => (r.requestParameters.scheduleExpression = 'rate(5 minutes)')],
  ])('flags a PutRule changing %s away from the baseline', (field, change) => {
    const [finding] = run(ruleModified, cloneWith(PUT_RULE, change), ruleBaselines());
    expect(finding?.title).toContain(field);
    expect(finding?.plan).toMatchObject({ kind: 'restore-rule', aspects: ['definition'] });
  });

  it('does not flag the real PutRule record when it writes the baseline definition (pattern key order aside)', () => {
    const reordered = { ...baselineRule, eventPattern: '{"detail-type":["EC2 Instance State-change Notification"],"source":["aws.ec2"]}' };
    expect(run(ruleModified, fixture(PUT_RULE), ruleBaselines(reordered))).toEqual([]);
  });

  it('flags a protected rule written with no baseline to compare', () => {
    const [finding] = run(ruleModified, fixture(PUT_RULE));
    expect(finding?.title).toContain('no baseline');
  });
});

describe('targets-removed', () => {
  it('flags baseline targets removed and plans PutTargets of exactly those', () => {
    const [finding] = run(targetsRemoved, fixture(REMOVE_TARGETS), ruleBaselines());
    expect(finding?.plan).toMatchObject({ kind: 'restore-rule', aspects: ['targets'], targetIds: ['Target1'] });
  });

  it('does not flag removing a target the baseline never had', () => {
    const record = cloneWith(REMOVE_TARGETS, (r) => (r.requestParameters.ids = ['rogue']));
    expect(run(targetsRemoved, record, ruleBaselines())).toEqual([]);
  });
});

describe('PutTargets request parsing', () => {
  it('reads targets as EventBridge names them, keeping input transformer path keys verbatim', () => {
    const [target] = requestedTargets(parseChange(fixture(PUT_TARGETS)));
    expect(target).toEqual(baselineRule.targets[0]);
  });

  // Found by fuzzing (test/unit/fuzz/controls.fuzz.test.ts): String() threw "Cannot convert object to
  // primitive value" on a target id or arn that is an object with a toString key, failing the target controls.
  it.each(['id', 'arn'])('reads a target whose %s is an object with a toString key, without throwing', (field) => {
    const record = cloneWith(PUT_TARGETS, (r) => void (r.requestParameters.targets[0][field] = { toString: 'x' }));
    const [target] = requestedTargets(parseChange(record));
    expect(target?.[field === 'id' ? 'Id' : 'Arn']).toBe('{"toString":"x"}');
  });
});

describe('target-cross-account', () => {
  it.each([
    ['an untrusted account', 'arn:aws:sqs:us-east-1:444455556666:exfil', 1],
    ['a trusted account', 'arn:aws:sqs:us-east-1:111122223333:partner', 0],
    ['this account', 'arn:aws:sqs:us-east-1:123456789012:own', 0],
    ['a service ARN with no account (real dtconsole record shape)', 'arn:aws:codestar-notifications:us-east-1:::', 0],
  ])('a target in %s (%s) gives %d finding(s)', (_what, arn, count) => {
    const record = cloneWith(PUT_TARGETS, (r) => (r.requestParameters.targets[0].arn = arn));
    const findings = run(targetCrossAccount, record);
    expect(findings).toHaveLength(count);
    if (count) expect(findings[0]?.plan).toMatchObject({ kind: 'remove-targets', targets: [{ Id: 'Target1', Arn: arn }] });
  });
});

describe('target-untrusted-destination', () => {
  it.each([
    ['CreateApiDestination to a host not allowed', (_r: Record<string, any>) => {}, 1],
    ['CreateApiDestination to an allowed host', (r: Record<string, any>) => (r.requestParameters.invocationEndpoint = 'https://hooks.example.com/x'), 0],
    ['an allowed host by glob, any case', (r: Record<string, any>) => (r.requestParameters.invocationEndpoint = 'https://API.example.net/x'), 0],
    ['UpdateApiDestination to a host not allowed', (r: Record<string, any>) => (r.eventName = 'UpdateApiDestination'), 1],
    [
      'CreateConnection with an OAuth endpoint not allowed',
      (r: Record<string, any>) => {
        r.eventName = 'CreateConnection';
        r.requestParameters = { name: 'c', authorizationType: 'OAUTH_CLIENT_CREDENTIALS', authParameters: { oAuthParameters: { authorizationEndpoint: 'https://login.evil.test/token', httpMethod: 'POST' } } };
      },
      1,
    ],
  ])('%s', (_what, change, count) => {
    expect(run(targetUntrustedDestination, cloneWith(CREATE_DESTINATION, change))).toHaveLength(count);
  });

  it.each([
    ['https://hooks.example.com/a?b', 'hooks.example.com'],
    ['hooks.example.com/path', 'hooks.example.com'],
    ['https://HOOKS.Example.com:8443', 'hooks.example.com'],
  ])('reads the host of %s', (endpoint, host) => {
    expect(hostOf(endpoint)).toBe(host);
  });
});

describe('target-role-untrusted', () => {
  it.each([
    ['PutTargets with a role in an untrusted account', PUT_TARGETS, (r: Record<string, any>) => (r.requestParameters.targets[0].roleArn = 'arn:aws:iam::444455556666:role/x'), 1],
    ['PutTargets with a role in this account', PUT_TARGETS, (r: Record<string, any>) => (r.requestParameters.targets[0].roleArn = 'arn:aws:iam::123456789012:role/x'), 0],
    ['PutRule with a role in an untrusted account', PUT_RULE, (r: Record<string, any>) => (r.requestParameters.roleArn = 'arn:aws:iam::444455556666:role/x'), 1],
    ['the real PutRule record (no role)', PUT_RULE, () => {}, 0],
  ])('%s', (_what, file, change, count) => {
    expect(run(targetRoleUntrusted, cloneWith(file, change))).toHaveLength(count);
  });
});

describe('target-no-dlq', () => {
  it.each([
    ['a target with a DLQ and retries', () => {}, 0],
    ['a target without a DLQ', (r: Record<string, any>) => delete r.requestParameters.targets[0].deadLetterConfig, 1],
    ['retries set to 0 (as a string)', (r: Record<string, any>) => (r.requestParameters.targets[0].retryPolicy.maximumRetryAttempts = '0'), 1],
    ['an unprotected rule without a DLQ', (r: Record<string, any>) => {
      r.requestParameters.rule = 'scratch';
      delete r.requestParameters.targets[0].deadLetterConfig;
    }, 0],
  ])('%s: flagged unless its DLQ and retries are set (%#)', (_what, change, count) => {
    expect(run(targetNoDlq, cloneWith(PUT_TARGETS, change))).toHaveLength(count);
  });
});

describe('bus-deleted', () => {
  const busArn = 'arn:aws:events:us-east-1:123456789012:event-bus/orders';
  const bus: BusDefinition = { name: 'orders', arn: busArn, policy: '{"Version":"2012-10-17","Statement":[]}', rules: [{ ...baselineRule, eventBusName: 'orders' }] };

  it('alerts naming the rules and targets that went with the bus, and plans its recreation', () => {
    const baselines = new Map<string, Baseline>([[busArn, { resource: busArn, kind: 'events-bus', definition: bus, capturedAt: '', source: 'snapshot' }]]);
    const [finding] = run(busDeleted, fixture(DELETE_BUS), baselines);
    expect(finding?.evidence.summary).toContain('cttest2 -> arn:aws:sns:us-east-1:123456789012:test-cli, arn:aws:sqs:us-east-1:123456789012:orders');
    expect(finding?.plan).toMatchObject({ kind: 'restore-bus', busName: 'orders', baseline: bus });
    expect(busDeleted.severity).toBe('critical');
  });

  it('alerts without a baseline too, and ignores unprotected buses', () => {
    expect(run(busDeleted, fixture(DELETE_BUS))[0]?.evidence.summary).toContain('unknown');
    expect(run(busDeleted, cloneWith(DELETE_BUS, (r: Record<string, any>) => (r.requestParameters.name = 'scratch')))).toEqual([]);
  });
});

describe('recheck against live state', () => {
  const plan = (aspects: RestoreRulePlan['aspects']): RestoreRulePlan => ({ kind: 'restore-rule', ruleArn: RULE_ARN, name: 'cttest2', eventBusName: 'default', aspects, baseline: baselineRule });

  it('drops a restore when someone already restored the rule', () => {
    const live = { kind: 'events-rule' as const, ruleArn: RULE_ARN, rule: structuredClone(baselineRule) };
    expect(ruleDisabled.recheck(plan(['state']), live)).toBeUndefined();
    expect(targetsRemoved.recheck(plan(['targets']), live)).toBeUndefined();
  });

  it('restores the whole rule when it has been deleted since', () => {
    const live = { kind: 'events-rule' as const, ruleArn: RULE_ARN, rule: undefined };
    expect(ruleDisabled.recheck(plan(['state']), live)).toMatchObject({ aspects: ['definition', 'targets'] });
  });

  it('keeps only the target still different from its baseline', () => {
    const drifted = { ...structuredClone(baselineRule), targets: [baselineRule.targets[1]!] };
    const narrowed = targetsRemoved.recheck(plan(['targets']), { kind: 'events-rule', ruleArn: RULE_ARN, rule: drifted });
    expect(narrowed).toMatchObject({ aspects: ['targets'] });
  });
});
