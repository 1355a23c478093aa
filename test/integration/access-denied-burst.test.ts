/**
 * access-denied-burst against the moto server: the counter lives in a real DynamoDB table
 * (the stack's generic state table: partition key `pk`, TTL `expiresAt`), the REAL responder
 * (functions/responder.ts) gets the denied calls (clones of a real recorded StopLogging) and
 * alerts through a real SNS topic subscribed by an SQS queue.
 *
 * moto gap: the shared server does not serialise concurrent writes to one item (threaded server,
 * unlocked tables): of six concurrent ADDs to a window's set, two were lost in one run, so no
 * occurrence saw the threshold and nothing was raised. DynamoDB applies each update atomically and
 * the counter relies on it; so the state table lives on a moto server of its own with one lock
 * around its item operations (harness/moto.ts atomicDynamoDb), which the responder reaches through
 * AWS_ENDPOINT_URL_DYNAMODB. SNS and SQS stay on the shared server.
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { dynamoDbService } from '../../lib/aws/wire/services';
import { dynamoDbBurstCounter } from '../../lib/state/dynamodb-burst-counter';
import { cloneWith } from '../support/fixtures';
import { awsClientConfig, MOTO_ACCOUNT_ID, wireTestConfig, type TestQueue } from './harness/aws';
import { startMoto, type MotoHandle } from './harness/moto';
import { alertsFrom, coldStart as startFunction, createAlertTopic, createStateTable, type Handler, eventBridgeEnvelope } from './harness/functions';

jest.setTimeout(60_000);
const REGION = 'us-east-1';

const context = { functionName: 'fn', awsRequestId: 'test', getRemainingTimeInMillis: () => 300_000 } as unknown as Context;

let stateServer: MotoHandle;
let dynamodb: DynamoDBClient;
let stateTable: string;
let alertQueue: TestQueue;
let topicArn: string;

beforeAll(async () => {
  stateServer = await startMoto({ atomicDynamoDb: true });
  dynamodb = new DynamoDBClient({ ...awsClientConfig(), endpoint: stateServer.endpoint });
  stateTable = await createStateTable(dynamodb);
  ({ topicArn, queue: alertQueue } = await createAlertTopic());
});

afterAll(async () => {
  dynamodb?.destroy();
  await stateServer?.stop();
});

function coldStart(): Handler {
  return startFunction('responder', 'protect:\n  trails: ["*"]\naccessDeniedBurst: { threshold: 5, windowSeconds: 300 }\n', {
    ALERT_TOPIC_ARN: topicArn,
    RESPONDER_PRINCIPALS: `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/drift-responder-ci-responder`,
    STATE_TABLE: stateTable,
    AWS_ENDPOINT_URL_DYNAMODB: stateServer.endpoint,
    RESPONDER_RULES: '',
    BASELINE_TABLE: undefined,
    METRICS_NAMESPACE: undefined,
  });
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
  return eventBridgeEnvelope(detail, REGION);
}

async function alerts(expected: number) {
  return alertsFrom(alertQueue, expected, { emptyTimeoutMs: 4000 });
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
    const counter = dynamoDbBurstCounter(dynamoDbService(wireTestConfig({ endpoint: stateServer.endpoint })), stateTable);
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
