/**
 * The remediation-loop guard over the DynamoDB JSON protocol: the one conditional ADD per claim
 * and how its answers read. That concurrent claims never exceed the limit is shown against moto
 * in test/integration/remediation-safety.test.ts.
 */
import { AwsServiceError } from '../aws/wire/errors';
import { DYNAMODB } from '../aws/wire/services';
import { fakeJsonService, jsonError, scriptedJsonService } from '../../test/support/json-services';
import { dynamoDbLoopGuard } from './remediation-loop';

const TABLE = 'state';
const LIMITS = { maxRemediations: 3, windowMinutes: 60 };
const NOW = new Date('2026-11-29T12:34:00Z');
const WINDOW = Math.floor(NOW.getTime() / 3_600_000);

describe('dynamoDbLoopGuard', () => {
  it("claims with one conditional ADD to the window's set and counts the set it answers with", async () => {
    // Prepare
    const { service, calls } = fakeJsonService(() => ({ Attributes: { remediations: { SS: ['event-0', 'event-1'] } } }));

    // Act
    const claim = await dynamoDbLoopGuard(service, TABLE).claim('loop-key', 'event-1', NOW, LIMITS);

    // Assess
    expect(claim).toEqual({ allowed: true, count: 2 });
    expect(calls).toEqual([
      {
        operation: 'UpdateItem',
        input: {
          TableName: TABLE,
          Key: { pk: { S: `loop#loop-key#${WINDOW}` } },
          UpdateExpression: 'ADD remediations :occurrences SET expiresAt = if_not_exists(expiresAt, :expiresAt)',
          ConditionExpression: 'attribute_not_exists(remediations) OR size(remediations) < :max OR contains(remediations, :occurrence)',
          ExpressionAttributeValues: { ':occurrences': { SS: ['event-1'] }, ':occurrence': { S: 'event-1' }, ':max': { N: '3' }, ':expiresAt': { N: String((WINDOW + 2) * 3600) } },
          ReturnValues: 'ALL_NEW',
        },
      },
    ]);
  });

  it("refuses the claim when DynamoDB's failed-condition answer comes over the wire (the window is full)", async () => {
    // Prepare
    const { service, sent } = scriptedJsonService(DYNAMODB, jsonError(400, 'com.amazonaws.dynamodb.v20120810', 'ConditionalCheckFailedException'));

    // Act
    const claim = await dynamoDbLoopGuard(service, TABLE).claim('loop-key', 'event-9', NOW, LIMITS);

    // Assess
    expect(claim).toEqual({ allowed: false, count: 3 });
    expect(sent.map((r) => r.headers['x-amz-target'])).toEqual(['DynamoDB_20120810.UpdateItem']);
  });

  it('lets other errors through, so no remediation runs unguarded', async () => {
    // Prepare
    const denied = new AwsServiceError({ code: 'AccessDeniedException', message: 'no', status: 400, service: 'dynamodb', operation: 'UpdateItem' });
    const { service } = fakeJsonService(() => {
      throw denied;
    });

    // Act
    const claim = dynamoDbLoopGuard(service, TABLE).claim('loop-key', 'event-1', NOW, LIMITS);

    // Assess
    await expect(claim).rejects.toBe(denied);
  });
});
