/**
 * CloudTrail tampering against the moto server, through the REAL functions: an untrusted
 * principal stops a trail or weakens its event selectors, the responder
 * (functions/responder.ts) gets the CloudTrail event (a clone of a real recorded one) and
 * restores; the trail is read back with a separate client. The selectors baseline is captured
 * by the real snapshot function (functions/snapshot.ts) into a DynamoDB table.
 */
import {
  CloudTrailClient,
  CreateTrailCommand,
  GetEventSelectorsCommand,
  GetTrailStatusCommand,
  PutEventSelectorsCommand,
  StartLoggingCommand,
  StopLoggingCommand,
} from '@aws-sdk/client-cloudtrail';
import { CreateTableCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cloneWith } from '../support/fixtures';
import { awsClientConfig, createQueue, motoEndpoint, MOTO_ACCOUNT_ID, receiveAll } from './harness/aws';

const cloudTrail = new CloudTrailClient(awsClientConfig());
const dynamodb = new DynamoDBClient(awsClientConfig());
const sns = new SNSClient(awsClientConfig());
const sqs = new SQSClient(awsClientConfig());
const REGION = 'us-east-1';
const RESPONDER_ROLE = `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/drift-responder-ci-responder`;

type Handler = (event: unknown, context: Context) => Promise<unknown>;
jest.setTimeout(60_000);
const context = { functionName: 'fn', awsRequestId: 'test', getRemainingTimeInMillis: () => 300_000 } as unknown as Context;

/** Names unique to this file's run: the snapshot only sees these trails in the shared moto server. */
const PREFIX = `prod-trail-${randomUUID().slice(0, 8)}`;
let bucket: string;
let table: string;
let alertQueue: { url: string; arn: string };
let topicArn: string;

beforeAll(async () => {
  bucket = `trail-logs-${randomUUID()}`;
  // No S3 client in this project: moto creates a bucket on a path-style PUT.
  const created = await fetch(`${motoEndpoint()}/${bucket}`, { method: 'PUT' });
  await created.arrayBuffer();
  expect(created.ok).toBe(true);
  table = `baselines-${randomUUID()}`;
  await dynamodb.send(
    new CreateTableCommand({
      TableName: table,
      AttributeDefinitions: [{ AttributeName: 'resource', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'resource', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  alertQueue = await createQueue(`alerts-${randomUUID()}`);
  topicArn = (await sns.send(new CreateTopicCommand({ Name: `alerts-${randomUUID()}` }))).TopicArn!;
  await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: alertQueue.arn }));
});

const POLICY = `
trustedPrincipals: ["arn:aws:iam::*:role/deployer"]
protect:
  trails: ["${PREFIX}-*"]
defaults: { mode: alert, dryRun: true }
controls:
  trail-stopped: { mode: remediate, dryRun: false }
  trail-selectors-weakened: { mode: remediate, dryRun: false }
`;

/** Loads a function module afresh with this environment, as a Lambda cold start would. */
function coldStart(module: 'responder' | 'snapshot'): Handler {
  const dir = mkdtempSync(path.join(tmpdir(), 'drift-policy-'));
  const policyFile = path.join(dir, 'policy.yml');
  writeFileSync(policyFile, POLICY);
  Object.assign(process.env, {
    ALERT_TOPIC_ARN: topicArn,
    DRIFT_POLICY_FILE: policyFile,
    RESPONDER_PRINCIPALS: RESPONDER_ROLE,
    BASELINE_TABLE: table,
    RESPONDER_RULES: '',
    AWS_ENDPOINT_URL: awsClientConfig().endpoint,
    LOG_LEVEL: 'warn',
  });
  delete process.env.STATE_TABLE;
  delete process.env.METRICS_NAMESPACE;
  let handler: Handler | undefined;
  jest.isolateModules(() => {
    handler = require(`../../functions/${module}`).handler;
  });
  return handler!;
}

async function newTrail(): Promise<{ name: string; arn: string }> {
  const name = `${PREFIX}-${randomUUID().slice(0, 8)}`;
  const { TrailARN } = await cloudTrail.send(new CreateTrailCommand({ Name: name, S3BucketName: bucket, IsMultiRegionTrail: true }));
  await cloudTrail.send(new StartLoggingCommand({ Name: name }));
  return { name, arn: TrailARN! };
}

const UNTRUSTED = { type: 'IAMUser', arn: `arn:aws:iam::${MOTO_ACCOUNT_ID}:user/mallory`, accountId: MOTO_ACCOUNT_ID, userName: 'mallory' };

/** The event EventBridge delivers: a clone of a real recorded CloudTrail record, aimed at this trail. */
function cloudTrailEvent(file: string, change: (record: Record<string, any>) => void) {
  const detail = cloneWith(file, (r) => {
    change(r);
    r.eventID = randomUUID();
    r.recipientAccountId = MOTO_ACCOUNT_ID;
    r.awsRegion = REGION;
    r.userIdentity = UNTRUSTED;
    delete r.errorCode;
    delete r.errorMessage;
  });
  return { version: '0', id: randomUUID(), 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.cloudtrail', account: MOTO_ACCOUNT_ID, time: detail.eventTime, region: REGION, resources: [], detail };
}

/** Alerts that reached the topic: SNS envelopes, the message parsed (a JSON alert document). */
async function alerts(expected: number) {
  const messages = await receiveAll(sqs, alertQueue.url, { expected, timeoutMs: expected === 0 ? 3000 : 10000 });
  return messages.map((m) => {
    const envelope = JSON.parse(m.Body!);
    return { ...envelope, document: JSON.parse(envelope.Message) };
  });
}

describe('trail tampering (moto)', () => {
  it('restarts a trail an untrusted user stopped, and alerts with what it did', async () => {
    // Prepare
    const trail = await newTrail();
    await cloudTrail.send(new StopLoggingCommand({ Name: trail.name }));
    expect((await cloudTrail.send(new GetTrailStatusCommand({ Name: trail.name }))).IsLogging).toBe(false);
    const event = cloudTrailEvent('cloudtrail_StopLogging_stratus-red-team_1.json', (r) => {
      r.requestParameters = { name: trail.name };
    });

    // Act
    await coldStart('responder')(event, context);

    // Assess
    expect((await cloudTrail.send(new GetTrailStatusCommand({ Name: trail.name }))).IsLogging).toBe(true);
    const [alert, ...more] = await alerts(1);
    expect(more).toEqual([]);
    expect(alert.MessageAttributes.control.Value).toBe('trail-stopped');
    expect(alert.MessageAttributes.severity.Value).toBe('critical');
    expect(alert.document.finding.remediation).toEqual({ status: 'applied', reason: `StartLogging ${trail.arn}` });
  });

  it('leaves a trail alone that is already logging again (live re-check)', async () => {
    const trail = await newTrail();
    const event = cloudTrailEvent('cloudtrail_StopLogging_stratus-red-team_1.json', (r) => {
      r.requestParameters = { name: trail.arn };
    });

    await coldStart('responder')(event, context);

    expect((await cloudTrail.send(new GetTrailStatusCommand({ Name: trail.name }))).IsLogging).toBe(true);
    const [alert] = await alerts(1);
    expect(alert.document.finding.remediation).toMatchObject({ status: 'skipped', reason: expect.stringContaining('already compliant') });
  });

  it('puts back the baseline event selectors after an untrusted user drops management events', async () => {
    // Prepare: the baseline records all management events; the snapshot function captures it.
    const trail = await newTrail();
    await cloudTrail.send(
      new PutEventSelectorsCommand({ TrailName: trail.name, EventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: true, DataResources: [] }] }),
    );
    await coldStart('snapshot')({ source: 'aws.events', 'detail-type': 'Scheduled Event' }, context);
    const { Item } = await dynamodb.send(new GetItemCommand({ TableName: table, Key: { resource: { S: trail.arn } }, ConsistentRead: true }));
    const baseline = JSON.parse(Item!.definition!.S!);
    expect(baseline.selectors.eventSelectors).toEqual([expect.objectContaining({ ReadWriteType: 'All', IncludeManagementEvents: true })]);
    // The attack, as recorded by Stratus Red Team (cloudtrail-event-selectors) and in the invictus dataset.
    const weakened = [{ ReadWriteType: 'ReadOnly' as const, IncludeManagementEvents: false, DataResources: [{ Type: 'AWS::S3::Object', Values: [] }] }];
    await cloudTrail.send(new PutEventSelectorsCommand({ TrailName: trail.name, EventSelectors: weakened }));
    const event = cloudTrailEvent('cloudtrail_PutEventSelectors_invictus-aws-dataset_1.json', (r) => {
      r.requestParameters = { ...r.requestParameters, trailName: trail.name };
      r.responseElements = { ...r.responseElements, trailARN: trail.arn };
    });

    // Act
    await coldStart('responder')(event, context);

    // Assess: the live selectors are the baseline again, field by field.
    const live = await cloudTrail.send(new GetEventSelectorsCommand({ TrailName: trail.name }));
    expect(JSON.parse(JSON.stringify(live.EventSelectors))).toEqual(baseline.selectors.eventSelectors);
    const [alert] = await alerts(1);
    expect(alert.MessageAttributes.control.Value).toBe('trail-selectors-weakened');
    expect(alert.document.finding.remediation).toMatchObject({ status: 'applied', reason: expect.stringContaining('PutEventSelectors') });
  });
});
