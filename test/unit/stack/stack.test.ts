/**
 * The deployable stack, as CloudFormation: packages it offline with the real toolchain
 * (`serverless package`, no AWS credentials) and checks what a security review checks: the
 * rules match what the controls handle, the role grants exactly what the code declares, no
 * role statement on "*", encryption and TLS-only policies, DLQs, alarms, the runtime, the
 * policy file shipped in the zip, and that an invalid policy stops packaging.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eventPatternsOf } from '../../../lib/controls/patterns';
import { controls } from '../../../lib/controls/registry';
import { depsFromEnvironment } from '../../../lib/responder/wiring';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { readZipEntry, zipEntryNames } = require('../../../serverless/zip-entry.cjs') as {
  readZipEntry(zip: string, name: string): Buffer | undefined;
  zipEntryNames(zip: string): string[];
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
/** The remediators and alert sink the function really builds (lib/responder/wiring.ts); no AWS call is made. */
const deps = depsFromEnvironment({
  DRIFT_POLICY_FILE: path.join(ROOT, 'policy.yml'),
  ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:111122223333:stack-test',
});
const remediatorActions = deps.remediators.flatMap((r) => r.iamActions);
const sinkActions = [...deps.alerts.iamActions];
const declaredActions = [...new Set([...remediatorActions, ...sinkActions])].sort();

/** Actions the runtime itself needs besides the declared ones, and where. */
const LOG_GROUP = `log-group:/aws/lambda/${FUNCTION_NAME}:`;
const RUNTIME_ACTIONS = ['logs:CreateLogStream', 'logs:PutLogEvents', 'sqs:SendMessage'];

/** The one resource scope each granted action may have. */
function expectedScope(action: string): (resource: Json) => boolean {
  const eventBuses = { 'Fn::Sub': 'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/*' };
  const is = (expected: Json) => (resource: Json) => JSON.stringify(resource) === JSON.stringify(expected);
  if (remediatorActions.includes(action) && action.startsWith('events:')) return is(eventBuses);
  if (action === 'sns:Publish') return is(ref('AlertTopic'));
  if (action === 'kms:GenerateDataKey' || action === 'kms:Decrypt') return is(arnOf('DriftKey')); // topic + DLQ encryption
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
  const rules = () => resources('AWS::Events::Rule');
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
    expect(alarmMetrics.map((a) => a.MetricName).sort()).toEqual(['FailedInvocations', 'InvocationsSentToDlq']);
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
  it('generates a rule, a permission and two alarms per pattern, and lists every rule in the DLQ policy', () => {
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
    expect(byType('AWS::CloudWatch::Alarm')).toHaveLength(6);
    const dlqAllow = (generated.RuleDeadLetterQueuePolicy?.Properties.PolicyDocument.Statement as Statement[]).find((st) => st.Effect === 'Allow');
    expect(dlqAllow?.Condition.ArnEquals['aws:SourceArn']).toEqual(rules.map(([id]) => arnOf(id)));
  });
});

describe('the responder role grants exactly what the code declares', () => {
  const role = () => resource('ResponderRole');
  const statements = (): Statement[] => role().Properties.Policies.flatMap((p: Json) => p.PolicyDocument.Statement);
  const granted = () => [...new Set(statements().flatMap((s) => asArray(s.Action)))].sort();

  it('every control that remediates has a remediator in the wiring', () => {
    const kinds = deps.remediators.map((r) => r.kind);
    for (const control of controls) if (control.remediation) expect(kinds).toContain(control.remediation);
  });

  it('the function runs as this role, which nothing else extends', () => {
    expect(resource('ResponderLambdaFunction').Properties.Role).toEqual({ 'Fn::Sub': '${ResponderRole.Arn}' });
    expect(role().Properties.ManagedPolicyArns ?? []).toEqual([]);
    expect(role().Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ]);
    const attached = [...resources('AWS::IAM::Policy'), ...resources('AWS::IAM::ManagedPolicy')].filter(([, p]) =>
      JSON.stringify(p.Properties.Roles ?? []).includes('ResponderRole'),
    );
    expect(attached).toEqual([]);
    expect(resources('AWS::IAM::Role').map(([id]) => id)).toEqual(['ResponderRole']);
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

describe('no IAM statement on Resource "*"', () => {
  // No action the responder needs forces "*": every one supports resource-level permissions.
  it('in any role or policy of the stack', () => {
    const iam = [...resources('AWS::IAM::Role'), ...resources('AWS::IAM::Policy'), ...resources('AWS::IAM::ManagedPolicy')];
    expect(iam.length).toBeGreaterThan(0);
    const documents: Array<[string, Json]> = iam.flatMap(([id, r]) =>
      r.Type === 'AWS::IAM::Role' ? (r.Properties.Policies ?? []).map((p: Json) => [id, p.PolicyDocument]) : [[id, r.Properties.PolicyDocument]],
    );
    const starred = documents.flatMap(([id, doc]) =>
      asArray<Statement>(doc.Statement)
        .filter((s) => asArray(s.Resource).some((r) => r === '*' || (typeof r === 'string' && /^arn:[^:]*:[^:]*:[^:]*:[^:]*:\*$/.test(r))))
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
  ])('%s denies requests without TLS', (policyId, key, target) => {
    const policy = resource(policyId).Properties;
    expect(policy[key]).toEqual([ref(target)]);
    const denies = (policy.PolicyDocument.Statement as Statement[]).filter(
      (s) => s.Effect === 'Deny' && s.Principal === '*' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false',
    );
    expect(denies).toHaveLength(1);
  });

  it.each(['ResponderDeadLetterQueue', 'RuleDeadLetterQueue'])('%s: KMS-encrypted with the key, 14 days retention', (id) => {
    expect(resource(id).Properties).toMatchObject({ KmsMasterKeyId: arnOf('DriftKey'), MessageRetentionPeriod: 1209600 });
  });

  it('every queue and topic in the stack is one of those', () => {
    expect(resources('AWS::SQS::Queue').map(([id]) => id).sort()).toEqual(['ResponderDeadLetterQueue', 'RuleDeadLetterQueue']);
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
    expect(fn.Environment.Variables).toMatchObject({ ALERT_TOPIC_ARN: ref('AlertTopic'), RESPONDER_PRINCIPALS: arnOf('ResponderRole') });
    expect(fn.Environment.Variables.DRIFT_POLICY_FILE).toBeUndefined(); // the shipped policy.yml is used
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

  it('the zip ships policy.yml at its root, byte-identical to the repo policy.yml, and the bundle', () => {
    const zip = path.join(packageDir, 'drift-responder.zip');
    expect(readZipEntry(zip, 'policy.yml')?.equals(readFileSync(path.join(ROOT, 'policy.yml')))).toBe(true);
    const names = zipEntryNames(zip);
    expect(names).toContain('functions/responder.js');
    expect(names.filter((n) => n.startsWith('node_modules/'))).toEqual([]); // everything is bundled
    const sourceMaps = names.some((n) => n.endsWith('.map'));
    const nodeOptions: string | undefined = resource('ResponderLambdaFunction').Properties.Environment.Variables.NODE_OPTIONS;
    expect(sourceMaps).toBe(nodeOptions?.includes('--enable-source-maps') ?? false);
    expect(statSync(zip).size).toBeLessThan(5 * 1024 * 1024);
  });
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
