/**
 * The burst counter over the DynamoDB JSON protocol: the conditional writes it asks for and how
 * it reads their answers. That concurrent occurrences raise exactly one alert is shown against
 * moto in test/integration/access-denied-burst.test.ts.
 */
import { AwsServiceError } from '../aws/wire/errors';
import { DYNAMODB } from '../aws/wire/services';
import { fakeJsonService, jsonError, scriptedJsonService } from '../../test/support/json-services';
import { dynamoDbBurstCounter } from './dynamodb-burst-counter';

const TABLE = 'state';
const BURST = { key: 'access-denied#arn:aws:iam::123456789012:user/prober#1688990400', threshold: 5, windowSeconds: 300, windowStart: 1_688_990_400 };
const NOT_CLAIMED_BY_OTHER = 'attribute_not_exists(alertedBy) OR alertedBy = :occurrence';

const conditionFailed = () =>
  new AwsServiceError({ code: 'ConditionalCheckFailedException', message: 'The conditional request failed', status: 400, service: 'dynamodb', operation: 'UpdateItem' });

/** The window's item after the ADD: `count` occurrences, this one among them. */
const afterAdd = (count: number, alertedBy?: string) => ({
  Attributes: { occurrences: { SS: Array.from({ length: count }, (_, i) => `occurrence-${i}`) }, ...(alertedBy ? { alertedBy: { S: alertedBy } } : {}) },
});

describe('dynamoDbBurstCounter', () => {
  it('adds the occurrence to its window with one conditional ADD, expiring one window after the window ends', async () => {
    // Prepare
    const { service, calls } = fakeJsonService(() => afterAdd(2));

    // Act
    const crossed = await dynamoDbBurstCounter(service, TABLE).record(BURST, 'occurrence-1');

    // Assess
    expect(crossed).toBe(false);
    expect(calls).toEqual([
      {
        operation: 'UpdateItem',
        input: {
          TableName: TABLE,
          Key: { pk: { S: BURST.key } },
          UpdateExpression: 'ADD occurrences :occurrences SET expiresAt = if_not_exists(expiresAt, :expiresAt)',
          ConditionExpression: NOT_CLAIMED_BY_OTHER,
          ExpressionAttributeValues: { ':occurrences': { SS: ['occurrence-1'] }, ':occurrence': { S: 'occurrence-1' }, ':expiresAt': { N: String(BURST.windowStart + 600) } },
          ReturnValues: 'ALL_NEW',
        },
      },
    ]);
  });

  it('claims the alert for the occurrence that brings the window to the threshold', async () => {
    // Prepare
    const { service, calls } = fakeJsonService((_operation, input) => ('ReturnValues' in input ? afterAdd(5) : {}));

    // Act
    const crossed = await dynamoDbBurstCounter(service, TABLE).record(BURST, 'occurrence-4');

    // Assess
    expect(crossed).toBe(true);
    expect(calls[1]).toEqual({
      operation: 'UpdateItem',
      input: { TableName: TABLE, Key: { pk: { S: BURST.key } }, UpdateExpression: 'SET alertedBy = :occurrence', ConditionExpression: NOT_CLAIMED_BY_OTHER, ExpressionAttributeValues: { ':occurrence': { S: 'occurrence-4' } } },
    });
  });

  it('alerts again for a retry of the occurrence that alerted, without claiming anew', async () => {
    // Prepare
    const { service, calls } = fakeJsonService(() => afterAdd(6, 'occurrence-4'));

    // Act
    const crossed = await dynamoDbBurstCounter(service, TABLE).record(BURST, 'occurrence-4');

    // Assess
    expect(crossed).toBe(true);
    expect(calls).toHaveLength(1);
  });

  it.each([
    ['the ADD', 1],
    ['the claim', 2],
  ])('raises nothing when another occurrence has claimed the window (condition failed on %s)', async (_label, failingCall) => {
    // Prepare
    let call = 0;
    const { service } = fakeJsonService(() => {
      call += 1;
      if (call === failingCall) throw conditionFailed();
      return afterAdd(5);
    });

    // Act
    const crossed = await dynamoDbBurstCounter(service, TABLE).record(BURST, 'occurrence-9');

    // Assess
    expect(crossed).toBe(false);
    expect(call).toBe(failingCall);
  });

  it('lets other errors through, so the invocation fails and is retried', async () => {
    // Prepare
    const throttled = new AwsServiceError({ code: 'ProvisionedThroughputExceededException', message: 'slow down', status: 400, service: 'dynamodb', operation: 'UpdateItem' });
    const { service } = fakeJsonService(() => {
      throw throttled;
    });

    // Act
    const record = dynamoDbBurstCounter(service, TABLE).record(BURST, 'occurrence-1');

    // Assess
    await expect(record).rejects.toBe(throttled);
  });

  it("reads DynamoDB's failed-condition answer, as it comes over the wire, as 'claimed by another'", async () => {
    // Prepare
    const { service, sent } = scriptedJsonService(DYNAMODB, jsonError(400, 'com.amazonaws.dynamodb.v20120810', 'ConditionalCheckFailedException'));

    // Act
    const crossed = await dynamoDbBurstCounter(service, TABLE).record(BURST, 'occurrence-1');

    // Assess
    expect(crossed).toBe(false);
    expect(sent.map((r) => r.headers['x-amz-target'])).toEqual(['DynamoDB_20120810.UpdateItem']);
  });
});
