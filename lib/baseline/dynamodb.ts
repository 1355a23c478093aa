import { CONDITIONAL_CHECK_FAILED, type GetItemOutput, type Item } from '../aws/dynamodb-json';
import { isErrorNamed } from '../aws/errors';
import type { JsonService } from '../aws/wire/json';
import type { Baseline, BaselineSeeder, BaselineStore } from './types';

export class BaselineStoreError extends Error {
  override readonly name = 'BaselineStoreError';
}

function itemOf(baseline: Baseline): Item {
  return {
    resource: { S: baseline.resource },
    kind: { S: baseline.kind },
    definition: { S: JSON.stringify(baseline.definition) },
    capturedAt: { S: baseline.capturedAt },
    source: { S: baseline.source },
    ...(baseline.tags ? { tags: { S: JSON.stringify(baseline.tags) } } : {}),
  };
}

/**
 * Baselines in a DynamoDB table keyed by `resource` (the ARN). The definition is
 * stored as JSON text: definitions hold policies and patterns whose exact shape
 * (empty strings, nested nulls) must survive a round trip unchanged.
 */
export function dynamoDbBaselineStore(dynamodb: JsonService, tableName: string): BaselineStore & BaselineSeeder & { iamActions: readonly string[] } {
  return {
    iamActions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
    async get(resource) {
      const { Item } = await dynamodb.call<GetItemOutput>('GetItem', { TableName: tableName, Key: { resource: { S: resource } }, ConsistentRead: true });
      if (!Item) return undefined;
      try {
        return {
          resource,
          kind: Item.kind?.S ?? 'unknown',
          definition: JSON.parse(Item.definition?.S ?? 'null'),
          capturedAt: Item.capturedAt?.S ?? '',
          source: Item.source?.S ?? '',
          ...(Item.tags?.S ? { tags: JSON.parse(Item.tags.S) as Record<string, string> } : {}),
        };
      } catch (cause) {
        throw new BaselineStoreError(`baseline of ${resource} is not valid JSON`, { cause });
      }
    },
    async put(baseline) {
      await dynamodb.call('PutItem', { TableName: tableName, Item: itemOf(baseline) });
    },
    async putIfAbsent(baseline) {
      try {
        await dynamodb.call('PutItem', {
          TableName: tableName,
          Item: itemOf(baseline),
          ConditionExpression: 'attribute_not_exists(#resource)',
          ExpressionAttributeNames: { '#resource': 'resource' },
        });
        return true;
      } catch (error) {
        if (isErrorNamed(error, CONDITIONAL_CHECK_FAILED)) return false;
        throw error;
      }
    },
    async delete(resource) {
      await dynamodb.call('DeleteItem', { TableName: tableName, Key: { resource: { S: resource } } });
    },
  };
}
