/**
 * The deployable stack, as CloudFormation: packages it offline with the real toolchain
 * (`serverless package`, no AWS credentials) and checks what a security review checks: the
 * rules match what the controls handle, the role grants exactly what the code declares, no
 * role statement on "*", encryption and TLS-only policies, DLQs, alarms, the runtime, the
 * policy file shipped in the zip, and that an invalid policy stops packaging.
 */
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { eventPatternsOf } from '../../../lib/controls/patterns';
import { controlIds, controls } from '../../../lib/controls/registry';
import { policyAsJson } from '../../../lib/policy/load';
import type { Control } from '../../../lib/controls/types';
import { flushDepsFromEnvironment } from '../../../lib/alerts/wiring';
import { depsFromEnvironment, idempotencyFromEnvironment } from '../../../lib/responder/wiring';
import { lambdaSweepTrigger } from '../../../lib/sweep/trigger';
import { DEFAULT_EVENTBRIDGE_RPS, sweepWiringFromEnvironment } from '../../../lib/sweep/wiring';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { readZipEntry, zipEntryNames, zipEntryInfo } = require('../../../serverless/zip-entry.cjs') as {
  readZipEntry(zip: string, name: string): Buffer | undefined;
  zipEntryNames(zip: string): string[];
  zipEntryInfo(zip: string): Array<{ name: string; method: number; compressedSize: number; size: number; mode: number }>;
};

const ROOT = path.resolve(__dirname, '../../..');
const STAGE = 'ci';
const FUNCTION_NAME = `drift-responder-${STAGE}-responder`;

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;
interface Resource {
  Type: string;
  Properties: Json;
  Condition?: string;
}
interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: Json;
  Action?: string | string[];
  NotAction?: unknown;
  Resource?: Json;
  NotResource?: unknown;
  Condition?: Json;
}

const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const ref = (id: string) => ({ Ref: id });
const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const sortedJson = (values: unknown[]) => values.map((v) => JSON.stringify(v)).sort();

// ---------------------------------------------------------------------------------------------
// What the code declares (independent of the stack files).

const expectedPatterns = eventPatternsOf(controls);

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
/** The repo's policy.yml as the package step ships it to every function: policy.json. */
const REPO_POLICY_JSON = policyAsJson(readFileSync(path.join(ROOT, 'policy.yml'), 'utf8'), 'policy.yml', controlIds);
const REPO_POLICY_JSON_FILE = path.join(mkdtempSync(path.join(os.tmpdir(), 'stack-policy-')), 'policy.json');
writeFileSync(REPO_POLICY_JSON_FILE, REPO_POLICY_JSON);
/** The remediators and alert sink the function really builds (lib/responder/wiring.ts); no AWS call is made. */
const deps = depsFromEnvironment({
  DRIFT_POLICY_FILE: REPO_POLICY_JSON_FILE,
  ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:111122223333:stack-test',
  BASELINE_TABLE: 'stack-test-baselines',
  STATE_TABLE: 'stack-test-state',
  KILL_SWITCH_PARAMETER: '/stack-test/kill-switch',
});
const remediatorActions = deps.remediators.flatMap((r) => r.iamActions);
const sinkActions = [...deps.alerts.iamActions];
/** Trusted changes move baselines: the responder reads what they touched and writes the table (encrypted with DriftKey). */
const snapshotterActions = (deps.snapshotters ?? []).flatMap((s) => s.iamActions);
const baselineStoreActions = [...(deps.baselines as unknown as { iamActions: string[] }).iamActions];
const BASELINE_TABLE_KEY_ACTIONS = ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'];
/** DynamoDB actions on the shared state table: the alert sink's dedup/storm/rate state and the burst counter. */
const stateTableActions = [...sinkActions, ...((deps as unknown as { bursts?: { iamActions: string[] } }).bursts?.iamActions ?? []), ...(deps.loopGuard?.iamActions ?? [])].filter((a) => a.startsWith('dynamodb:'));
/** The kill switch reads its one SSM parameter (lib/safety/kill-switch.ts); the remediation-loop guard writes the state table. */
const safetyActions = [...(deps.killSwitch?.iamActions ?? []), ...(deps.loopGuard?.iamActions ?? [])];
/** iam-eventbridge-overgrant reads attached customer managed policies before evaluating. */
const managedPolicyActions = [...(deps.managedPolicies?.iamActions ?? [])];
/** Idempotency records (one per CloudTrail event) in their own table (lib/responder/idempotency.ts). */
const idempotencyActions = [...idempotencyFromEnvironment({ IDEMPOTENCY_TABLE: 'stack-test-idempotency' })!.iamActions];
/** Tag-driven policy: the tags of the resource a change acted on, read with each service's own API (lib/aws/tags.ts). */
const tagReaderActions = [...(deps.tags?.iamActions ?? [])];
/** After restarting a stopped trail the responder invokes the sweep function (lib/sweep/trigger.ts). */
const sweepTriggerActions = [...lambdaSweepTrigger(undefined as never, 'stack-test-sweep').iamActions];
const declaredActions = [...new Set([...remediatorActions, ...sinkActions, ...snapshotterActions, ...baselineStoreActions, ...BASELINE_TABLE_KEY_ACTIONS, ...managedPolicyActions, ...idempotencyActions, ...safetyActions, ...tagReaderActions, ...sweepTriggerActions])].sort();

/** EventBridge actions on rules (resource type `rule`: rule/NAME and rule/BUS/NAME). */
const RULE_ACTIONS = ['events:DescribeRule', 'events:ListTargetsByRule', 'events:PutRule', 'events:EnableRule', 'events:PutTargets', 'events:RemoveTargets'];
/**
 * Actions AWS offers no resource-level permission for, so "*" is their only resource:
 * Service Authorization Reference, "Actions, resources, and condition keys for Amazon
 * EventBridge", Actions table (no resource type for ListEventBuses and ListRules).
 */
const NO_RESOURCE_LEVEL_PERMISSIONS = [
  'events:ListEventBuses',
  'events:ListRules',
  // Same reference, AWS KMS, Amazon SQS and Amazon SNS Actions tables: no resource type for
  // ListKeys, ListAliases, ListQueues and ListTopics (the key/queue/topic snapshotters list them).
  'kms:ListKeys',
  'kms:ListAliases',
  'sqs:ListQueues',
  'sns:ListTopics',
  // Same reference, AWS CloudTrail Actions table: no resource type for DescribeTrails (the trail
  // snapshotter lists trails, the key snapshotter reads each trail's KmsKeyId); Amazon EC2 Actions table: no resource type for DescribeVpcEndpoints
  // (EC2 Describe* actions never have one).
  'cloudtrail:DescribeTrails',
  'ec2:DescribeVpcEndpoints',
  // Same reference, AWS Resource Groups Tagging API Actions table: no resource type for
  // GetResources (the snapshot function lists resources that only their tags protect).
  'tag:GetResources',
  // Same reference, Amazon EventBridge Actions table: no resource type for ListApiDestinations and
  // ListConnections (the sweep judges every API destination and connection).
  'events:ListApiDestinations',
  'events:ListConnections',
  // Same reference, AWS Identity and Access Management Actions table: no resource type for
  // ListRoles, ListUsers and ListGroups (the sweep judges IAM grants with sweep.iamGrants).
  'iam:ListRoles',
  'iam:ListUsers',
  'iam:ListGroups',
];
/** Tag-driven policy: the responder reads the tags of the resource a change acted on, with each service's own API. */
const TAG_READER_SCOPES: Record<string, Json> = {
  'events:ListTagsForResource': [
    { 'Fn::Sub': 'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/*' },
    { 'Fn::Sub': 'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/*' },
  ],
  'kms:ListResourceTags': { 'Fn::Sub': 'arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*' },
  'sqs:ListQueueTags': { 'Fn::Sub': 'arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:*' },
  'cloudtrail:ListTags': { 'Fn::Sub': 'arn:${AWS::Partition}:cloudtrail:${AWS::Region}:${AWS::AccountId}:trail/*' },
  'sns:ListTagsForResource': { 'Fn::Sub': 'arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:*' },
};
/** CloudTrail actions on trails (resource type `trail`, this account and region). */
const TRAIL_ACTIONS = ['cloudtrail:GetTrailStatus', 'cloudtrail:StartLogging', 'cloudtrail:GetEventSelectors', 'cloudtrail:PutEventSelectors', 'cloudtrail:GetTrail', 'cloudtrail:UpdateTrail'];
/** Encryption controls: remediation and baselines of this account's keys, queues and topics. */
const KEY_ACTIONS = ['kms:DescribeKey', 'kms:EnableKey', 'kms:CancelKeyDeletion', 'kms:GetKeyPolicy', 'kms:PutKeyPolicy', 'kms:GetKeyRotationStatus', 'kms:EnableKeyRotation', 'kms:ListGrants', 'kms:RevokeGrant'];
const QUEUE_ACTIONS = ['sqs:GetQueueAttributes', 'sqs:SetQueueAttributes', 'sqs:GetQueueUrl'];
const TOPIC_ACTIONS = ['sns:GetTopicAttributes', 'sns:SetTopicAttributes'];

/** Actions the runtime itself needs besides the declared ones, and where. */
const LOG_GROUP = `log-group:/aws/lambda/${FUNCTION_NAME}:`;
/** The loop guard skips changes by the responder's and the sweep's roles (by their RoleName: a reference would be a cycle). */
const OWN_PRINCIPALS = {
  'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/drift-responder-${STAGE}-us-east-1-responder,arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/drift-responder-${STAGE}-us-east-1-sweep`,
};
const RUNTIME_ACTIONS = ['logs:CreateLogStream', 'logs:PutLogEvents', 'sqs:SendMessage'];

/** The one resource scope each granted action may have. */
function expectedScope(action: string): (resource: Json) => boolean {
  const eventBuses = { 'Fn::Sub': 'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/*' };
  const is = (expected: Json) => (resource: Json) => JSON.stringify(resource) === JSON.stringify(expected);
  if (NO_RESOURCE_LEVEL_PERMISSIONS.includes(action)) return is('*');
  if (action in TAG_READER_SCOPES) return (resource) => asArray(TAG_READER_SCOPES[action]).some((scope) => is(scope)(resource));
  // A recreated bus or rule gets back its baseline's tags: this account's buses and rules.
  if (action === 'events:TagResource') return (resource) => asArray(TAG_READER_SCOPES['events:ListTagsForResource']).some((scope) => is(scope)(resource));
  if (TRAIL_ACTIONS.includes(action)) return is({ 'Fn::Sub': 'arn:${AWS::Partition}:cloudtrail:${AWS::Region}:${AWS::AccountId}:trail/*' });
  if (action === 'ec2:ModifyVpcEndpoint') return is({ 'Fn::Sub': 'arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:vpc-endpoint/*' });
  if (RULE_ACTIONS.includes(action)) return is({ 'Fn::Sub': 'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/*' });
  if (action === 'iam:PassRole') return is({ 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*' });
  // iam-eventbridge-overgrant: revoking a grant acts on the principal (role, user or group) it names; reading a policy on the policy.
  const principal = /^iam:(?:ListAttached|List|Get|Detach|Delete)(Role|User|Group)Polic(?:y|ies)$/.exec(action)?.[1];
  if (principal) return is({ 'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:${principal.toLowerCase()}/*` });
  if (managedPolicyActions.includes(action)) return is({ 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/*' });
  if ((remediatorActions.includes(action) || snapshotterActions.includes(action)) && action.startsWith('events:')) return is(eventBuses);
  if (action === 'sns:Publish') return is(ref('AlertTopic'));
  if (action === 'lambda:InvokeFunction') return is(arnOf('SweepLambdaFunction'));
  if (KEY_ACTIONS.includes(action)) return is({ 'Fn::Sub': 'arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*' });
  if (QUEUE_ACTIONS.includes(action)) return is({ 'Fn::Sub': 'arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:*' });
  if (TOPIC_ACTIONS.includes(action)) return is({ 'Fn::Sub': 'arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:*' });
  if (action === 'kms:GenerateDataKey' || action === 'kms:Decrypt' || action === 'kms:Encrypt') return is(arnOf('DriftKey')); // topic, DLQ, table encryption
  if (action.startsWith('dynamodb:')) {
    // Baselines in their table; alert dedup/storm state (and other short-lived state) in the state table.
    return (r) =>
      (baselineStoreActions.includes(action) && is(arnOf('BaselineTable'))(r)) ||
      (stateTableActions.includes(action) && is(arnOf('StateTable'))(r)) ||
      (idempotencyActions.includes(action) && is(arnOf('IdempotencyTable'))(r));
  }
  if (action === 'securityhub:BatchImportFindings') return is({ 'Fn::Sub': 'arn:${AWS::Partition}:securityhub:${AWS::Region}:${AWS::AccountId}:product/${AWS::AccountId}/default' });
  if (action === 'securityhub:GetFindings' || action === 'securityhub:BatchUpdateFindings') return is({ 'Fn::Sub': 'arn:${AWS::Partition}:securityhub:${AWS::Region}:${AWS::AccountId}:hub/default' });
  if (action === 'ssm:GetParameter') return is({ 'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${KillSwitchParameter}' });
  if (action === 'sqs:SendMessage') return is(arnOf('ResponderDeadLetterQueue'));
  if (action.startsWith('logs:')) return (r) => typeof r?.['Fn::Sub'] === 'string' && r['Fn::Sub'].includes(LOG_GROUP);
  throw new Error(`the test has no expected resource scope for ${action}: add one`);
}

// ---------------------------------------------------------------------------------------------
// Packaging (two runs in parallel: the valid stack, and invalid policies that must fail).

interface Run {
  code: number;
  output: string;
}

/** `npx serverless ...` in the repo with no AWS credentials at all (proves packaging is offline). */
function serverless(args: string[]): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) if (/^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE)$/.test(name)) delete env[name];
  Object.assign(env, {
    AWS_SHARED_CREDENTIALS_FILE: path.join(os.tmpdir(), 'drift-no-aws-credentials'),
    AWS_CONFIG_FILE: path.join(os.tmpdir(), 'drift-no-aws-config'),
    AWS_EC2_METADATA_DISABLED: 'true',
    SLS_TELEMETRY_DISABLED: '1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
  return new Promise((resolve) => {
    execFile('npx', ['--no-install', 'serverless', ...args], { cwd: ROOT, env, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, output: `${stdout}\n${stderr}` });
    });
  });
}

let tmp: string;
let packageDir: string;
let template: { Resources: Record<string, Resource>; Parameters?: Json; Conditions?: Json };
let invalidRun: { run: Run; file: string; packageDir: string };

const resources = (type: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);
const resource = (id: string) => {
  const r = template.Resources[id];
  if (!r) throw new Error(`template has no resource ${id}`);
  return r;
};

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'drift-stack-'));
  packageDir = path.join(tmp, 'package');
  const invalid = path.join(tmp, 'invalid-policy.yml');
  writeFileSync(invalid, `${readFileSync(path.join(ROOT, 'policy.yml'), 'utf8')}\nnotAPolicyKey: true\n`);

  // The invalid run fails before packaging anything; its --package directory is never created.
  const [valid, viaParam] = await Promise.all([
    serverless(['package', '--stage', STAGE, '--package', packageDir]),
    serverless(['package', '--stage', STAGE, `--param=policy=${invalid}`, '--package', path.join(tmp, 'never')]),
  ]);
  if (valid.code !== 0) throw new Error(`serverless package failed (exit ${valid.code}):\n${valid.output}`);
  template = JSON.parse(readFileSync(path.join(packageDir, 'cloudformation-template-update-stack.json'), 'utf8'));
  invalidRun = { run: viaParam, file: invalid, packageDir: path.join(tmp, 'never') };
}, 130_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------

describe('EventBridge rules come from eventPatternsOf(controls)', () => {
  // The responder's pattern rules; the snapshot schedule is checked with the snapshot function.
  const rules = () => resources('AWS::Events::Rule').filter(([, r]) => r.Properties.EventPattern !== undefined);
  const patternOf = ([, rule]: [string, Resource]) =>
    typeof rule.Properties.EventPattern === 'string' ? JSON.parse(rule.Properties.EventPattern) : rule.Properties.EventPattern;

  it('one rule per pattern, and no other rule', () => {
    expect(expectedPatterns.length).toBeGreaterThan(0);
    expect(sortedJson(rules().map(patternOf))).toEqual(sortedJson(expectedPatterns));
  });

  it.each(expectedPatterns.map((p) => [p.detail.eventSource[0], p] as const))('%s: rule, target, retries, DLQ, permission, alarms', (_source, pattern) => {
    const entry = rules().find((r) => JSON.stringify(patternOf(r)) === JSON.stringify(pattern));
    expect(entry).toBeDefined();
    const [ruleId, rule] = entry as [string, Resource];
    expect(rule.Properties.State).toBe('ENABLED');
    expect(rule.Properties.EventBusName).toBeUndefined(); // CloudTrail management events arrive on the default bus
    expect(rule.Properties.Targets).toEqual([
      {
        Id: expect.any(String),
        Arn: arnOf('ResponderLambdaFunction'),
        RetryPolicy: { MaximumRetryAttempts: expect.any(Number), MaximumEventAgeInSeconds: expect.any(Number) },
        DeadLetterConfig: { Arn: arnOf('RuleDeadLetterQueue') },
      },
    ]);
    expect(rule.Properties.Targets[0].RetryPolicy.MaximumRetryAttempts).toBeGreaterThan(0);

    const permissions = resources('AWS::Lambda::Permission').filter(
      ([, p]) => JSON.stringify(p.Properties.SourceArn) === JSON.stringify(arnOf(ruleId)),
    );
    expect(permissions.map(([, p]) => p.Properties)).toEqual([
      expect.objectContaining({ Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com', FunctionName: arnOf('ResponderLambdaFunction') }),
    ]);

    const alarmMetrics = resources('AWS::CloudWatch::Alarm')
      .map(([, a]) => a.Properties)
      .filter((a) => a.Namespace === 'AWS/Events' && JSON.stringify(a.Dimensions) === JSON.stringify([{ Name: 'RuleName', Value: ref(ruleId) }]));
    expect(alarmMetrics.map((a) => a.MetricName).sort()).toEqual(['FailedInvocations', 'InvocationsFailedToBeSentToDlq', 'InvocationsSentToDlq', 'ThrottledRules']);
    for (const alarm of alarmMetrics) {
      expect(alarm).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching' });
      expect(alarm.AlarmActions).toEqual([ref('AlertTopic')]);
    }
  });

  it('the rule DLQ accepts messages from events.amazonaws.com only for exactly these rules', () => {
    const statements: Statement[] = resource('RuleDeadLetterQueuePolicy').Properties.PolicyDocument.Statement;
    const allows = statements.filter((s) => s.Effect === 'Allow');
    expect(allows).toHaveLength(1);
    expect(allows[0]).toMatchObject({ Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: arnOf('RuleDeadLetterQueue') });
    expect(sortedJson(allows[0]?.Condition.ArnEquals['aws:SourceArn'])).toEqual(sortedJson(rules().map(([id]) => arnOf(id))));
  });
});

describe('scripts/serverless-rules.cjs with patterns from several event sources', () => {
  // Today's controls cover one eventSource; the catalog spans events, kms, cloudtrail, sqs, ...
  it('generates a rule, a permission and four alarms per pattern, and lists every rule in the DLQ policy', () => {
    const several = [
      { source: ['aws.events'], 'detail-type': ['AWS API Call via CloudTrail'], detail: { eventSource: ['events.amazonaws.com'], eventName: ['PutRule'] } },
      { source: ['aws.kms'], 'detail-type': ['AWS API Call via CloudTrail'], detail: { eventSource: ['kms.amazonaws.com'], eventName: ['DisableKey'] } },
      { source: ['aws.cloudtrail'], 'detail-type': ['AWS API Call via CloudTrail'], detail: { eventSource: ['cloudtrail.amazonaws.com'], eventName: ['StopLogging'] } },
    ];
    let generated: Record<string, Resource> = {};
    jest.isolateModules(() => {
      jest.doMock('../../../scripts/serverless-patterns.cjs', () => ({ patterns: () => several }));
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      generated = require('../../../scripts/serverless-rules.cjs').resources().Resources;
    });
    const byType = (type: string) => Object.entries(generated).filter(([, r]) => r.Type === type);
    const rules = byType('AWS::Events::Rule');
    expect(rules.map(([, r]) => r.Properties.EventPattern)).toEqual(several);
    expect(new Set(rules.map(([, r]) => JSON.stringify(r.Properties.Name))).size).toBe(3);
    expect(byType('AWS::Lambda::Permission').map(([, p]) => p.Properties.SourceArn)).toEqual(rules.map(([id]) => arnOf(id)));
    expect(byType('AWS::CloudWatch::Alarm')).toHaveLength(12);
    const dlqAllow = (generated.RuleDeadLetterQueuePolicy?.Properties.PolicyDocument.Statement as Statement[]).find((st) => st.Effect === 'Allow');
    expect(dlqAllow?.Condition.ArnEquals['aws:SourceArn']).toEqual(rules.map(([id]) => arnOf(id)));
  });
});

/** The customer managed policies of this stack attached to a role (the generated declared actions). */
const managedPoliciesOf = (roleId: string) => resources('AWS::IAM::ManagedPolicy').filter(([, p]) => JSON.stringify(p.Properties.Roles) === JSON.stringify([ref(roleId)]));
/** Every statement a role has: its inline policies and the stack's managed policies attached to it. */
const roleStatements = (roleId: string): Statement[] => [
  ...(resource(roleId).Properties.Policies ?? []).flatMap((p: Json) => p.PolicyDocument.Statement),
  ...managedPoliciesOf(roleId).flatMap(([, p]) => p.Properties.PolicyDocument.Statement),
];
/**
 * A policy's size as deployed (IAM counts characters, whitespace aside), measured with long
 * values: the GovCloud partition, a long region, and a long generated name for referenced resources.
 */
const deployedSize = (value: Json) =>
  JSON.stringify(value, (_k, v) => {
    if (v && typeof v === 'object' && typeof v['Fn::Sub'] === 'string') return v['Fn::Sub'].replace(/\$\{AWS::Partition\}/g, 'aws-us-gov').replace(/\$\{AWS::Region\}/g, 'ap-southeast-2').replace(/\$\{AWS::AccountId\}/g, '123456789012').replace(/\$\{KillSwitchParameter\}/g, `/drift-responder-${STAGE}/kill-switch`);
    if (v && typeof v === 'object' && (v['Fn::GetAtt'] || v.Ref)) return `arn:aws-us-gov:dynamodb:ap-southeast-2:123456789012:table/drift-responder-${STAGE}-a-long-generated-name-ABCDEFGHIJ`;
    return v;
  }).length;

describe('IAM quotas', () => {
  // IAM and AWS STS quotas: a role's inline policies hold at most 10,240 characters in all, a
  // managed policy 6,144 (whitespace aside). Over either, the deploy fails.
  it.each(['ResponderRole', 'SnapshotRole', 'SweepRole', 'SweepSchedulerRole', 'AlertDigestRole', 'SlackNotifierRole'])('%s: inline policies under 10,240 characters, each attached managed policy under 6,144', (roleId) => {
    const sizes = { inline: deployedSize(resource(roleId).Properties.Policies ?? []), managed: managedPoliciesOf(roleId).map(([, p]) => deployedSize(p.Properties.PolicyDocument)) };
    expect(sizes.inline).toBeLessThan(10_240);
    for (const size of sizes.managed) expect(size).toBeLessThan(6144);
  });
});

describe('the responder role grants exactly what the code declares', () => {
  const role = () => resource('ResponderRole');
  const statements = (): Statement[] => roleStatements('ResponderRole');
  const granted = () => [...new Set(statements().flatMap((s) => asArray(s.Action)))].sort();

  it('every control that remediates has a remediator in the wiring', () => {
    const kinds = deps.remediators.map((r) => r.kind);
    for (const control of controls as readonly Control[]) if (control.remediation) expect(kinds).toContain(control.remediation);
  });

  it('the function runs as this role, which nothing extends but its own generated managed policies', () => {
    expect(resource('ResponderLambdaFunction').Properties.Role).toEqual({ 'Fn::Sub': '${ResponderRole.Arn}' });
    expect(role().Properties.ManagedPolicyArns ?? []).toEqual([]);
    expect(role().Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ]);
    const attached = [...resources('AWS::IAM::Policy'), ...resources('AWS::IAM::ManagedPolicy')].filter(([, p]) =>
      JSON.stringify(p.Properties.Roles ?? []).includes('ResponderRole'),
    );
    expect(attached.map(([id]) => id)).toEqual(managedPoliciesOf('ResponderRole').map(([id]) => id));
    expect(attached.map(([id]) => id)).toEqual(expect.arrayContaining(['ResponderDeclaredActions1']));
    expect(resources('AWS::IAM::Role').map(([id]) => id).sort()).toEqual(['AlertDigestRole', 'ResponderRole', 'SlackNotifierRole', 'SnapshotRole', 'SweepRole', 'SweepSchedulerRole']);
  });

  it.each(declaredActions)('grants the declared action %s', (action) => {
    expect(granted()).toContain(action);
  });

  it('grants nothing beyond the declared actions and the runtime ones (logs, DLQ send), no wildcards', () => {
    const allowed = new Set([...declaredActions, ...RUNTIME_ACTIONS]);
    expect(granted().filter((a) => !allowed.has(a))).toEqual([]);
    expect(granted().filter((a) => a.includes('*') || a.includes('?'))).toEqual([]);
    for (const s of statements()) {
      expect(s.Effect).toBe('Allow');
      expect(s.NotAction).toBeUndefined();
      expect(s.NotResource).toBeUndefined();
    }
  });

  it.each([...declaredActions, ...RUNTIME_ACTIONS])('%s is granted only on its own resource', (action) => {
    const scoped = expectedScope(action);
    const onResources = statements()
      .filter((s) => asArray(s.Action).includes(action))
      .flatMap((s) => asArray(s.Resource));
    expect(onResources.length).toBeGreaterThan(0);
    for (const r of onResources) expect({ action, resource: r, ok: scoped(r) }).toEqual({ action, resource: r, ok: true });
  });
});

describe('tag-driven policy', () => {
  it('the responder may read the tags of buses, rules, keys, queues, trails and topics, each with its service\'s own API', () => {
    expect(tagReaderActions.sort()).toEqual(Object.keys(TAG_READER_SCOPES).sort());
  });
});

describe('no IAM statement on Resource "*"', () => {
  // Only actions AWS offers no resource-level permission for (NO_RESOURCE_LEVEL_PERMISSIONS,
  // with the doc that says so) may be granted on "*", alone in their statement.
  it('in any role or policy of the stack, except the actions that only take "*"', () => {
    const iam = [...resources('AWS::IAM::Role'), ...resources('AWS::IAM::Policy'), ...resources('AWS::IAM::ManagedPolicy')];
    expect(iam.length).toBeGreaterThan(0);
    const documents: Array<[string, Json]> = iam.flatMap(([id, r]) =>
      r.Type === 'AWS::IAM::Role' ? (r.Properties.Policies ?? []).map((p: Json) => [id, p.PolicyDocument]) : [[id, r.Properties.PolicyDocument]],
    );
    const starred = documents.flatMap(([id, doc]) =>
      asArray<Statement>(doc.Statement)
        .filter((s) => asArray(s.Resource).some((r) => r === '*' || (typeof r === 'string' && /^arn:[^:]*:[^:]*:[^:]*:[^:]*:\*$/.test(r))))
        .filter((s) => !asArray(s.Action).every((a) => NO_RESOURCE_LEVEL_PERMISSIONS.includes(a as string)))
        .map((s) => `${id}: ${s.Sid ?? JSON.stringify(s.Action)}`),
    );
    expect(starred).toEqual([]);
  });
});

describe('encryption and TLS-only policies', () => {
  it('the key is customer managed, rotated, administered by the account root, usable by CloudWatch and EventBridge', () => {
    const key = resource('DriftKey').Properties;
    expect(key.EnableKeyRotation).toBe(true);
    const statements: Statement[] = key.KeyPolicy.Statement;
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Allow', Principal: { AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' } }, Action: 'kms:*' }),
    );
    for (const service of ['cloudwatch.amazonaws.com', 'events.amazonaws.com']) {
      const s = statements.find((st) => st.Principal?.Service === service);
      expect(s).toMatchObject({ Effect: 'Allow', Condition: { StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') } } });
      expect(asArray(s?.Action).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
    }
    expect(resources('AWS::KMS::Alias').map(([, a]) => a.Properties.TargetKeyId)).toEqual([ref('DriftKey')]);
  });

  it('the alert topic is encrypted with the key', () => {
    expect(resource('AlertTopic').Properties.KmsMasterKeyId).toEqual(arnOf('DriftKey'));
  });

  it('CloudWatch may publish to the topic only for this account', () => {
    const statements: Statement[] = resource('AlertTopicPolicy').Properties.PolicyDocument.Statement;
    const allows = statements.filter((s) => s.Effect === 'Allow');
    expect(allows).toEqual([
      expect.objectContaining({
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Condition: { StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') } },
      }),
    ]);
  });

  it.each([
    ['AlertTopicPolicy', 'Topics', 'AlertTopic'],
    ['ResponderDeadLetterQueuePolicy', 'Queues', 'ResponderDeadLetterQueue'],
    ['RuleDeadLetterQueuePolicy', 'Queues', 'RuleDeadLetterQueue'],
    ['SlackDeadLetterQueuePolicy', 'Queues', 'SlackDeadLetterQueue'],
  ])('%s denies requests without TLS', (policyId, key, target) => {
    const policy = resource(policyId).Properties;
    expect(policy[key]).toEqual([ref(target)]);
    const denies = (policy.PolicyDocument.Statement as Statement[]).filter(
      (s) => s.Effect === 'Deny' && s.Principal === '*' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false',
    );
    expect(denies).toHaveLength(1);
  });

  it.each(['ResponderDeadLetterQueue', 'RuleDeadLetterQueue', 'SlackDeadLetterQueue'])('%s: KMS-encrypted with the key, 14 days retention', (id) => {
    expect(resource(id).Properties).toMatchObject({ KmsMasterKeyId: arnOf('DriftKey'), MessageRetentionPeriod: 1209600 });
  });

  it('every queue and topic in the stack is one of those', () => {
    expect(resources('AWS::SQS::Queue').map(([id]) => id).sort()).toEqual(['ResponderDeadLetterQueue', 'RuleDeadLetterQueue', 'SlackDeadLetterQueue', 'SweepScheduleDeadLetterQueue']);
    expect(resources('AWS::SNS::Topic').map(([id]) => id)).toEqual(['AlertTopic']);
  });

  it('the email subscription exists only when alertEmail is set', () => {
    expect(resource('AlertEmailSubscription')).toMatchObject({ Condition: 'HasAlertEmail', Properties: { Protocol: 'email', Endpoint: ref('AlertEmail') } });
    expect(template.Conditions.HasAlertEmail).toEqual({ 'Fn::Not': [{ 'Fn::Equals': [ref('AlertEmail'), ''] }] });
    expect(template.Parameters.AlertEmail).toMatchObject({ Type: 'String', Default: '' });
  });
});

describe('alarms to the alert topic', () => {
  const alarms = () => resources('AWS::CloudWatch::Alarm').map(([id, a]) => ({ id, ...a.Properties }));

  it.each([
    ['AWS/Lambda', 'Errors', 'FunctionName', ref('ResponderLambdaFunction')],
    ['AWS/Lambda', 'Throttles', 'FunctionName', ref('ResponderLambdaFunction')],
    ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', { 'Fn::GetAtt': ['ResponderDeadLetterQueue', 'QueueName'] }],
    ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', { 'Fn::GetAtt': ['RuleDeadLetterQueue', 'QueueName'] }],
  ])('%s %s (%s %j)', (namespace, metric, dimension, value) => {
    const matching = alarms().filter(
      (a) => a.Namespace === namespace && a.MetricName === metric && JSON.stringify(a.Dimensions) === JSON.stringify([{ Name: dimension, Value: value }]),
    );
    expect(matching).toHaveLength(1);
    const alarm = matching[0];
    expect(alarm?.AlarmActions).toEqual([ref('AlertTopic')]);
    expect(alarm?.Period).toBeLessThanOrEqual(300);
    // Fires on the first error / the first message: >= 1, or > 0.
    expect([`GreaterThanOrEqualToThreshold:1`, `GreaterThanThreshold:0`]).toContain(`${alarm?.ComparisonOperator}:${alarm?.Threshold}`);
  });

  it('every alarm notifies the topic and treats missing data as not breaching', () => {
    expect(alarms().length).toBeGreaterThanOrEqual(4 + 2 * expectedPatterns.length);
    for (const alarm of alarms()) {
      expect({ id: alarm.id, actions: alarm.AlarmActions, missing: alarm.TreatMissingData }).toEqual({
        id: alarm.id,
        actions: [ref('AlertTopic')],
        missing: 'notBreaching',
      });
    }
  });
});

describe('the function', () => {
  it('runs nodejs22.x on arm64 with its environment', () => {
    const fn = resource('ResponderLambdaFunction').Properties;
    expect(fn).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], Handler: 'functions/responder.handler', MemorySize: 256, FunctionName: FUNCTION_NAME });
    expect(fn.Timeout).toBeGreaterThanOrEqual(10);
    expect(fn.Timeout).toBeLessThanOrEqual(60);
    expect(fn.Environment.Variables).toMatchObject({ ALERT_TOPIC_ARN: ref('AlertTopic'), RESPONDER_PRINCIPALS: OWN_PRINCIPALS });
    expect(fn.Environment.Variables.DRIFT_POLICY_FILE).toBeUndefined(); // the shipped policy.json is used
  });

  it.each(['ResponderLambdaFunction', 'SnapshotLambdaFunction'])('%s always protects the stack\'s own key, every queue of the stack and the alert topic', (id) => {
    const variables = resource(id).Properties.Environment.Variables;
    expect(variables).toMatchObject({ DRIFT_KEY_ARN: arnOf('DriftKey'), ALERT_TOPIC_ARN: ref('AlertTopic') });
    const [separator, queues] = variables.RESPONDER_QUEUE_ARNS['Fn::Join'];
    expect(separator).toBe(',');
    expect(sortedJson(queues)).toEqual(sortedJson(resources('AWS::SQS::Queue').map(([queueId]) => arnOf(queueId))));
  });

  it('failed async invocations are retried twice, then go to its DLQ', () => {
    const [config] = resources('AWS::Lambda::EventInvokeConfig').map(([, c]) => c.Properties);
    expect(config).toMatchObject({
      FunctionName: ref('ResponderLambdaFunction'),
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 3600,
      DestinationConfig: { OnFailure: { Destination: arnOf('ResponderDeadLetterQueue') } },
    });
  });

  it('its log group keeps 90 days', () => {
    expect(resource('ResponderLogGroup').Properties).toMatchObject({ LogGroupName: `/aws/lambda/${FUNCTION_NAME}`, RetentionInDays: 90 });
  });

  // package.individually: each function has its own zip with only its own bundle.
  it.each(['responder', 'snapshot', 'alertDigest', 'slackNotifier', 'sweep'])(
    'the %s zip ships policy.json at its root, the repo policy.yml as JSON, and only its own bundle',
    (fn) => {
      const zip = path.join(packageDir, `${fn}.zip`);
      expect(readZipEntry(zip, 'policy.json')?.toString('utf8')).toBe(REPO_POLICY_JSON);
      expect(readZipEntry(zip, 'policy.yml')).toBeUndefined();
      // Recompressed by the plugin: deflated at level 9, regular files readable by the runtime.
      for (const entry of zipEntryInfo(zip)) {
        expect({ name: entry.name, method: entry.method, mode: entry.mode.toString(8) }).toEqual({ name: entry.name, method: 8, mode: '100644' });
        expect(entry.compressedSize).toBe(deflateRawSync(readZipEntry(zip, entry.name)!, { level: 9 }).length);
      }
      const names = zipEntryNames(zip);
      const functionResource = Object.values<any>(template.Resources).find(
        (r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Code?.S3Key?.endsWith(`/${fn}.zip`),
      );
      const handler: string = functionResource?.Properties.Handler;
      expect(handler).toBeDefined();
      // The digest the function trusts its policy.json by (lib/policy/shipped.ts) is that of the file in its zip.
      expect(functionResource.Properties.Environment.Variables.DRIFT_POLICY_SHA256).toBe(createHash('sha256').update(readZipEntry(zip, 'policy.json')!).digest('hex'));
      expect(names.filter((n) => n.endsWith('.js'))).toEqual([`${handler.slice(0, handler.lastIndexOf('.'))}.js`]);
      expect(names.filter((n) => n.startsWith('node_modules/'))).toEqual([]); // everything is bundled
      const sourceMaps = names.some((n) => n.endsWith('.map'));
      const nodeOptions: string | undefined = resource('ResponderLambdaFunction').Properties.Environment.Variables.NODE_OPTIONS;
      expect(sourceMaps).toBe(nodeOptions?.includes('--enable-source-maps') ?? false);
      expect(statSync(zip).size).toBeLessThan(5 * 1024 * 1024);
    },
  );
});

describe('an invalid policy stops packaging', () => {
  // Selected with --param="policy=FILE" (`--policy FILE` is the same option, through the plugin).
  it('fails naming the file and the key, and packages nothing', () => {
    const { run, file, packageDir: never } = invalidRun;
    expect(run.code).not.toBe(0);
    expect(run.output).toContain(`invalid policy file ${file}`);
    expect(run.output).toContain('notAPolicyKey: unknown key');
    expect(run.output).not.toContain('Service packaged');
    expect(existsSync(never)).toBe(false);
  });
});

describe('baselines: the table, the snapshot function, the responder\'s own rules', () => {
  const snapshotStatements = (): Statement[] => resource('SnapshotRole').Properties.Policies.flatMap((p: Json) => p.PolicyDocument.Statement);

  it('the baseline table is keyed by resource, encrypted with the key, has point-in-time recovery, and is retained', () => {
    const table = template.Resources.BaselineTable as Resource & { DeletionPolicy?: string; UpdateReplacePolicy?: string };
    expect(table.Type).toBe('AWS::DynamoDB::Table');
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.UpdateReplacePolicy).toBe('Retain');
    expect(table.Properties.KeySchema).toEqual([{ AttributeName: 'resource', KeyType: 'HASH' }]);
    expect(table.Properties.AttributeDefinitions).toEqual([{ AttributeName: 'resource', AttributeType: 'S' }]);
    expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: arnOf('DriftKey') });
    expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
  });

  it('the responder knows the table and its own rules (always protected), named exactly as the stack names them', () => {
    const variables = resource('ResponderLambdaFunction').Properties.Environment.Variables;
    expect(variables.BASELINE_TABLE).toEqual(ref('BaselineTable'));
    const names = (variables.RESPONDER_RULES['Fn::Sub'] as string).split(',');
    const ruleNames = resources('AWS::Events::Rule').map(([, r]) => r.Properties.Name['Fn::Sub'] as string);
    expect(names.sort()).toEqual(ruleNames.sort());
    expect(resource('SnapshotLambdaFunction').Properties.Environment.Variables).toMatchObject({ BASELINE_TABLE: ref('BaselineTable'), RESPONDER_RULES: variables.RESPONDER_RULES });
  });

  it('the snapshot function runs as its own role: snapshotter reads, PutItem on the table, the key, its logs; nothing else', () => {
    expect(resource('SnapshotLambdaFunction').Properties).toMatchObject({ Role: { 'Fn::Sub': '${SnapshotRole.Arn}' }, Handler: 'functions/snapshot.handler', Runtime: 'nodejs22.x' });
    const granted = [...new Set(snapshotStatements().flatMap((st) => asArray(st.Action)))].sort();
    const expected = [...new Set([...snapshotterActions, 'dynamodb:PutItem', ...BASELINE_TABLE_KEY_ACTIONS, 'tag:GetResources', 'logs:CreateLogStream', 'logs:PutLogEvents'])].sort();
    expect(granted).toEqual(expected);
    for (const st of snapshotStatements()) {
      for (const action of asArray(st.Action) as string[]) {
        for (const r of asArray(st.Resource)) {
          const ok = action.startsWith('logs:') ? JSON.stringify(r).includes('-snapshot:') : expectedScope(action)(r);
          expect({ action, resource: r, ok }).toEqual({ action, resource: r, ok: true });
        }
      }
    }
  });

  it('the snapshot and responder roles may list trails with their KMS keys (a key behind a protected trail is protected)', () => {
    const keySnapshotter = (deps.snapshotters ?? []).find((s) => s.kind === 'kms-key');
    expect(keySnapshotter?.iamActions).toContain('cloudtrail:DescribeTrails');
    for (const role of ['SnapshotRole', 'ResponderRole']) {
      const statements: Statement[] = roleStatements(role);
      expect({ role, grants: statements.some((st) => st.Effect === 'Allow' && asArray(st.Action).includes('cloudtrail:DescribeTrails') && asArray(st.Resource).includes('*')) }).toEqual({ role, grants: true });
    }
  });

  it('iam:PassRole (restoring a rule or target role, or a trail\'s log delivery role) is limited to this account\'s roles passed to EventBridge or CloudTrail', () => {
    const statements: Statement[] = roleStatements('ResponderRole');
    const passRole = statements.filter((st) => asArray(st.Action).includes('iam:PassRole'));
    expect(passRole.length).toBeGreaterThan(0);
    for (const st of passRole) expect(st.Condition).toEqual({ StringEquals: { 'iam:PassedToService': ['events.amazonaws.com', 'cloudtrail.amazonaws.com'] } });
  });

  it('runs on a schedule (default every hour) and on every deploy through a custom resource', () => {
    const schedule = resource('SnapshotSchedule').Properties;
    expect(schedule).toMatchObject({ ScheduleExpression: ref('SnapshotScheduleExpression'), State: 'ENABLED' });
    expect(schedule.Name).toEqual({ 'Fn::Sub': '${AWS::StackName}-baseline-snapshot' });
    expect(schedule.Targets).toEqual([expect.objectContaining({ Arn: arnOf('SnapshotLambdaFunction') })]);
    expect(template.Parameters.SnapshotScheduleExpression).toMatchObject({ Type: 'String', Default: 'rate(1 hour)' });
    expect(resources('AWS::Lambda::Permission').map(([, p]) => p.Properties)).toContainEqual(
      expect.objectContaining({ FunctionName: arnOf('SnapshotLambdaFunction'), Principal: 'events.amazonaws.com', SourceArn: arnOf('SnapshotSchedule') }),
    );
    const onDeploy = resource('BaselineSnapshotOnDeploy').Properties;
    expect(onDeploy.ServiceToken).toEqual(arnOf('SnapshotLambdaFunction'));
    expect(typeof onDeploy.DeployedAt).toBe('string'); // a new value each deploy: CloudFormation sends an Update every time
    expect(onDeploy.ResponderRules).toEqual(resources('AWS::Events::Rule').filter(([, r]) => r.Properties.EventPattern).map(([id]) => arnOf(id)));
    // The function answers well before CloudFormation gives up on it.
    expect(resource('SnapshotLambdaFunction').Properties.Timeout).toBeLessThan(onDeploy.ServiceTimeout);
  });

  it('its errors alarm the alert topic', () => {
    const alarm = resource('SnapshotErrorsAlarm').Properties;
    expect(alarm).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: ref('SnapshotLambdaFunction') }], AlarmActions: [ref('AlertTopic')] });
  });
});

describe('alert channels: the Slack notifier and the alert digest (serverless/resources/alerting.yml)', () => {
  const statementsOf = (roleId: string): Statement[] => roleStatements(roleId);
  const grants = (statements: Statement[]) => statements.flatMap((st) => asArray(st.Action).flatMap((a) => asArray(st.Resource).map((r) => ({ action: a as string, resource: r }))));

  it('the notifier reads exactly one SSM parameter, named by the slackWebhookParameter param, only when it is set', () => {
    const fn = resource('SlackNotifierLambdaFunction').Properties;
    expect(fn).toMatchObject({ Role: { 'Fn::Sub': '${SlackNotifierRole.Arn}' }, Handler: 'functions/slack-notifier.handler', Runtime: 'nodejs22.x' });
    // The parameter's NAME is configuration; the URL itself is in no variable and nowhere in the template.
    // (and, as in every function, the digest of the policy.json its zip ships, like every zip).
    expect(fn.Environment.Variables).toEqual({ SLACK_WEBHOOK_PARAMETER: '', DRIFT_POLICY_SHA256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(JSON.stringify(template)).not.toMatch(/hooks\.slack\.com/);
    expect(template.Parameters.SlackWebhookParameter).toMatchObject({ Type: 'String', Default: '' });
    const conditional = statementsOf('SlackNotifierRole').filter((st) => (st as Json)['Fn::If']);
    expect(conditional).toEqual([
      {
        'Fn::If': [
          'HasSlackWebhook',
          { Sid: 'WebhookUrlParameter', Effect: 'Allow', Action: 'ssm:GetParameter', Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${SlackWebhookParameter}' } },
          ref('AWS::NoValue'),
        ],
      },
    ]);
  });

  it('the notifier role grants its logs, its DLQ (and the key) and nothing else', () => {
    const plain = statementsOf('SlackNotifierRole').filter((st) => !(st as Json)['Fn::If']);
    const scopes = grants(plain).map(({ action, resource: r }) => `${action} ${JSON.stringify(r)}`);
    expect(scopes.sort()).toEqual(
      [
        `kms:Decrypt ${JSON.stringify(arnOf('DriftKey'))}`,
        `kms:GenerateDataKey ${JSON.stringify(arnOf('DriftKey'))}`,
        `sqs:SendMessage ${JSON.stringify(arnOf('SlackDeadLetterQueue'))}`,
        ...['', ':*'].flatMap((tail) => ['logs:CreateLogStream', 'logs:PutLogEvents'].map((a) => `${a} ${JSON.stringify({ 'Fn::Sub': `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/drift-responder-${STAGE}-slackNotifier:*${tail}` })}`)),
      ].sort(),
    );
  });

  it('the notifier is subscribed to the alert topic (lambda protocol) only when the parameter is set, may be invoked only by it', () => {
    expect(resource('SlackAlertSubscription')).toMatchObject({ Condition: 'HasSlackWebhook', Properties: { TopicArn: ref('AlertTopic'), Protocol: 'lambda', Endpoint: arnOf('SlackNotifierLambdaFunction') } });
    expect(resource('SlackNotifierInvokePermission')).toMatchObject({
      Condition: 'HasSlackWebhook',
      Properties: { FunctionName: arnOf('SlackNotifierLambdaFunction'), Action: 'lambda:InvokeFunction', Principal: 'sns.amazonaws.com', SourceArn: ref('AlertTopic') },
    });
    expect(template.Conditions.HasSlackWebhook).toEqual({ 'Fn::Not': [{ 'Fn::Equals': [ref('SlackWebhookParameter'), ''] }] });
  });

  it('the notifier retries inside the invocation, then what failed goes straight to its DLQ, which alarms', () => {
    const configs = resources('AWS::Lambda::EventInvokeConfig').map(([, c]) => c.Properties).filter((c) => JSON.stringify(c.FunctionName) === JSON.stringify(ref('SlackNotifierLambdaFunction')));
    expect(configs).toEqual([expect.objectContaining({ MaximumRetryAttempts: 0, DestinationConfig: { OnFailure: { Destination: arnOf('SlackDeadLetterQueue') } } })]);
    const alarms = resources('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    expect(alarms).toContainEqual(expect.objectContaining({ MetricName: 'ApproximateNumberOfMessagesVisible', Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['SlackDeadLetterQueue', 'QueueName'] } }], AlarmActions: [ref('AlertTopic')] }));
    expect(alarms).toContainEqual(expect.objectContaining({ MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: ref('SlackNotifierLambdaFunction') }], AlarmActions: [ref('AlertTopic')] }));
  });

  it('the digest runs every minute with exactly the actions its code declares, each on its own resource', () => {
    const digest = flushDepsFromEnvironment({ DRIFT_POLICY_FILE: REPO_POLICY_JSON_FILE, ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:111122223333:stack-test', STATE_TABLE: 'stack-test-state' });
    const statements = statementsOf('AlertDigestRole');
    const granted = [...new Set(grants(statements).map((g) => g.action))].sort();
    expect(granted).toEqual([...new Set([...digest.iamActions, 'logs:CreateLogStream', 'logs:PutLogEvents'])].sort());
    for (const { action, resource: r } of grants(statements)) {
      const ok = action.startsWith('logs:') ? JSON.stringify(r).includes('-alertDigest:') : action.startsWith('dynamodb:') ? JSON.stringify(r) === JSON.stringify(arnOf('StateTable')) : expectedScope(action)(r);
      expect({ action, resource: r, ok }).toEqual({ action, resource: r, ok: true });
    }
    expect(resource('AlertDigestLambdaFunction').Properties).toMatchObject({ Handler: 'functions/alert-digest.handler', Environment: { Variables: { ALERT_TOPIC_ARN: ref('AlertTopic'), STATE_TABLE: ref('StateTable') } } });
    expect(resource('AlertDigestSchedule').Properties).toMatchObject({ ScheduleExpression: 'rate(1 minute)', State: 'ENABLED', Name: { 'Fn::Sub': '${AWS::StackName}-alert-digest' } });
    expect(resources('AWS::Lambda::Permission').map(([, p]) => p.Properties)).toContainEqual(
      expect.objectContaining({ FunctionName: arnOf('AlertDigestLambdaFunction'), Principal: 'events.amazonaws.com', SourceArn: arnOf('AlertDigestSchedule') }),
    );
  });

  it('the responder and the digest share the state table', () => {
    expect(resource('ResponderLambdaFunction').Properties.Environment.Variables.STATE_TABLE).toEqual(ref('StateTable'));
    expect(resource('StateTable').Properties.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
  });
});

describe('self-monitoring and tamper detection', () => {
  const alarms = () => resources('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
  const alarmOn = (namespace: string, metric: string, dimension: string, value: Json) =>
    alarms().filter((a) => a.Namespace === namespace && a.MetricName === metric && JSON.stringify(a.Dimensions) === JSON.stringify([{ Name: dimension, Value: value }]));

  it.each(['Errors', 'Throttles'])('every function has a %s alarm to the alert topic', (metric) => {
    const functions = resources('AWS::Lambda::Function').map(([id]) => id);
    expect(functions.length).toBeGreaterThan(1);
    for (const fn of functions) {
      const matching = alarmOn('AWS/Lambda', metric, 'FunctionName', ref(fn));
      expect({ fn, count: matching.length, actions: matching[0]?.AlarmActions }).toEqual({ fn, count: 1, actions: [ref('AlertTopic')] });
    }
  });

  it('every dead-letter queue has a messages-visible alarm to the alert topic', () => {
    for (const [queue] of resources('AWS::SQS::Queue')) {
      const matching = alarmOn('AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', { 'Fn::GetAtt': [queue, 'QueueName'] });
      expect({ queue, count: matching.length }).toEqual({ queue, count: 1 });
    }
  });

  it('the state table: key pk, TTL expiresAt, encrypted with the stack key, point-in-time recovery', () => {
    expect(resource('StateTable').Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: arnOf('DriftKey') },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it('the responder knows its own resources (every name starts with service-stage), its deploy principals and its metrics namespace', () => {
    const variables = resource('ResponderLambdaFunction').Properties.Environment.Variables;
    const globs = variables.RESPONDER_RESOURCES['Fn::Join'][1].map((v: Json) => v['Fn::Sub'] ?? v);
    expect(globs).toEqual([
      'arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:drift-responder-ci-*',
      'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/drift-responder-ci-*',
      'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/drift-responder-ci-*',
      'arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:drift-responder-ci-*',
      'arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:drift-responder-ci-*',
      'arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/drift-responder-ci-*',
      arnOf('DriftKey'),
      'arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:alias/drift-responder-ci',
      // The sweep's schedule: deleting or disabling it stops the sweeps (EventBridge Scheduler, default group).
      'arn:${AWS::Partition}:scheduler:${AWS::Region}:${AWS::AccountId}:schedule/default/drift-responder-ci-*',
    ]);
    // Everything the stack names itself is inside those globs.
    const named = [
      ...resources('AWS::Lambda::Function').map(([, r]) => r.Properties.FunctionName),
      ...resources('AWS::IAM::Role').map(([, r]) => r.Properties.RoleName),
      ...resources('AWS::SNS::Topic').map(([, r]) => r.Properties.TopicName),
      ...resources('AWS::SQS::Queue').map(([, r]) => r.Properties.QueueName),
      ...resources('AWS::DynamoDB::Table').map(([, r]) => r.Properties.TableName),
    ];
    for (const name of named) expect(String(name)).toMatch(/^drift-responder-ci-/);
    expect(variables.DEPLOY_PRINCIPALS).toBe('');
    expect(variables.METRICS_NAMESPACE).toBe('drift-responder/ci');
  });

  it('one dashboard: findings by severity and control, remediations by outcome, rule/function/DLQ health', () => {
    const dashboards = resources('AWS::CloudWatch::Dashboard');
    expect(dashboards).toHaveLength(1);
    const body: string = dashboards[0]![1].Properties.DashboardBody['Fn::Sub'];
    const widgets = JSON.parse(body.replace(/\$\{[^}]+\}/g, 'x')).widgets;
    expect(widgets.map((w: Json) => w.properties.title)).toEqual([
      'Findings by severity',
      'Findings by control',
      'Remediations by outcome',
      'Rules: failed, throttled, sent to DLQ, failed to reach DLQ',
      'Functions: errors and throttles',
      'Dead-letter queues: messages waiting',
    ]);
    for (const text of ['{drift-responder/ci,Severity} MetricName=\\"Findings\\"', '{drift-responder/ci,Control}', '{drift-responder/ci,Status} MetricName=\\"Remediations\\"', 'ThrottledRules', 'InvocationsFailedToBeSentToDlq']) {
      expect(body).toContain(text);
    }
    for (const [fn] of resources('AWS::Lambda::Function')) expect(body).toContain(`\${${fn}}`);
    for (const [queue] of resources('AWS::SQS::Queue')) expect(body).toContain(`\${${queue}.QueueName}`);
  });
});

describe('idempotency: one record per CloudTrail event (serverless/resources/idempotency.yml)', () => {
  const iamDocuments = (): Array<[string, Statement[]]> =>
    resources('AWS::IAM::Role').map(([id]) => [id, roleStatements(id)]);

  it('the table is keyed by id, expires items through TTL, is encrypted with the stack key, has point-in-time recovery, and goes with the stack', () => {
    const table = template.Resources.IdempotencyTable as Resource & { DeletionPolicy?: string; UpdateReplacePolicy?: string };
    expect(table.Type).toBe('AWS::DynamoDB::Table');
    expect(table.DeletionPolicy).toBe('Delete');
    expect(table.UpdateReplacePolicy).toBe('Delete');
    expect(table.Properties).toMatchObject({
      TableName: 'drift-responder-ci-idempotency',
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      // The idempotency store (lib/responder/idempotency-store.ts) writes the expiry (epoch seconds) to `expiration`.
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: arnOf('DriftKey') },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it('the responder knows the table', () => {
    expect(resource('ResponderLambdaFunction').Properties.Environment.Variables.IDEMPOTENCY_TABLE).toEqual(ref('IdempotencyTable'));
  });

  it('only the responder role may use it, with exactly the record actions, on that table alone (and the key it is encrypted with)', () => {
    const onTable = iamDocuments().flatMap(([id, statements]) =>
      statements.filter((s) => JSON.stringify(s.Resource ?? null).includes('IdempotencyTable')).map((s) => ({ id, actions: asArray(s.Action).sort(), resource: s.Resource })),
    );
    expect(onTable).toEqual([{ id: 'ResponderRole', actions: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], resource: arnOf('IdempotencyTable') }]);
    const responder = iamDocuments().find(([id]) => id === 'ResponderRole')![1];
    for (const action of ['kms:Decrypt', 'kms:GenerateDataKey']) {
      expect(responder.filter((s) => asArray(s.Action).includes(action)).flatMap((s) => asArray(s.Resource))).toContainEqual(arnOf('DriftKey'));
    }
  });
});

describe('the kill switch (serverless/resources/kill-switch.yml)', () => {
  it('is an SSM String parameter of this stack, created "off", accepting only on or off', () => {
    expect(resource('KillSwitchParameter').Type).toBe('AWS::SSM::Parameter');
    expect(resource('KillSwitchParameter').Properties).toMatchObject({
      Name: '/drift-responder/ci/kill-switch',
      Type: 'String',
      Value: 'off',
      AllowedPattern: '^(on|off)$',
    });
  });

  it('the responder knows its name and the code reads it', () => {
    expect(resource('ResponderLambdaFunction').Properties.Environment.Variables.KILL_SWITCH_PARAMETER).toEqual(ref('KillSwitchParameter'));
    expect(deps.killSwitch?.iamActions).toEqual(['ssm:GetParameter']);
  });

  it('the responder role may read that parameter alone, and change no parameter', () => {
    const responder: Statement[] = roleStatements('ResponderRole');
    const ssm = responder.filter((s) => asArray(s.Action).some((a) => a.startsWith('ssm:')));
    expect(ssm.map((s) => ({ actions: asArray(s.Action), resource: s.Resource }))).toEqual([
      { actions: ['ssm:GetParameter'], resource: { 'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${KillSwitchParameter}' } },
    ]);
  });
});

describe('what checkov checks (scripts/check-stack.sh; serverless/resources/checkov.yml)', () => {
  it('every log group is encrypted with the stack key, which CloudWatch Logs may use only for this stack\'s function log groups', () => {
    const groups = resources('AWS::Logs::LogGroup');
    expect(groups.length).toBeGreaterThan(0);
    expect(groups.filter(([, g]) => JSON.stringify(g.Properties.KmsKeyId) !== JSON.stringify(arnOf('DriftKey'))).map(([id]) => id)).toEqual([]);
    const logs = (resource('DriftKey').Properties.KeyPolicy.Statement as Statement[]).filter(
      (s) => JSON.stringify(s.Principal) === JSON.stringify({ Service: { 'Fn::Sub': 'logs.${AWS::Region}.amazonaws.com' } }),
    );
    expect(logs).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Condition: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': { 'Fn::Sub': `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/drift-responder-${STAGE}-*` },
          },
        },
      }),
    ]);
    for (const [, g] of groups) expect(g.Properties.LogGroupName).toMatch(new RegExp(`^/aws/lambda/drift-responder-${STAGE}-`));
  });

  it('the deployment bucket keeps earlier versions of the artifacts', () => {
    expect(resource('ServerlessDeploymentBucket').Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
  });

  it('every suppressed check names a checkov check id and gives a reason', () => {
    const skips = Object.entries(template.Resources).flatMap(([id, r]) =>
      asArray<{ id?: unknown; comment?: unknown }>((r as Json).Metadata?.checkov?.skip).map((s) => ({ resource: id, ...s })),
    );
    expect(skips.length).toBeGreaterThan(0);
    expect(skips.filter((s) => typeof s.id !== 'string' || !/^CKV2?_AWS_\d+$/.test(s.id) || typeof s.comment !== 'string' || s.comment.length < 40)).toEqual([]);
  });
});

describe('the reconciliation sweep (serverless/resources/sweep.yml)', () => {
  const wiring = sweepWiringFromEnvironment({
    DRIFT_POLICY_FILE: REPO_POLICY_JSON_FILE,
    ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:111122223333:stack-test',
    BASELINE_TABLE: 'stack-test-baselines',
    STATE_TABLE: 'stack-test-state',
    KILL_SWITCH_PARAMETER: '/stack-test/kill-switch',
  });
  /** The responder's pipeline minus what the sweep never does: handle deliveries (idempotency), count denials, trigger itself. */
  const pipelineActions = [...remediatorActions, ...sinkActions, ...snapshotterActions, ...baselineStoreActions, ...BASELINE_TABLE_KEY_ACTIONS, ...safetyActions, ...tagReaderActions, ...managedPolicyActions];
  const sweepActions = new Set([...pipelineActions, ...wiring.iamActions.readers, ...wiring.iamActions.catalog, ...wiring.iamActions.checkpoints]);
  /** Its inline policy (logs) and the managed policies attached to it (the declared actions: more than a role's inline policies may hold). */
  const managed = () => resources('AWS::IAM::ManagedPolicy').filter(([, p]) => JSON.stringify(p.Properties.Roles) === JSON.stringify([ref('SweepRole')]));
  const statements = (): Statement[] => [
    ...resource('SweepRole').Properties.Policies.flatMap((p: Json) => p.PolicyDocument.Statement),
    ...managed().flatMap(([, p]) => p.Properties.PolicyDocument.Statement),
  ];

  /** The sweep's own scopes; everything it shares with the responder has the responder's. */
  function sweepScope(action: string): (resource: Json) => boolean {
    const is = (expected: Json) => (r: Json) => JSON.stringify(r) === JSON.stringify(expected);
    if (action === 'dynamodb:Scan') return is(arnOf('BaselineTable'));
    if (wiring.iamActions.checkpoints.includes(action)) return (r) => is(arnOf('StateTable'))(r) || expectedScope(action)(r);
    if (action === 'sns:ListSubscriptionsByTopic') return is({ 'Fn::Sub': 'arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:*' });
    if (action === 'events:DescribeConnection') return is({ 'Fn::Sub': 'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:connection/*' });
    if (action.startsWith('logs:')) return (r) => typeof r?.['Fn::Sub'] === 'string' && r['Fn::Sub'].includes(`log-group:/aws/lambda/drift-responder-${STAGE}-sweep:`);
    return expectedScope(action);
  }

  it('runs functions/sweep.ts as its own role, with the responder\'s environment and a rate limit', () => {
    const fn = resource('SweepLambdaFunction').Properties;
    const responderVariables = resource('ResponderLambdaFunction').Properties.Environment.Variables;
    expect(fn).toMatchObject({ Runtime: 'nodejs22.x', Handler: 'functions/sweep.handler', FunctionName: `drift-responder-${STAGE}-sweep`, Role: { 'Fn::Sub': '${SweepRole.Arn}' } });
    expect(fn.Timeout).toBeGreaterThan(60); // the budget stops 20 s before it
    expect(fn.Environment.Variables).toEqual({ ...responderVariables, SWEEP_EVENTBRIDGE_RPS: String(DEFAULT_EVENTBRIDGE_RPS) });
    expect(responderVariables.SWEEP_FUNCTION_NAME).toBe(fn.FunctionName);
    expect(responderVariables.RESPONDER_PRINCIPALS).toEqual(OWN_PRINCIPALS);
    expect([resource('ResponderRole').Properties.RoleName, resource('SweepRole').Properties.RoleName]).toEqual([
      `drift-responder-${STAGE}-us-east-1-responder`,
      `drift-responder-${STAGE}-us-east-1-sweep`,
    ]);
  });

  it('its role grants nothing beyond what the sweep declares and its logs, each on its narrowest resource', () => {
    const granted = [...new Set(statements().flatMap((st) => asArray(st.Action)))];
    expect(granted.filter((a) => !sweepActions.has(a) && !['logs:CreateLogStream', 'logs:PutLogEvents'].includes(a))).toEqual([]);
    expect(granted).toEqual(expect.arrayContaining(['dynamodb:Scan', 'kms:ListGrants', 'sns:ListSubscriptionsByTopic', 'events:ListRules', 'events:PutRule', 'kms:EnableKey', 'cloudtrail:StartLogging']));
    for (const st of statements()) {
      expect(st.Effect).toBe('Allow');
      for (const action of asArray(st.Action)) {
        for (const r of asArray(st.Resource)) expect({ action, resource: r, ok: sweepScope(action)(r) }).toEqual({ action, resource: r, ok: true });
      }
    }
  });

  it('its declared actions fit IAM\'s quotas: managed policies under 6,144 characters each, nothing else attached to it', () => {
    // IAM and AWS STS quotas: a managed policy holds at most 6,144 characters (whitespace aside), a
    // role's inline policies 10,240 in all. Deployed ARNs are measured with a long stack name and region.
    const deployed = (value: Json) =>
      JSON.stringify(value, (_k, v) => {
        if (v && typeof v === 'object' && typeof v['Fn::Sub'] === 'string') return v['Fn::Sub'].replace(/\$\{AWS::Partition\}/g, 'aws-us-gov').replace(/\$\{AWS::Region\}/g, 'ap-southeast-2').replace(/\$\{AWS::AccountId\}/g, '123456789012').replace(/\$\{KillSwitchParameter\}/g, `/drift-responder-${STAGE}/kill-switch`);
        if (v && typeof v === 'object' && (v['Fn::GetAtt'] || v.Ref)) return `arn:aws-us-gov:dynamodb:ap-southeast-2:123456789012:table/drift-responder-${STAGE}-a-long-generated-name-ABCDEFGHIJ`;
        return v;
      }).length;
    expect(managed().length).toBeGreaterThan(0);
    for (const [, policy] of managed()) expect(deployed(policy.Properties.PolicyDocument)).toBeLessThan(6144);
    expect(deployed(resource('SweepRole').Properties.Policies)).toBeLessThan(10_240);
    expect(resource('SweepRole').Properties.ManagedPolicyArns).toBeUndefined();
    const attached = [...resources('AWS::IAM::Policy'), ...resources('AWS::IAM::ManagedPolicy')].filter(([, p]) => JSON.stringify(p.Properties.Roles ?? []).includes('SweepRole'));
    expect(attached.map(([id]) => id).sort()).toEqual(managed().map(([id]) => id).sort());
  });

  it('EventBridge Scheduler runs it every 15 minutes by default, through a role that may invoke only it', () => {
    const schedule = resource('SweepSchedule').Properties;
    expect(template.Parameters.SweepScheduleExpression).toMatchObject({ Type: 'String', Default: 'rate(15 minutes)' });
    expect(schedule).toMatchObject({
      ScheduleExpression: ref('SweepScheduleExpression'),
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: arnOf('SweepLambdaFunction'), RoleArn: arnOf('SweepSchedulerRole'), DeadLetterConfig: { Arn: arnOf('SweepScheduleDeadLetterQueue') } },
    });
    const role = resource('SweepSchedulerRole').Properties;
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Principal: { Service: 'scheduler.amazonaws.com' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') } } },
    ]);
    const grants = role.Policies.flatMap((p: Json) => p.PolicyDocument.Statement).map((st: Statement) => [asArray(st.Action).sort(), st.Resource]);
    expect(grants).toEqual([
      [['lambda:InvokeFunction'], arnOf('SweepLambdaFunction')],
      [['sqs:SendMessage'], arnOf('SweepScheduleDeadLetterQueue')],
      [['kms:Decrypt', 'kms:GenerateDataKey'], arnOf('DriftKey')],
    ]);
  });

  it('its schedule dead-letter queue is encrypted with the stack key, kept 14 days, TLS only, and alarmed', () => {
    expect(resource('SweepScheduleDeadLetterQueue').Properties).toMatchObject({ KmsMasterKeyId: arnOf('DriftKey'), MessageRetentionPeriod: 1209600 });
    expect(resource('SweepScheduleDeadLetterQueuePolicy').Properties.PolicyDocument.Statement).toEqual([
      expect.objectContaining({ Effect: 'Deny', Principal: '*', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    ]);
    const alarms = resources('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties).filter((a) => JSON.stringify(a.Dimensions).includes('Sweep'));
    expect(alarms.map((a) => a.MetricName).sort()).toEqual(['ApproximateNumberOfMessagesVisible', 'Errors', 'Throttles']);
    for (const alarm of alarms) expect(alarm.AlarmActions).toEqual([ref('AlertTopic')]);
  });
});
