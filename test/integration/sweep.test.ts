// The reconciliation sweep (functions/sweep.ts) against the moto server, with the event stream
// switched off: resources are changed directly (no CloudTrail event reaches anything), the real
// sweep function runs, and what it found and fixed is read back with separate SDK clients.
//
// Everything lives in a region no other test uses, so "a healthy account yields no findings"
// means the whole region (the sweep reads every rule, bus, key, trail, queue and topic there).
// Names are unique per run; moto is never reset.
import { CloudTrailClient, CreateTrailCommand, GetTrailStatusCommand, PutEventSelectorsCommand, StartLoggingCommand, StopLoggingCommand } from '@aws-sdk/client-cloudtrail';
import { CreateTableCommand, DynamoDBClient, GetItemCommand, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import {
  DeleteRuleCommand,
  DescribeEventBusCommand,
  DescribeRuleCommand,
  DisableRuleCommand,
  CreateApiDestinationCommand,
  CreateConnectionCommand,
  DeleteApiDestinationCommand,
  DeleteConnectionCommand,
  EventBridgeClient,
  ListTargetsByRuleCommand,
  PutPermissionCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateKeyCommand, DescribeKeyCommand, DisableKeyCommand, EnableKeyRotationCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import type { SweepResult } from '../../lib/sweep/handler';
import { BUDGET_MARGIN_MS } from '../../lib/sweep/handler';
import { awsClientConfig, createQueue, MOTO_ACCOUNT_ID as ACCOUNT, receiveAll, type TestQueue } from './harness/aws';
import { coldStart } from './harness/functions';

jest.setTimeout(240_000);

const REGION = 'ap-northeast-3';
const PATTERN = JSON.stringify({ source: ['aws.kms'], 'detail-type': ['AWS API Call via CloudTrail'] });

let events: EventBridgeClient;
let kms: KMSClient;
let cloudtrail: CloudTrailClient;
let dynamodb: DynamoDBClient;
let sqs: SQSClient;

const prefix = `sw${randomUUID().slice(0, 8)}`;
const ownRule = `${prefix}-own-kms`;
const ordersRule = `${prefix}-orders`;
const trailName = `${prefix}-trail`;
let baselineTable: string;
let stateTable: string;
let alertQueue: TestQueue;
let ordersQueue: TestQueue;
let topicArn: string;
let keyArn: string;
let trailArn: string;

async function createTable(name: string, key: string): Promise<string> {
  await dynamodb.send(
    new CreateTableCommand({ TableName: name, AttributeDefinitions: [{ AttributeName: key, AttributeType: 'S' }], KeySchema: [{ AttributeName: key, KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' }),
  );
  return name;
}

/** moto 5.2.5 finds a key by id only for DisableKey (an ARN makes it answer HTTP 500). */
const keyIdOf = (arn: string) => arn.split('/').pop() as string;

async function createProtectedKey(): Promise<string> {
  const arn = (await kms.send(new CreateKeyCommand({ Description: `${prefix} protected` }))).KeyMetadata!.Arn!;
  await kms.send(new EnableKeyRotationCommand({ KeyId: arn }));
  return arn;
}

async function createRule(name: string, targetArn: string, targetId: string): Promise<void> {
  await events.send(new PutRuleCommand({ Name: name, EventPattern: PATTERN, State: 'ENABLED' }));
  await events.send(new PutTargetsCommand({ Rule: name, Targets: [{ Id: targetId, Arn: targetArn }] }));
}

/** Setup calls, ten at a time. */
async function inBatches<T, R>(items: readonly T[], call: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += 10) results.push(...(await Promise.all(items.slice(i, i + 10).map(call))));
  return results;
}

function environment(): Record<string, string | undefined> {
  return {
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    BASELINE_TABLE: baselineTable,
    STATE_TABLE: stateTable,
    ALERT_TOPIC_ARN: topicArn,
    RESPONDER_RULES: ownRule,
    RESPONDER_RESOURCES: [`arn:aws:events:${REGION}:${ACCOUNT}:rule/${prefix}-own-*`, `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${prefix}-*`].join(','),
    RESPONDER_PRINCIPALS: `arn:aws:iam::${ACCOUNT}:role/${prefix}-responder`,
    METRICS_NAMESPACE: undefined,
    IDEMPOTENCY_TABLE: undefined,
    KILL_SWITCH_PARAMETER: undefined,
  };
}

function policyOf(keys: readonly string[], remediate: readonly string[]): string {
  return [
    'trustedAccounts: ["111122223333"]',
    'protect:',
    `  rules: ["${prefix}-*"]`,
    `  buses: ["${prefix}-*"]`,
    `  trails: ["${prefix}-*"]`,
    `  keys: [${keys.map((k) => `"${k}"`).join(', ')}]`,
    'defaults: { mode: alert, dryRun: true }',
    ...(remediate.length > 0 ? ['controls:', ...remediate.map((id) => `  ${id}: { mode: remediate, dryRun: false }`)] : []),
  ].join('\n');
}

function lambdaContext(remainingMs: number): Context {
  return { invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${prefix}-sweep`, getRemainingTimeInMillis: () => remainingMs } as unknown as Context;
}

/** Captures baselines as the deployed snapshot function does (fills in what has none). */
async function snapshot(policy: string): Promise<void> {
  await coldStart('snapshot', policy, environment())({}, lambdaContext(300_000));
}

async function runSweep(policy: string, remainingMs = 600_000): Promise<SweepResult> {
  return coldStart<SweepResult>('sweep', policy, environment())({}, lambdaContext(remainingMs));
}

/** The alert documents published on the alert topic, received from its queue. */
async function alertDocuments(expected: number): Promise<any[]> {
  const messages = await receiveAll(sqs, alertQueue.url, { expected, timeoutMs: expected === 0 ? 3000 : 15_000 });
  return messages.map((m) => JSON.parse(JSON.parse(m.Body!).Message));
}

beforeAll(async () => {
  const config = { ...awsClientConfig(), region: REGION };
  events = new EventBridgeClient(config);
  kms = new KMSClient(config);
  cloudtrail = new CloudTrailClient(config);
  dynamodb = new DynamoDBClient(config);
  sqs = new SQSClient(config);
  const sns = new SNSClient(config);
  const s3 = new S3Client({ ...config, forcePathStyle: true });

  baselineTable = await createTable(`${prefix}-baselines`, 'resource');
  stateTable = await createTable(`${prefix}-state`, 'pk');
  await dynamodb.send(new UpdateTimeToLiveCommand({ TableName: stateTable, TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } }));

  keyArn = await createProtectedKey();
  // The alert topic, encrypted with the protected key, its alerts delivered to a queue (a confirmed subscription).
  alertQueue = await createQueue(`${prefix}-alerts`, { client: sqs });
  topicArn = (await sns.send(new CreateTopicCommand({ Name: `${prefix}-alerts`, Attributes: { KmsMasterKeyId: keyArn } }))).TopicArn!;
  await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: alertQueue.arn, Attributes: { RawMessageDelivery: 'false' } }));

  // A trail logging every management event.
  const bucket = `${prefix}-trail-logs`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: REGION } }));
  trailArn = (await cloudtrail.send(new CreateTrailCommand({ Name: trailName, S3BucketName: bucket, IsMultiRegionTrail: true, EnableLogFileValidation: true }))).TrailARN!;
  await cloudtrail.send(new PutEventSelectorsCommand({ TrailName: trailName, EventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: true }] }));
  await cloudtrail.send(new StartLoggingCommand({ Name: trailName }));

  // The responder's own rule (targets its function) and a protected rule sending to a queue.
  await createRule(ownRule, `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${prefix}-responder`, 'responder');
  ordersQueue = await createQueue(`${prefix}-orders`, { client: sqs });
  await createRule(ordersRule, ordersQueue.arn, 'orders-queue');

  await snapshot(policyOf([keyArn], []));
});

describe('the reconciliation sweep', () => {
  it('finds nothing in a healthy account', async () => {
    // Act
    const result = await runSweep(policyOf([keyArn], []));
    // Assess
    expect(result).toMatchObject({ complete: true, findings: 0, health: [], errors: [], invocations: 1 });
    expect(result.items).toBeGreaterThanOrEqual(5);
    expect(await alertDocuments(0)).toEqual([]);
  });

  it('finds and fixes drift no event reported: a deleted rule, a disabled key, a stopped trail, an open bus policy', async () => {
    // Prepare: changed directly, as if CloudTrail had lost the events (or the trail was off).
    await events.send(new RemoveTargetsCommand({ Rule: ordersRule, Ids: ['orders-queue'] }));
    await events.send(new DeleteRuleCommand({ Name: ordersRule }));
    await kms.send(new DisableKeyCommand({ KeyId: keyIdOf(keyArn) }));
    await cloudtrail.send(new StopLoggingCommand({ Name: trailName }));
    await events.send(new PutPermissionCommand({ EventBusName: 'default', Action: 'events:PutEvents', Principal: '*', StatementId: `${prefix}-open` }));
    const policy = policyOf([keyArn], ['rule-deleted', 'key-disabled', 'trail-stopped', 'bus-policy-public']);

    // Act
    const result = await runSweep(policy);

    // Assess: what the sweep reported...
    const alerts = await alertDocuments(5);
    const found = alerts.map((a) => [a.finding.control, a.finding.resource, a.finding.remediation.status]).sort();
    expect(found).toEqual(
      [
        // No trail of the region was logging: critical, raised by the sweep itself (no control judges a missing trail).
        ['trail-stopped', `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/*`, 'none'],
        ['bus-policy-public', `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/default`, 'applied'],
        ['key-disabled', keyArn, 'applied'],
        ['rule-deleted', `arn:aws:events:${REGION}:${ACCOUNT}:rule/${ordersRule}`, 'applied'],
        ['trail-stopped', trailArn, 'applied'],
      ].sort(),
    );
    expect(alerts.every((a) => a.finding.foundBy === 'sweep' && a.finding.actor.type === 'DriftResponderSweep')).toBe(true);
    expect(result).toMatchObject({ complete: true, findings: 5, errors: [] });
    // The health check ran before the trails phase restarted the trail.
    expect(result.health).toEqual([expect.stringContaining('no trail in this region is logging')]);

    // ...and what it fixed, read back.
    expect((await events.send(new DescribeRuleCommand({ Name: ordersRule }))).State).toBe('ENABLED');
    expect((await events.send(new ListTargetsByRuleCommand({ Rule: ordersRule }))).Targets).toEqual([expect.objectContaining({ Id: 'orders-queue', Arn: ordersQueue.arn })]);
    expect((await kms.send(new DescribeKeyCommand({ KeyId: keyArn }))).KeyMetadata?.KeyState).toBe('Enabled');
    expect((await cloudtrail.send(new GetTrailStatusCommand({ Name: trailName }))).IsLogging).toBe(true);
    const busPolicy = (await events.send(new DescribeEventBusCommand({ Name: 'default' }))).Policy;
    expect(busPolicy ?? '').not.toContain(`${prefix}-open`);

    // Once fixed, the account is healthy again.
    expect(await runSweep(policy)).toMatchObject({ complete: true, findings: 0, health: [], errors: [] });
  });

  it("raises a critical finding when the responder's own rule is disabled", async () => {
    // Prepare
    await events.send(new DisableRuleCommand({ Name: ownRule }));
    const policy = policyOf([keyArn], ['rule-disabled']);

    // Act
    const result = await runSweep(policy);

    // Assess
    const alerts = await alertDocuments(2);
    expect(alerts.map((a) => [a.finding.control, a.finding.severity]).sort()).toEqual([
      ['responder-tampered', 'critical'],
      ['rule-disabled', 'high'],
    ]);
    expect(result.health).toEqual([`own rule ${ownRule} is DISABLED`]);
    expect((await events.send(new DescribeRuleCommand({ Name: ownRule }))).State).toBe('ENABLED');
  });

  it('judges API destinations and connections as they are: an endpoint on a host not allowed is found', async () => {
    // Prepare: created directly (no event), pointing outside allowedDestinations (empty: nothing is allowed).
    const connection = await events.send(
      new CreateConnectionCommand({
        Name: `${prefix}-oauth`,
        AuthorizationType: 'OAUTH_CLIENT_CREDENTIALS',
        AuthParameters: {
          OAuthParameters: { AuthorizationEndpoint: 'https://login.exfil.example/oauth2/token', HttpMethod: 'POST', ClientParameters: { ClientID: 'id', ClientSecret: 'secret' } },
        },
      }),
    );
    const destination = await events.send(
      new CreateApiDestinationCommand({ Name: `${prefix}-hook`, ConnectionArn: connection.ConnectionArn!, InvocationEndpoint: 'https://hooks.exfil.example/collect', HttpMethod: 'POST' }),
    );

    // Act
    const result = await runSweep(policyOf([keyArn], []));

    // Assess
    const alerts = await alertDocuments(2);
    expect(alerts.map((a) => [a.finding.control, a.finding.resource, a.finding.foundBy]).sort()).toEqual(
      [
        ['target-untrusted-destination', connection.ConnectionArn, 'sweep'],
        ['target-untrusted-destination', destination.ApiDestinationArn, 'sweep'],
      ].sort(),
    );
    expect(result).toMatchObject({ complete: true, findings: 2, errors: [] });
    await events.send(new DeleteApiDestinationCommand({ Name: `${prefix}-hook` }));
    await events.send(new DeleteConnectionCommand({ Name: `${prefix}-oauth` }));
  });

  it('pages through more than 100 rules and 100 keys, and a sweep cut off by its time budget finishes in the next run', async () => {
    // Prepare: 105 protected rules and 105 protected keys with baselines, then all disabled directly.
    const count = 105;
    const names = Array.from({ length: count }, (_, i) => `${prefix}-bulk-${String(i).padStart(3, '0')}`);
    await inBatches(names, (name) => createRule(name, ordersQueue.arn, 'orders-queue'));
    const keys = await inBatches(names, () => createProtectedKey());
    const policy = policyOf([keyArn, ...keys], []);
    await snapshot(policy);
    await inBatches(names, (name) => events.send(new DisableRuleCommand({ Name: name })));
    await inBatches(keys, (key) => kms.send(new DisableKeyCommand({ KeyId: keyIdOf(key) })));
    const checkpointKey = { pk: { S: `sweep-checkpoint#${ACCOUNT}#${REGION}` } };

    // Act: a first invocation with 1.5 s of budget, then one with plenty.
    const first = await runSweep(policy, BUDGET_MARGIN_MS + 1500);
    const checkpoint = (await dynamodb.send(new GetItemCommand({ TableName: stateTable, Key: checkpointKey }))).Item;
    const second = await runSweep(policy);
    const afterwards = (await dynamodb.send(new GetItemCommand({ TableName: stateTable, Key: checkpointKey }))).Item;

    // Assess: the first stopped and saved where; the second continued the same run from there.
    expect(first).toMatchObject({ complete: false, invocations: 1, errors: [] });
    expect(first.resumeAt).toBeDefined();
    expect(JSON.parse(checkpoint?.checkpoint?.S ?? '{}')).toMatchObject({ runId: first.runId, phase: first.resumeAt?.phase });
    expect(second).toMatchObject({ complete: true, invocations: 2, runId: first.runId, errors: [] });
    expect(afterwards).toBeUndefined();
    // Every rule and every key was judged exactly once over the two invocations.
    expect(first.findings + second.findings).toBe(2 * count);
    expect(first.items + second.items).toBeGreaterThanOrEqual(2 * count);
  });
});
