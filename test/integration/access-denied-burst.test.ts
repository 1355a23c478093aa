/**
 * access-denied-burst against the moto server: the counter lives in a real DynamoDB table
 * (the stack's generic state table: partition key `pk`, TTL `expiresAt`), the REAL responder
 * (functions/responder.ts) gets the denied calls (clones of a real recorded StopLogging) and
 * alerts through a real SNS topic subscribed by an SQS queue.
 */
import { CreateTableCommand, DynamoDBClient, GetItemCommand, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dynamoDbBurstCounter } from '../../lib/state/dynamodb-burst-counter';
import { cloneWith } from '../support/fixtures';
import { awsClientConfig, createQueue, MOTO_ACCOUNT_ID, receiveAll } from './harness/aws';

jest.setTimeout(60_000);
const dynamodb = new DynamoDBClient(awsClientConfig());
const sns = new SNSClient(awsClientConfig());
const sqs = new SQSClient(awsClientConfig());
const REGION = 'us-east-1';

type Handler = (event: unknown, context: Context) => Promise<unknown>;
const context = { functionName: 'fn', awsRequestId: 'test', getRemainingTimeInMillis: () => 300_000 } as unknown as Context;

let stateTable: string;
let alertQueue: { url: string; arn: string };
let topicArn: string;

beforeAll(async () => {
  stateTable = `state-${randomUUID()}`;
  await dynamodb.send(
    new CreateTableCommand({
      TableName: stateTable,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await dynamodb.send(new UpdateTimeToLiveCommand({ TableName: stateTable, TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } }));
  alertQueue = await createQueue(`alerts-${randomUUID()}`);
  topicArn = (await sns.send(new CreateTopicCommand({ Name: `alerts-${randomUUID()}` }))).TopicArn!;
  await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: alertQueue.arn }));
});

function coldStart(): Handler {
  const dir = mkdtempSync(path.join(tmpdir(), 'drift-policy-'));
  const policyFile = path.join(dir, 'policy.yml');
  writeFileSync(policyFile, 'protect:\n  trails: ["*"]\naccessDeniedBurst: { threshold: 5, windowSeconds: 300 }\n');
  Object.assign(process.env, {
    ALERT_TOPIC_ARN: topicArn,
    DRIFT_POLICY_FILE: policyFile,
    RESPONDER_PRINCIPALS: `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/drift-responder-ci-responder`,
    STATE_TABLE: stateTable,
    RESPONDER_RULES: '',
    AWS_ENDPOINT_URL: awsClientConfig().endpoint,
    LOG_LEVEL: 'warn',
  });
  delete process.env.BASELINE_TABLE;
  delete process.env.METRICS_NAMESPACE;
  let handler: Handler | undefined;
  jest.isolateModules(() => {
    handler = require('../../functions/responder').handler;
  });
  return handler!;
}

/** A denied StopLogging by `user` (a clone of the real failed one in the invictus dataset), delivered by EventBridge. */
function denial(user: string, second: number) {
  const detail = cloneWith('cloudtrail_StopLogging_invictus-aws-dataset_1.json', (r) => {
    r.eventID = randomUUID();
    r.errorCode = 'AccessDenied';
    r.errorMessage = `User: ${user} is not authorized to perform: cloudtrail:StopLogging`;
    r.userIdentity = { type: 'IAMUser', arn: user, accountId: MOTO_ACCOUNT_ID, userName: user.split('/').pop() };
    r.recipientAccountId = MOTO_ACCOUNT_ID;
    r.eventTime = `2023-07-10T12:01:${String(second).padStart(2, '0')}Z`;
  });
  return { version: '0', id: randomUUID(), 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.cloudtrail', account: MOTO_ACCOUNT_ID, time: detail.eventTime, region: REGION, resources: [], detail };
}

async function alerts(expected: number) {
  const messages = await receiveAll(sqs, alertQueue.url, { expected, timeoutMs: expected === 0 ? 4000 : 10000 });
  return messages.map((m) => JSON.parse(m.Body!));
}

describe('access-denied-burst (moto DynamoDB)', () => {
  it('raises exactly one alert for six denials by one principal in a window, even when invocations race', async () => {
    // Prepare
    const user = `arn:aws:iam::${MOTO_ACCOUNT_ID}:user/prober-${randomUUID().slice(0, 8)}`;
    const handler = coldStart();

    // Act: six concurrent invocations, as Lambda would run them.
    await Promise.all([1, 2, 3, 4, 5, 6].map((s) => handler(denial(user, s), context)));

    // Assess
    const raised = await alerts(2);
    expect(raised).toHaveLength(1);
    expect(raised[0].MessageAttributes.control.Value).toBe('access-denied-burst');
    expect(raised[0].Message).toContain(user);
  });

  it('raises none for four denials in a window', async () => {
    const user = `arn:aws:iam::${MOTO_ACCOUNT_ID}:user/prober-${randomUUID().slice(0, 8)}`;
    const handler = coldStart();

    for (const s of [1, 2, 3, 4]) await handler(denial(user, s), context);

    expect(await alerts(0)).toEqual([]);
  });

  it('the counter lets exactly one of many concurrent occurrences cross the threshold, counts a retry once, and sets the TTL', async () => {
    const counter = dynamoDbBurstCounter(dynamodb, stateTable);
    const windowStart = 1_688_990_400;
    const burst = { key: `test#${randomUUID()}`, threshold: 5, windowSeconds: 300, windowStart };

    const crossed = await Promise.all(Array.from({ length: 12 }, (_, i) => counter.record(burst, `occurrence-${i}`)));

    expect(crossed.filter(Boolean)).toHaveLength(1);
    const winner = `occurrence-${crossed.indexOf(true)}`;
    expect(await counter.record(burst, winner)).toBe(true); // a Lambda retry of the alerting event alerts again
    expect(await counter.record(burst, 'occurrence-late')).toBe(false);
    const { Item } = await dynamodb.send(new GetItemCommand({ TableName: stateTable, Key: { pk: { S: burst.key } }, ConsistentRead: true }));
    expect(Item?.expiresAt?.N).toBe(String(windowStart + 600));
    expect(Item?.alertedBy?.S).toBe(winner);
  });
});
