import { CONDITIONAL_CHECK_FAILED, type UpdateItemOutput } from '../aws/dynamodb-json';
import { isErrorNamed } from '../aws/errors';
import type { JsonService } from '../aws/wire/json';
import type { BurstCount } from '../controls/access-denied/controls';
import type { BurstCounter } from './burst-counter';

const isConditionFailed = (error: unknown) => isErrorNamed(error, CONDITIONAL_CHECK_FAILED);

/**
 * Burst counting in the shared state table (partition key `pk`, TTL attribute
 * `expiresAt`). One item per key and window: occurrences are added to a string set
 * (idempotent under retries), then the occurrence that finds the set at the
 * threshold claims the alert with a conditional write, so concurrent invocations
 * raise exactly one. Once claimed, the item stops growing: further adds fail the
 * same condition. Items expire one window after theirs ends.
 */
export function dynamoDbBurstCounter(dynamodb: JsonService, tableName: string): BurstCounter {
  const notClaimedByOther = 'attribute_not_exists(alertedBy) OR alertedBy = :occurrence';
  return {
    iamActions: ['dynamodb:UpdateItem'],
    async record(burst: BurstCount, occurrenceId: string) {
      const key = { pk: { S: burst.key } };
      let count: number;
      try {
        const { Attributes } = await dynamodb.call<UpdateItemOutput>('UpdateItem', {
          TableName: tableName,
          Key: key,
          UpdateExpression: 'ADD occurrences :occurrences SET expiresAt = if_not_exists(expiresAt, :expiresAt)',
          ConditionExpression: notClaimedByOther,
          ExpressionAttributeValues: {
            ':occurrences': { SS: [occurrenceId] },
            ':occurrence': { S: occurrenceId },
            ':expiresAt': { N: String(burst.windowStart + 2 * burst.windowSeconds) },
          },
          ReturnValues: 'ALL_NEW',
        });
        if (Attributes?.alertedBy?.S === occurrenceId) return true; // a retry of the occurrence that alerted
        count = Attributes?.occurrences?.SS?.length ?? 0;
      } catch (error) {
        if (isConditionFailed(error)) return false; // another occurrence already raised this window's alert
        throw error;
      }
      if (count < burst.threshold) return false;
      try {
        await dynamodb.call('UpdateItem', {
          TableName: tableName,
          Key: key,
          UpdateExpression: 'SET alertedBy = :occurrence',
          ConditionExpression: notClaimedByOther,
          ExpressionAttributeValues: { ':occurrence': { S: occurrenceId } },
        });
        return true;
      } catch (error) {
        if (isConditionFailed(error)) return false;
        throw error;
      }
    },
  };
}
