import type { Baseline } from '../baseline/types';
import { TRAIL_BASELINE_KIND, type TrailBaseline } from '../controls/cloudtrail/trail';
import { busSettingsBaselineKey, EVENT_BUS_SETTINGS_BASELINE } from '../controls/bus-encryption/types';
import { evaluateChange } from '../controls/evaluate';
import { KMS_KEY_BASELINE, type KmsKeyDefinition, type KmsKeyState } from '../controls/kms/types';
import { ENDPOINT_BASELINE_KIND } from '../controls/endpoints/endpoint';
import { controlIds, controls } from '../controls/registry';
import { BUS_KIND, RULE_KIND, type RuleDefinition } from '../controls/rules/model';
import type { Finding } from '../controls/types';
import type { Change } from '../events/change';
import { policySchema } from '../policy/schema';
import {
  alertTopicUnheardChange,
  busChanges,
  destinationChanges,
  endpointChanges,
  iamGrantChanges,
  keyChanges,
  ownRuleChanges,
  queueChanges,
  ruleChanges,
  SWEEP_ACTOR_TYPE,
  topicChanges,
  trailChanges,
  type KeyStateInput,
  type RuleState,
  type SweepOrigin,
  type TrailState,
} from './synthesize';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const origin: SweepOrigin = { account: ACCOUNT, region: REGION, time: '2026-11-29T12:00:00.000Z', runId: 'run-1', sweepArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:drift-responder-test-sweep` };

const policy = policySchema(controlIds).parse({
  trustedAccounts: ['111122223333'],
  allowedDestinations: ['*.example.com'],
  // The wiring adds the responder's own rules (RESPONDER_RULES) to protect.rules.
  protect: { rules: ['prod-*', 'drift-responder-test-kms'], buses: ['orders'], keys: ['*'], trails: ['*'], queues: ['*-dlq'], topics: [`arn:aws:sns:${REGION}:${ACCOUNT}:alerts`] },
  responder: { resources: [`arn:aws:events:${REGION}:${ACCOUNT}:rule/drift-responder-test-*`, `arn:aws:sns:${REGION}:${ACCOUNT}:alerts`, `arn:aws:lambda:${REGION}:${ACCOUNT}:function:drift-responder-test-*`] },
});

// As the sweep runs them: state changes without responder-tampered (it cannot know who changed
// what), health changes with every control.
const stateControls = controls.filter((c) => c.id !== 'responder-tampered');

/** What the registry's controls make of the synthesised changes, with these baselines prefetched. */
function judge(changes: readonly Change[], baselines: readonly Baseline[] = [], { health = false } = {}): Finding[] {
  const lookup = new Map(baselines.map((b) => [b.resource, b]));
  return changes.flatMap((change) => {
    const evaluation = evaluateChange(change, { policy, baselines: lookup }, health ? controls : stateControls);
    expect(evaluation.failures).toEqual([]);
    return evaluation.findings;
  });
}

const baselineOf = (resource: string, kind: string, definition: unknown): Baseline => ({ resource, kind, definition, capturedAt: '2026-11-01T00:00:00Z', source: 'snapshot' });
const controlsOf = (findings: readonly Finding[]) => findings.map((f) => f.control).sort();

// ------------------------------------------------------------------------------------------------
// Rules and targets

const RULE_ARN = `arn:aws:events:${REGION}:${ACCOUNT}:rule/prod-orders`;
const PATTERN = '{"source":["aws.ec2"]}';
const queueTarget = { Id: 'orders-queue', Arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:orders`, DeadLetterConfig: { Arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:orders-dlq` } };
const ruleBaseline: RuleDefinition = { name: 'prod-orders', eventBusName: 'default', arn: RULE_ARN, eventPattern: PATTERN, state: 'ENABLED', targets: [queueTarget] };
const rule = (live: RuleDefinition | undefined, extra: Partial<RuleState> = {}): RuleState => ({ arn: RULE_ARN, name: 'prod-orders', busName: 'default', protected: true, baseline: ruleBaseline, live, ...extra });
const ruleBaselines = [baselineOf(RULE_ARN, RULE_KIND, ruleBaseline)];

describe('ruleChanges', () => {
  it.each<[string, RuleState, string[], string[]]>([
    ['a protected rule gone since its baseline is a DeleteRule', rule(undefined), ['DeleteRule'], ['rule-deleted']],
    ['a protected rule disabled is a DisableRule', rule({ ...ruleBaseline, state: 'DISABLED' }), ['DisableRule'], ['rule-disabled']],
    ['a protected rule with another pattern is a PutRule of the live definition', rule({ ...ruleBaseline, eventPattern: '{"source":["aws.s3"]}' }), ['PutRule'], ['rule-modified']],
    ['a baseline target gone is a RemoveTargets of its id', rule({ ...ruleBaseline, targets: [] }), ['RemoveTargets'], ['targets-removed']],
    [
      'a target added in an untrusted account is a PutTargets of it',
      rule({ ...ruleBaseline, targets: [queueTarget, { Id: 'exfil', Arn: 'arn:aws:sqs:us-east-1:999999999999:loot' }] }),
      ['PutTargets'],
      ['target-cross-account', 'target-no-dlq'],
    ],
    [
      'a rule nobody protects sending to an untrusted account is judged as written',
      rule({ ...ruleBaseline, name: 'dev-x', targets: [{ Id: 'x', Arn: 'arn:aws:lambda:us-east-1:999999999999:function:f' }] }, { name: 'dev-x', arn: `arn:aws:events:${REGION}:${ACCOUNT}:rule/dev-x`, protected: false, baseline: undefined }),
      ['PutTargets'],
      ['target-cross-account'],
    ],
    ['a protected rule without a baseline that is disabled is a DisableRule', rule({ ...ruleBaseline, state: 'DISABLED' }, { baseline: undefined }), ['DisableRule'], ['rule-disabled']],
  ])('%s', (_name, state, events, expected) => {
    // Act
    const changes = ruleChanges(origin, state);
    const findings = judge(changes, state.baseline ? ruleBaselines : []);
    // Assess
    expect(changes.map((c) => c.eventName)).toEqual(events);
    expect(controlsOf(findings)).toEqual(expected.sort());
    expect(findings.every((f) => f.foundBy === 'sweep' && f.actor.type === SWEEP_ACTOR_TYPE)).toBe(true);
  });

  it('plans the restore from the baseline, targets included', () => {
    // Act
    const [finding] = judge(ruleChanges(origin, rule(undefined)), ruleBaselines);
    // Assess
    expect(finding?.plan).toEqual({ kind: 'restore-rule', ruleArn: RULE_ARN, name: 'prod-orders', eventBusName: 'default', aspects: ['definition', 'targets'], baseline: ruleBaseline });
  });

  it.each<[string, RuleState]>([
    ['a protected rule as in its baseline', rule(ruleBaseline)],
    ['a protected rule with no baseline yet', rule({ ...ruleBaseline }, { baseline: undefined })],
    ['a rule nobody protects, gone, with no baseline', rule(undefined, { protected: false, baseline: undefined })],
  ])('synthesises nothing for %s', (_name, state) => {
    expect(ruleChanges(origin, state)).toEqual([]);
  });

  it('a rule nobody protects with trusted targets yields changes but no finding', () => {
    // Act
    const changes = ruleChanges(origin, rule({ ...ruleBaseline, name: 'dev-y' }, { name: 'dev-y', arn: `arn:aws:events:${REGION}:${ACCOUNT}:rule/dev-y`, protected: false, baseline: undefined }));
    // Assess
    expect(changes).toHaveLength(1);
    expect(judge(changes)).toEqual([]);
  });
});

// ------------------------------------------------------------------------------------------------
// Buses

const BUS_ARN = `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/orders`;
const publicPolicy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'open', Effect: 'Allow', Principal: '*', Action: 'events:PutEvents', Resource: BUS_ARN }] });
const trustedPolicy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'partner', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'events:PutEvents', Resource: BUS_ARN }] });
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const settingsBaseline = { name: 'orders', kmsKeyIdentifier: KEY_ARN, deadLetterArn: `arn:aws:sqs:${REGION}:${ACCOUNT}:orders-dlq` };

describe('destinationChanges', () => {
  const DESTINATION = `arn:aws:events:${REGION}:${ACCOUNT}:api-destination/hook/1a2b`;
  const CONNECTION = `arn:aws:events:${REGION}:${ACCOUNT}:connection/oauth/3c4d`;
  it.each<[string, Parameters<typeof destinationChanges>[1], Array<[string, string]>]>([
    ['an API destination on a host not allowed', { kind: 'api-destination', name: 'hook', arn: DESTINATION, endpoint: 'https://collect.exfil.test/in' }, [['target-untrusted-destination', DESTINATION]]],
    ['an API destination on an allowed host', { kind: 'api-destination', name: 'hook', arn: DESTINATION, endpoint: 'https://hooks.example.com/in' }, []],
    ['a connection whose OAuth endpoint is on a host not allowed', { kind: 'connection', name: 'oauth', arn: CONNECTION, endpoint: 'https://login.exfil.test/token' }, [['target-untrusted-destination', CONNECTION]]],
    ['a connection without OAuth (no endpoint to judge)', { kind: 'connection', name: 'oauth', arn: CONNECTION }, []],
  ])('%s', (_name, destination, expected) => {
    expect(judge(destinationChanges(origin, destination)).map((f) => [f.control, f.resource])).toEqual(expected);
  });
});

describe('iamGrantChanges', () => {
  const eventsAdmin = encodeURIComponent(JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'events:*', Resource: '*' }] }));
  const readOnly = encodeURIComponent(JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'events:Describe*', Resource: '*' }] }));
  it.each<[string, Parameters<typeof iamGrantChanges>[1], string[]]>([
    ['an inline policy (URL-encoded, as IAM returns it) granting events:* on everything', { kind: 'role', name: 'ops', managed: [], inline: [{ policyName: 'p', document: eventsAdmin }] }, ['PutRolePolicy']],
    ['an attached AWS managed policy with EventBridge administrative power', { kind: 'user', name: 'bob', managed: ['arn:aws:iam::aws:policy/AmazonEventBridgeFullAccess'], inline: [] }, ['AttachUserPolicy']],
    ['a read-only inline policy', { kind: 'group', name: 'auditors', managed: [], inline: [{ policyName: 'p', document: readOnly }] }, []],
  ])('%s', (_name, principal, expected) => {
    expect(judge(iamGrantChanges(origin, principal)).map((f) => f.event.name)).toEqual(expected);
  });
});

describe('busChanges', () => {
  it.each<[string, Parameters<typeof busChanges>[1], Baseline[], string[]]>([
    ['a public bus policy is a PutPermission of the whole policy', { name: 'orders', arn: BUS_ARN, hasBusBaseline: false, live: { policy: publicPolicy } }, [], ['bus-policy-public']],
    ['a protected bus gone since its baseline is a DeleteEventBus', { name: 'orders', arn: BUS_ARN, hasBusBaseline: true }, [baselineOf(BUS_ARN, BUS_KIND, { name: 'orders', arn: BUS_ARN, rules: [] })], ['bus-deleted']],
    [
      'a bus whose key is gone is an UpdateEventBus without one',
      { name: 'orders', arn: BUS_ARN, hasBusBaseline: false, settingsBaseline, live: { deadLetterArn: settingsBaseline.deadLetterArn } },
      [baselineOf(busSettingsBaselineKey(BUS_ARN), EVENT_BUS_SETTINGS_BASELINE, settingsBaseline)],
      ['bus-encryption-downgraded'],
    ],
  ])('%s', (_name, state, baselines, expected) => {
    expect(controlsOf(judge(busChanges(origin, state), baselines))).toEqual(expected);
  });

  it('finds nothing on a bus with a trusted policy and its baseline settings', () => {
    // Act
    const changes = busChanges(origin, { name: 'orders', arn: BUS_ARN, hasBusBaseline: true, settingsBaseline, live: { policy: trustedPolicy, kmsKeyIdentifier: KEY_ARN, deadLetterArn: settingsBaseline.deadLetterArn } });
    // Assess
    expect(judge(changes, [baselineOf(busSettingsBaselineKey(BUS_ARN), EVENT_BUS_SETTINGS_BASELINE, settingsBaseline)])).toEqual([]);
  });
});

// ------------------------------------------------------------------------------------------------
// KMS keys

const rootAdmin = { Sid: 'root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' };
const safePolicy = { Version: '2012-10-17', Statement: [rootAdmin] };
const liveKey: KmsKeyState = { keyId: '1234abcd-12ab-34cd-56ef-1234567890ab', arn: KEY_ARN, keyState: 'Enabled', keySpec: 'SYMMETRIC_DEFAULT', keyUsage: 'ENCRYPT_DECRYPT', origin: 'AWS_KMS', keyManager: 'CUSTOMER', rotationEnabled: true };
const keyBaseline: KmsKeyDefinition = { ...liveKey, policy: safePolicy, aliases: [], usedBy: [] };
const key = (live: Partial<KmsKeyState>, extra: Partial<KeyStateInput> = {}): KeyStateInput => ({
  keyArn: KEY_ARN,
  live: { ...liveKey, ...live },
  policy: safePolicy,
  grants: [],
  baseline: keyBaseline,
  trust: { account: ACCOUNT, trustedAccounts: policy.trustedAccounts },
  ...extra,
});
const keyBaselines = [baselineOf(KEY_ARN, KMS_KEY_BASELINE, keyBaseline)];

describe('keyChanges', () => {
  it.each<[string, KeyStateInput, string[]]>([
    ['a key pending deletion is a ScheduleKeyDeletion', key({ keyState: 'PendingDeletion', rotationEnabled: undefined }, { policy: undefined }), ['key-deletion-scheduled']],
    ['a disabled key is a DisableKey', key({ keyState: 'Disabled' }), ['key-disabled']],
    ['a key whose rotation is off is a DisableKeyRotation', key({ rotationEnabled: false }), ['key-rotation-disabled']],
    ['a key policy open to anyone is a PutKeyPolicy of it', key({}, { policy: { Version: '2012-10-17', Statement: [rootAdmin, { Sid: 'open', Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*' }] } }), ['key-policy-broadened']],
    ['a grant to an untrusted account is a CreateGrant of it', key({}, { grants: [{ grantId: 'g-1', granteePrincipal: 'arn:aws:iam::999999999999:role/x', operations: ['Decrypt'] }] }), ['key-grant-external']],
  ])('%s', (_name, state, expected) => {
    expect(controlsOf(judge(keyChanges(origin, state), keyBaselines))).toEqual(expected);
  });

  it('plans CancelKeyDeletion then EnableKey for a key enabled in its baseline', () => {
    // Act
    const [finding] = judge(keyChanges(origin, key({ keyState: 'PendingDeletion' }, { policy: undefined })), keyBaselines);
    // Assess
    expect(finding?.plan).toEqual({ kind: 'cancel-key-deletion', keyArn: KEY_ARN, enableAfterCancel: true });
  });

  it('plans RevokeGrant of the grant found', () => {
    // Act
    const [finding] = judge(keyChanges(origin, key({}, { grants: [{ grantId: 'g-1', granteePrincipal: 'arn:aws:iam::999999999999:role/x' }] })), keyBaselines);
    // Assess
    expect(finding?.plan).toEqual({ kind: 'revoke-grant', keyArn: KEY_ARN, grantId: 'g-1', grantee: 'arn:aws:iam::999999999999:role/x' });
  });

  it.each<[string, KeyStateInput]>([
    ['a healthy key', key({})],
    ['a key disabled in its baseline too', key({ keyState: 'Disabled' }, { baseline: { ...keyBaseline, keyState: 'Disabled' } })],
    ['a key without rotation in its baseline', key({ rotationEnabled: false }, { baseline: { ...keyBaseline, rotationEnabled: false } })],
    ['an asymmetric key (no rotation)', key({ keySpec: 'RSA_2048', keyUsage: 'SIGN_VERIFY', rotationEnabled: undefined })],
  ])('synthesises nothing for %s', (_name, state) => {
    expect(keyChanges(origin, state)).toEqual([]);
  });
});

// ------------------------------------------------------------------------------------------------
// Trails

const TRAIL_ARN = `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/management`;
const allManagement = { eventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: true }] };
const trailConfig = { s3BucketName: 'trail-bucket', isMultiRegionTrail: true, logFileValidationEnabled: true, includeGlobalServiceEvents: true };
const trailBaseline: TrailBaseline = { name: 'management', trailArn: TRAIL_ARN, isLogging: true, config: trailConfig, selectors: allManagement };
const trail = (live: Partial<NonNullable<TrailState['live']>> | undefined, baseline: TrailBaseline | undefined = trailBaseline): TrailState => ({
  arn: TRAIL_ARN,
  name: 'management',
  baseline,
  live: live ? { isLogging: true, config: trailConfig, selectors: allManagement, ...live } : undefined,
});
const trailBaselines = [baselineOf(TRAIL_ARN, TRAIL_BASELINE_KIND, trailBaseline)];

describe('trailChanges', () => {
  it.each<[string, TrailState, string[]]>([
    ['a trail not logging is a StopLogging', trail({ isLogging: false }), ['trail-stopped']],
    ['a trail not logging and with no baseline is a StopLogging too', trail({ isLogging: false }, undefined), ['trail-stopped']],
    ['a trail that stopped recording management events is a PutEventSelectors', trail({ selectors: { eventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: false }] } }), ['trail-selectors-weakened']],
    ['a trail recording read events only, with no baseline, is judged on its own', trail({ selectors: { eventSelectors: [{ ReadWriteType: 'ReadOnly', IncludeManagementEvents: true }] } }, undefined), ['trail-selectors-weakened']],
    ['a trail without log file validation is an UpdateTrail', trail({ config: { ...trailConfig, logFileValidationEnabled: false } }), ['trail-config-weakened']],
    ['a trail that writes to another bucket is an UpdateTrail', trail({ config: { ...trailConfig, s3BucketName: 'elsewhere' } }), ['trail-config-weakened']],
    [
      'a trail whose KMS key is gone is an UpdateTrail removing it',
      trail({ config: trailConfig }, { ...trailBaseline, config: { ...trailConfig, kmsKeyId: KEY_ARN } }),
      ['trail-config-weakened'],
    ],
    [
      'a single-region trail in its baseline too is judged only on what changed',
      trail({ config: { s3BucketName: 'elsewhere' } }, { ...trailBaseline, config: { s3BucketName: 'trail-bucket' } }),
      ['trail-config-weakened'],
    ],
    ['a trail gone since its baseline is a DeleteTrail', trail(undefined), ['trail-deleted']],
  ])('%s', (_name, state, expected) => {
    expect(controlsOf(judge(trailChanges(origin, state), state.baseline ? [baselineOf(TRAIL_ARN, TRAIL_BASELINE_KIND, state.baseline)] : []))).toEqual(expected);
  });

  it('names only the settings that differ from the baseline', () => {
    // Act
    const [change] = trailChanges(origin, trail({ config: { s3BucketName: 'elsewhere' } }, { ...trailBaseline, config: { s3BucketName: 'trail-bucket' } }));
    const [finding] = judge(change ? [change] : [], [baselineOf(TRAIL_ARN, TRAIL_BASELINE_KIND, { ...trailBaseline, config: { s3BucketName: 'trail-bucket' } })]);
    // Assess
    expect(change?.requestParameters).toEqual({ name: TRAIL_ARN, s3BucketName: 'elsewhere' });
    expect(finding?.evidence.summary).toBe('UpdateTrail on management: log bucket changed from trail-bucket to elsewhere');
  });

  it('plans StartLogging and the baseline settings', () => {
    // Act
    const findings = judge([...trailChanges(origin, trail({ isLogging: false, config: { ...trailConfig, isMultiRegionTrail: false } }))], trailBaselines);
    // Assess
    expect(findings.map((f) => f.plan)).toEqual([
      { kind: 'start-trail-logging', trailArn: TRAIL_ARN },
      { kind: 'restore-trail-config', trailArn: TRAIL_ARN, settings: { isMultiRegionTrail: true, includeGlobalServiceEvents: true } },
    ]);
  });

  it.each<[string, TrailState]>([
    ['a trail as in its baseline', trail({})],
    ['a logging trail with all management events and no baseline', trail({}, undefined)],
  ])('synthesises nothing for %s', (_name, state) => {
    expect(trailChanges(origin, state)).toEqual([]);
  });
});

// ------------------------------------------------------------------------------------------------
// Queues, topics and the responder's own health

const QUEUE_URL = `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/orders-dlq`;
const QUEUE_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:orders-dlq`;
const TOPIC_ARN = `arn:aws:sns:${REGION}:${ACCOUNT}:alerts`;

describe('queueChanges and topicChanges', () => {
  it.each<[string, Change[], string[]]>([
    [
      'a protected queue open to anyone',
      queueChanges(origin, { url: QUEUE_URL, arn: QUEUE_ARN, hasBaseline: false, attributes: { SqsManagedSseEnabled: 'true', MessageRetentionPeriod: '1209600', Policy: JSON.stringify({ Statement: [{ Sid: 'open', Effect: 'Allow', Principal: '*', Action: 'sqs:SendMessage', Resource: QUEUE_ARN }] }) } }),
      ['queue-policy-public'],
    ],
    ['a protected queue keeping messages a day only', queueChanges(origin, { url: QUEUE_URL, arn: QUEUE_ARN, hasBaseline: false, attributes: { SqsManagedSseEnabled: 'true', MessageRetentionPeriod: '86400' } }), ['queue-retention-reduced']],
    ['a protected queue gone since its baseline', queueChanges(origin, { url: QUEUE_URL, arn: QUEUE_ARN, hasBaseline: true }), ['queue-deleted']],
    ['a healthy protected queue', queueChanges(origin, { url: QUEUE_URL, arn: QUEUE_ARN, hasBaseline: false, attributes: { SqsManagedSseEnabled: 'true', MessageRetentionPeriod: '1209600' } }), []],
    ['the alert topic with its encryption removed', topicChanges(origin, { topicArn: TOPIC_ARN, attributes: { TopicArn: TOPIC_ARN } }), ['topic-tampered']],
    ['the alert topic gone', topicChanges(origin, { topicArn: TOPIC_ARN }), ['topic-tampered']],
    ['the alert topic, encrypted, with its default policy', topicChanges(origin, { topicArn: TOPIC_ARN, attributes: { KmsMasterKeyId: 'alias/drift', Policy: JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'SNS:Publish', Resource: TOPIC_ARN, Condition: { StringEquals: { 'AWS:SourceOwner': ACCOUNT } } }] }) } }), []],
  ])('%s', (_name, changes, expected) => {
    expect(controlsOf(judge(changes))).toEqual(expected);
  });
});

const ENDPOINT_ARN = `arn:aws:ec2:${REGION}:${ACCOUNT}:vpc-endpoint/vpce-0abc123`;
const orgOnly = JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalAccount': ACCOUNT } } }] });
const openToAll = JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }] });
const endpointBaselines = [baselineOf(ENDPOINT_ARN, ENDPOINT_BASELINE_KIND, { vpcEndpointId: 'vpce-0abc123', serviceName: `com.amazonaws.${REGION}.events`, vpcEndpointType: 'Interface', policyDocument: orgOnly })];
const endpoint = (live: { policyDocument?: string } | undefined, hasBaseline = true) => endpointChanges(origin, { arn: ENDPOINT_ARN, vpcEndpointId: 'vpce-0abc123', hasBaseline, baselinePolicy: orgOnly, live });

describe('endpointChanges', () => {
  it.each<[string, Change[], string[]]>([
    ['a guarded endpoint whose policy lets anyone in', endpoint({ policyDocument: openToAll }), ['endpoint-policy-broadened']],
    ['a guarded endpoint reset to the full-access default', endpoint({}), ['endpoint-policy-broadened']],
    ['a guarded endpoint gone', endpoint(undefined), ['endpoint-policy-broadened']],
    ['a guarded endpoint as in its baseline', endpoint({ policyDocument: orgOnly }), []],
    ['an endpoint with no baseline (not known to be guarded)', endpoint(undefined, false), []],
  ])('%s', (_name, changes, expected) => {
    expect(controlsOf(judge(changes, endpointBaselines))).toEqual(expected);
  });

  it('plans the restore of the baseline policy', () => {
    const [finding] = judge(endpoint({ policyDocument: openToAll }), endpointBaselines);
    expect(finding?.plan).toEqual({ kind: 'restore-endpoint-policy', vpcEndpointId: 'vpce-0abc123', policyDocument: orgOnly });
  });
});

describe("the responder's own health", () => {
  const OWN = `arn:aws:events:${REGION}:${ACCOUNT}:rule/drift-responder-test-kms`;
  const ownRule = (live: RuleDefinition | undefined): RuleState => ({ arn: OWN, name: 'drift-responder-test-kms', busName: 'default', protected: true, live });
  const ownLive: RuleDefinition = { name: 'drift-responder-test-kms', eventBusName: 'default', arn: OWN, eventPattern: PATTERN, state: 'ENABLED', targets: [{ Id: 'responder', Arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:drift-responder-test-responder` }] };

  it.each<[string, Change[], string[]]>([
    ['an own rule gone, with no baseline, is critical', ownRuleChanges(origin, ownRule(undefined), true), ['responder-tampered', 'rule-deleted']],
    ['an own rule disabled is critical', ownRuleChanges(origin, ownRule({ ...ownLive, state: 'DISABLED' }), true), ['responder-tampered', 'rule-disabled']],
    ['an own rule that targets none of its functions is critical', ownRuleChanges(origin, ownRule({ ...ownLive, targets: [] }), false), ['responder-tampered']],
    ['an alert topic nobody receives is critical', [alertTopicUnheardChange(origin, TOPIC_ARN)], ['responder-tampered', 'topic-tampered']],
    ['a healthy own rule is fine', ownRuleChanges(origin, ownRule(ownLive), true), []],
  ])('%s', (_name, changes, expected) => {
    // Act
    const findings = judge(changes, [], { health: true });
    // Assess
    expect(controlsOf(findings)).toEqual(expected);
    expect(findings.filter((f) => f.control === 'responder-tampered').every((f) => f.severity === 'critical')).toBe(true);
  });
});
