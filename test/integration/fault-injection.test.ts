/**
 * Faults from AWS, injected by a proxy (harness/fault-proxy.ts) between the REAL handler
 * (functions/responder.ts, wired from its environment with AWS_ENDPOINT_URL at the proxy) and
 * the shared moto server: throttling, 500s, hung requests and AccessDenied, answered in each
 * service's own protocol, for one remediation of each AWS service the responder writes to, and
 * for the SNS publish of the alert. Every path must end in one of: processed (applied, one
 * alert), alerted as failed (a permanent error: one "remediation failed" alert naming it), or
 * failed invocation (a transient error that outlasted the SDK's 5 attempts: nothing alerted,
 * Lambda retries and the DLQ keeps the event). State is read back with clients that talk to
 * moto directly.
 */
import { CloudTrailClient, CreateTrailCommand, GetTrailStatusCommand, StartLoggingCommand, StopLoggingCommand } from '@aws-sdk/client-cloudtrail';
import { CreateEventBusCommand, DescribeEventBusCommand, EventBridgeClient, PutPermissionCommand } from '@aws-sdk/client-eventbridge';
import { AttachRolePolicyCommand, CreatePolicyCommand, CreateRoleCommand, IAMClient, ListAttachedRolePoliciesCommand } from '@aws-sdk/client-iam';
import { CreateKeyCommand, DescribeKeyCommand, DisableKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateSubnetCommand, CreateVpcCommand, CreateVpcEndpointCommand, DescribeVpcEndpointsCommand, EC2Client, ModifyVpcEndpointCommand } from '@aws-sdk/client-ec2';
import { CreateTopicCommand, GetTopicAttributesCommand, SetTopicAttributesCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, SetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { cloneWith, PUT_PERMISSION_LEGACY } from '../support/fixtures';
import { awsClientConfig, createQueue, motoEndpoint, MOTO_ACCOUNT_ID, type TestQueue } from './harness/aws';
import { startFaultProxy, type Fault, type FaultProxy } from './harness/fault-proxy';
import { alertsFrom, cloudTrailEnvelope, coldStart, createAlertTopic, createBaselineTable, setEnvironment, type Handler } from './harness/functions';

jest.setTimeout(60_000);

const eventBridge = new EventBridgeClient(awsClientConfig());
const kms = new KMSClient(awsClientConfig());
const sqs = new SQSClient(awsClientConfig());
const sns = new SNSClient(awsClientConfig());
const cloudTrail = new CloudTrailClient(awsClientConfig());
const iam = new IAMClient(awsClientConfig());
const ec2 = new EC2Client(awsClientConfig());

const RESPONDER_ROLE = `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/drift-responder-ci-responder`;
const PREFIX = `fault-${randomUUID().slice(0, 8)}`;
const context = { functionName: 'responder', awsRequestId: 'test' } as Context;

let proxy: FaultProxy;
let bucket: string;
let baselineTable: string;
let vpc: { vpcId: string; subnetId: string };

beforeAll(async () => {
  proxy = await startFaultProxy(motoEndpoint());
  baselineTable = await createBaselineTable();
  const { Vpc } = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.43.0.0/16' }));
  const { Subnet } = await ec2.send(new CreateSubnetCommand({ VpcId: Vpc!.VpcId!, CidrBlock: '10.43.1.0/24' }));
  vpc = { vpcId: Vpc!.VpcId!, subnetId: Subnet!.SubnetId! };
  bucket = `trail-logs-${randomUUID()}`;
  // No S3 client in this project: moto creates a bucket on a path-style PUT.
  const created = await fetch(`${motoEndpoint()}/${bucket}`, { method: 'PUT' });
  await created.arrayBuffer();
  expect(created.ok).toBe(true);
});

afterEach(() => proxy.clear());
afterAll(async () => proxy.close());

const envelope = cloudTrailEnvelope;

const openPolicy = (resource: string, actions: string[]) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Sid: 'partner', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444455556666:root' }, Action: actions[0], Resource: resource },
      { Sid: 'world', Effect: 'Allow', Principal: { AWS: '*' }, Action: actions, Resource: resource },
    ],
  });
const sidsOf = (policy: string | undefined) => (policy ? JSON.parse(policy).Statement.map((s: { Sid?: string }) => s.Sid) : []);

/** A drifted resource in moto, the event that reports the drift, and how to tell it was undone. */
interface Drift {
  control: string;
  /** Policy lines besides the defaults (remediate, not dry-run). */
  policy: string;
  event: unknown;
  remediated(): Promise<boolean>;
  /** Environment the responder needs besides the defaults (a baseline table). */
  env?: Record<string, string>;
}

/**
 * Captures the baseline of one resource into the baseline table with the deployed wiring's own
 * snapshotter of that kind, talking to moto directly (the snapshot function would capture
 * everything in the shared server).
 */
async function captureBaseline(policyYaml: string, kind: string, resource: string): Promise<void> {
  setEnvironment(policyYaml, { AWS_ENDPOINT_URL: motoEndpoint(), BASELINE_TABLE: baselineTable });
  let done: Promise<void> | undefined;
  jest.isolateModules(() => {
    const deps = require('../../lib/responder/wiring').snapshotDepsFromEnvironment(process.env);
    const snapshotter = deps.snapshotters.find((s: { kind: string }) => s.kind === kind);
    done = (async () => {
      const captured = await snapshotter.capture(resource);
      expect(captured).toBeDefined();
      await deps.baselines.put({ ...captured, source: 'snapshot' });
    })();
  });
  await done;
}

interface Case {
  name: string;
  /** The remediation's write call, where the faults are injected. */
  service: string;
  operation: string;
  /** The error name the SDK gives AccessDenied on this service (each protocol spells it its own way). */
  deniedAs: RegExp;
  drift(): Promise<Drift>;
}

const CASES: Case[] = [
  {
    name: 'bus policy statement (EventBridge RemovePermission, JSON protocol)',
    service: 'events',
    operation: 'RemovePermission',
    deniedAs: /^AccessDeniedException \(HTTP 400\)/,
    async drift() {
      const bus = `${PREFIX}-${randomUUID().slice(0, 8)}`;
      await eventBridge.send(new CreateEventBusCommand({ Name: bus }));
      await eventBridge.send(new PutPermissionCommand({ EventBusName: bus, Action: 'events:PutEvents', Principal: '*', StatementId: 'world' }));
      return {
        control: 'bus-policy-public',
        policy: '',
        event: envelope(PUT_PERMISSION_LEGACY, (r) => void (r.requestParameters = { action: 'events:PutEvents', principal: '*', statementId: 'world', eventBusName: bus })),
        remediated: async () => !sidsOf((await eventBridge.send(new DescribeEventBusCommand({ Name: bus }))).Policy).includes('world'),
      };
    },
  },
  {
    name: 'disabled key (KMS EnableKey, JSON protocol)',
    service: 'kms',
    operation: 'EnableKey',
    deniedAs: /^AccessDeniedException \(HTTP 400\)/,
    async drift() {
      const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: PREFIX }));
      const key = { keyId: KeyMetadata!.KeyId!, arn: KeyMetadata!.Arn! };
      await kms.send(new DisableKeyCommand({ KeyId: key.keyId }));
      return {
        control: 'key-disabled',
        policy: `protect: { keys: ["${key.arn}"] }`,
        event: envelope('kms_DisableKey_awsdocs-kms_1.json', (r) => {
          r.requestParameters = { keyId: key.keyId };
          r.resources = [{ accountId: MOTO_ACCOUNT_ID, type: 'AWS::KMS::Key', ARN: key.arn }];
        }),
        remediated: async () => (await kms.send(new DescribeKeyCommand({ KeyId: key.keyId }))).KeyMetadata?.KeyState === 'Enabled',
      };
    },
  },
  {
    name: 'public queue policy (SQS SetQueueAttributes, JSON protocol)',
    service: 'sqs',
    operation: 'SetQueueAttributes',
    deniedAs: /^AccessDeniedException \(HTTP 400\)/,
    async drift() {
      const name = `${PREFIX}-${randomUUID().slice(0, 6)}-dlq`;
      const queue = await createQueue(name, { attributes: { MessageRetentionPeriod: '1209600' } });
      const policy = openPolicy(queue.arn, ['sqs:SendMessage', 'sqs:ReceiveMessage']);
      await sqs.send(new SetQueueAttributesCommand({ QueueUrl: queue.url, Attributes: { Policy: policy } }));
      return {
        control: 'queue-policy-public',
        policy: `trustedAccounts: ["444455556666"]\nprotect: { queues: ["${name}"] }`,
        // The SQS client sends to the queue URL itself (as in AWS): the URL the event names is the proxy's.
        event: envelope('sqs_SetQueueAttributes_streamalert_1.json', (r) => void (r.requestParameters = { attributes: { Policy: policy }, queueUrl: queue.url.replace(motoEndpoint(), proxy.endpoint) })),
        remediated: async () => !sidsOf((await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['Policy'] }))).Attributes?.Policy).includes('world'),
      };
    },
  },
  {
    name: 'public topic policy (SNS SetTopicAttributes, query protocol)',
    service: 'sns',
    operation: 'SetTopicAttributes',
    // The wire client names errors by the code AWS sends (SDK v3 named this one AuthorizationErrorException).
    deniedAs: /^AuthorizationError \(HTTP 403\)/,
    async drift() {
      const topicArn = (await sns.send(new CreateTopicCommand({ Name: `${PREFIX}-${randomUUID().slice(0, 8)}` }))).TopicArn!;
      const policy = openPolicy(topicArn, ['SNS:Subscribe', 'SNS:Receive']);
      await sns.send(new SetTopicAttributesCommand({ TopicArn: topicArn, AttributeName: 'Policy', AttributeValue: policy }));
      return {
        control: 'topic-tampered',
        policy: `trustedAccounts: ["444455556666"]\nprotect: { topics: ["${topicArn}"] }`,
        event: envelope('sns_SetTopicAttributes_streamalert_2.json', (r) => void (r.requestParameters = { attributeName: 'Policy', topicArn, attributeValue: policy })),
        remediated: async () => !sidsOf((await sns.send(new GetTopicAttributesCommand({ TopicArn: topicArn }))).Attributes?.Policy).includes('world'),
      };
    },
  },
  {
    name: 'stopped trail (CloudTrail StartLogging, JSON protocol)',
    service: 'cloudtrail',
    operation: 'StartLogging',
    deniedAs: /^AccessDeniedException \(HTTP 400\)/,
    async drift() {
      const name = `${PREFIX}-trail-${randomUUID().slice(0, 8)}`;
      await cloudTrail.send(new CreateTrailCommand({ Name: name, S3BucketName: bucket }));
      await cloudTrail.send(new StartLoggingCommand({ Name: name }));
      await cloudTrail.send(new StopLoggingCommand({ Name: name }));
      return {
        control: 'trail-stopped',
        policy: `protect: { trails: ["${name}"] }`,
        event: envelope('cloudtrail_StopLogging_stratus-red-team_1.json', (r) => {
          r.requestParameters = { name };
          delete r.errorCode;
          delete r.errorMessage;
        }),
        remediated: async () => (await cloudTrail.send(new GetTrailStatusCommand({ Name: name }))).IsLogging === true,
      };
    },
  },
  {
    name: 'IAM grant of EventBridge power (IAM DetachRolePolicy, query protocol)',
    service: 'iam',
    operation: 'DetachRolePolicy',
    deniedAs: /^AccessDenied \(HTTP 403\)/,
    async drift() {
      const role = `${PREFIX}-app-${randomUUID().slice(0, 8)}`;
      const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
      await iam.send(new CreateRoleCommand({ RoleName: role, AssumeRolePolicyDocument: trust }));
      const admin = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'events:*', Resource: '*' }] });
      const { Policy } = await iam.send(new CreatePolicyCommand({ PolicyName: `${PREFIX}-events-admin-${randomUUID().slice(0, 8)}`, PolicyDocument: admin }));
      await iam.send(new AttachRolePolicyCommand({ RoleName: role, PolicyArn: Policy!.Arn! }));
      return {
        control: 'iam-eventbridge-overgrant',
        policy: '',
        event: envelope('iam_AttachRolePolicy_invictus-aws-dataset_6.json', (r) => void (r.requestParameters = { roleName: role, policyArn: Policy!.Arn! })),
        remediated: async () => ((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: role }))).AttachedPolicies ?? []).length === 0,
      };
    },
  },
  {
    name: 'broadened VPC endpoint policy (EC2 ModifyVpcEndpoint, EC2 query protocol)',
    service: 'ec2',
    operation: 'ModifyVpcEndpoint',
    deniedAs: /^UnauthorizedOperation \(HTTP 403\)/,
    async drift() {
      const orgOnly = JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: '*', Action: 'events:PutEvents', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } } }],
      });
      const open = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }] });
      const { VpcEndpoint } = await ec2.send(
        new CreateVpcEndpointCommand({ VpcId: vpc.vpcId, ServiceName: 'com.amazonaws.us-east-1.events', VpcEndpointType: 'Interface', SubnetIds: [vpc.subnetId], PolicyDocument: orgOnly, ClientToken: randomUUID() }),
      );
      const id = VpcEndpoint!.VpcEndpointId!;
      const policy = 'organizationId: o-a1b2c3d4e5';
      await captureBaseline(`defaults: { mode: remediate, dryRun: false }\n${policy}\n`, 'vpc-endpoint-policy', `arn:aws:ec2:us-east-1:${MOTO_ACCOUNT_ID}:vpc-endpoint/${id}`);
      await ec2.send(new ModifyVpcEndpointCommand({ VpcEndpointId: id, PolicyDocument: open }));
      return {
        control: 'endpoint-policy-broadened',
        policy,
        env: { BASELINE_TABLE: baselineTable },
        event: envelope('ec2_ModifyVpcEndpoint_synthetic-invictus-clone_1.json', (r) => void (r.requestParameters = { ModifyVpcEndpointRequest: { VpcEndpointId: id, PolicyDocument: open } })),
        remediated: async () => {
          const { VpcEndpoints = [] } = await ec2.send(new DescribeVpcEndpointsCommand({ VpcEndpointIds: [id] }));
          return JSON.stringify(JSON.parse(VpcEndpoints[0]!.PolicyDocument!)) === JSON.stringify(JSON.parse(orgOnly));
        },
      };
    },
  },
];

/**
 * The responder, cold-started with its SDK clients pointed at the proxy. The request timeout
 * is the deployed one unless a test injects hangs: a short one there keeps the test fast (too
 * short for the others, on a busy machine, it would time out real answers and the retried
 * publish would deliver twice, which is what the dedup window is for in the deployed stack).
 */
async function responderFor(drift: Drift, requestTimeoutMs = 4000): Promise<{ handler: Handler; alertQueue: TestQueue }> {
  const { topicArn, queue } = await createAlertTopic();
  const handler = coldStart('responder', `defaults: { mode: remediate, dryRun: false }\n${drift.policy}\n`, {
    AWS_ENDPOINT_URL: proxy.endpoint,
    DRIFT_SDK_REQUEST_TIMEOUT_MS: String(requestTimeoutMs),
    ALERT_TOPIC_ARN: topicArn,
    RESPONDER_PRINCIPALS: RESPONDER_ROLE,
    BASELINE_TABLE: undefined,
    STATE_TABLE: undefined,
    IDEMPOTENCY_TABLE: undefined,
    KILL_SWITCH_PARAMETER: undefined,
    METRICS_NAMESPACE: undefined,
    RESPONDER_RULES: '',
    ...drift.env,
  });
  return { handler, alertQueue: queue };
}

/** The alert documents published for this drift's control (the case's resource only: each test has its own topic). */
async function alertDocuments(queue: TestQueue, expected: number, control: string) {
  const envelopes = await alertsFrom(queue, expected, { document: true, emptyTimeoutMs: 1500 });
  return envelopes.filter((e) => e.document.finding?.control === control).map((e) => ({ subject: e.Subject as string, ...e.document.finding }));
}

/** What a rejected invocation threw (the SDK's last error is its cause). */
async function rejectionOf(invocation: Promise<unknown>): Promise<{ name: string; message: string; cause?: any }> {
  try {
    await invocation;
  } catch (error) {
    return error as { name: string; message: string; cause?: any };
  }
  throw new Error('the invocation resolved, but it was expected to fail');
}

describe.each(CASES)('faults on the remediation of a $name', ({ service, operation, deniedAs, drift: makeDrift }) => {
  it('retries two 500s and then remediates, with one alert', async () => {
    // Prepare
    const drift = await makeDrift();
    const { handler, alertQueue } = await responderFor(drift);
    const rule = proxy.add({ service, operation, fault: 'server-error', times: 2 });

    // Act
    await handler(drift.event, context);

    // Assess
    expect(rule.hits).toBe(2);
    expect(await drift.remediated()).toBe(true);
    const alerts = await alertDocuments(alertQueue, 1, drift.control);
    expect(alerts.map((a) => a.remediation.status)).toEqual(['applied']);
  });

  it('fails the invocation (kept for Lambda retries, then the DLQ) without alerting when 500s outlast the SDK retries', async () => {
    // Prepare
    const drift = await makeDrift();
    const { handler, alertQueue } = await responderFor(drift);
    const rule = proxy.add({ service, operation, fault: 'server-error', times: Infinity });

    // Act
    const error = await rejectionOf(handler(drift.event, context));

    // Assess
    expect(error.name).toBe('TransientRemediationError');
    expect(error.message).toContain(drift.control);
    expect(error.cause).toMatchObject({ $metadata: { httpStatusCode: 500, attempts: 5 } });
    expect(rule.hits).toBe(5);
    expect(await drift.remediated()).toBe(false);
    expect(await alertDocuments(alertQueue, 0, drift.control)).toEqual([]);

    // Act again: Lambda's retry once the service recovered is processed as usual.
    proxy.clear();
    await handler(drift.event, context);
    expect(await drift.remediated()).toBe(true);
    expect((await alertDocuments(alertQueue, 1, drift.control)).map((a) => a.remediation.status)).toEqual(['applied']);
  });

  it('alerts "remediation failed" naming the access denial, without retrying, and the invocation succeeds', async () => {
    // Prepare
    const drift = await makeDrift();
    const { handler, alertQueue } = await responderFor(drift);
    const rule = proxy.add({ service, operation, fault: 'access-denied', times: Infinity });

    // Act
    await handler(drift.event, context);

    // Assess
    expect(rule.hits).toBe(1);
    expect(await drift.remediated()).toBe(false);
    const [alert, ...more] = await alertDocuments(alertQueue, 1, drift.control);
    expect(more).toEqual([]);
    expect(alert.subject).toMatch(new RegExp(`^\\[[A-Z]+\\] remediation failed: ${drift.control}: `));
    expect(alert.remediation).toEqual({ status: 'failed', reason: expect.stringMatching(deniedAs) });
  });
});

describe('throttling and timeouts on remediations', () => {
  const [busCase] = CASES;
  const iamCase = CASES.find((c) => c.service === 'iam')!;

  // Throttling backs off longer (and adaptive mode rate-limits the client): one JSON and one query protocol service.
  it.each([busCase!, iamCase])('retries two throttling answers and then remediates: $name', async ({ service, operation, drift: makeDrift }) => {
    const drift = await makeDrift();
    const { handler, alertQueue } = await responderFor(drift);
    const rule = proxy.add({ service, operation, fault: 'throttle', times: 2 });

    await handler(drift.event, context);

    expect(rule.hits).toBe(2);
    expect(await drift.remediated()).toBe(true);
    expect((await alertDocuments(alertQueue, 1, drift.control)).map((a) => a.remediation.status)).toEqual(['applied']);
  });

  it('retries a hung request after its timeout, then remediates', async () => {
    const drift = await busCase!.drift();
    const { handler, alertQueue } = await responderFor(drift, 1000);
    const rule = proxy.add({ service: 'events', operation: 'RemovePermission', fault: 'hang', times: 1 });

    await handler(drift.event, context);

    expect(rule.hits).toBe(1);
    expect(await drift.remediated()).toBe(true);
    expect((await alertDocuments(alertQueue, 1, drift.control)).map((a) => a.remediation.status)).toEqual(['applied']);
  });

  it('fails the invocation when every attempt hangs, naming the timeout', async () => {
    const drift = await busCase!.drift();
    const { handler, alertQueue } = await responderFor(drift, 1000);
    proxy.add({ service: 'events', operation: 'RemovePermission', fault: 'hang', times: Infinity });

    const error = await rejectionOf(handler(drift.event, context));

    expect(error.name).toBe('TransientRemediationError');
    expect(error.cause?.name).toBe('TimeoutError');
    expect(await alertDocuments(alertQueue, 0, drift.control)).toEqual([]);
  });

  it('retries HTTP 429 like throttling', async () => {
    const drift = await busCase!.drift();
    const { handler } = await responderFor(drift);
    const rule = proxy.add({ service: 'events', operation: 'RemovePermission', fault: 'throttle-429', times: 2 });

    await handler(drift.event, context);

    expect(rule.hits).toBe(2);
    expect(await drift.remediated()).toBe(true);
  });
});

describe('faults on the alert publish (SNS Publish, query protocol)', () => {
  const [busCase] = CASES;

  it.each<[string, Fault]>([
    ['500s', 'server-error'],
    ['throttling', 'throttle'],
  ])('retries two %s and publishes exactly one alert', async (_label, fault) => {
    const drift = await busCase!.drift();
    const { handler, alertQueue } = await responderFor(drift);
    const rule = proxy.add({ service: 'sns', operation: 'Publish', fault, times: 2 });

    await handler(drift.event, context);

    expect(rule.hits).toBe(2);
    expect(await drift.remediated()).toBe(true);
    expect((await alertDocuments(alertQueue, 1, drift.control)).map((a) => a.remediation.status)).toEqual(['applied']);
  });

  it('fails the invocation when publishing keeps failing; the retried event is then alerted once', async () => {
    // Prepare
    const drift = await busCase!.drift();
    const { handler, alertQueue } = await responderFor(drift);
    const rule = proxy.add({ service: 'sns', operation: 'Publish', fault: 'server-error', times: Infinity });

    // Act
    const error = await rejectionOf(handler(drift.event, context));

    // Assess: remediated, nothing published, the event is failed for Lambda to retry.
    expect(error.name).toBe('AlertDeliveryError');
    expect(rule.hits).toBe(5);
    expect(await drift.remediated()).toBe(true);
    expect(await alertDocuments(alertQueue, 0, drift.control)).toEqual([]);

    // Lambda's retry, once SNS recovered: the live re-check finds it fixed, and it is alerted.
    proxy.clear();
    await handler(drift.event, context);
    expect((await alertDocuments(alertQueue, 1, drift.control)).map((a) => a.remediation.status)).toEqual(['skipped']);
  });

  it('fails the invocation on AuthorizationError (nothing else can alert): the DLQ keeps the event', async () => {
    const drift = await busCase!.drift();
    const { handler, alertQueue } = await responderFor(drift);
    const rule = proxy.add({ service: 'sns', operation: 'Publish', fault: 'access-denied', times: Infinity });

    const error = await rejectionOf(handler(drift.event, context));

    expect(error.name).toBe('AlertDeliveryError');
    expect(rule.hits).toBe(1);
    expect(await alertDocuments(alertQueue, 0, drift.control)).toEqual([]);
  });
});
