import { DeleteItemCommand, GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Baseline, BaselineSeeder, BaselineStore } from './types';

export class BaselineStoreError extends Error {
  override readonly name = 'BaselineStoreError';
}

function itemOf(baseline: Baseline) {
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
export function dynamoDbBaselineStore(client: DynamoDBClient, tableName: string): BaselineStore & BaselineSeeder & { iamActions: readonly string[] } {
  return {
    iamActions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
    async get(resource) {
      const { Item } = await client.send(new GetItemCommand({ TableName: tableName, Key: { resource: { S: resource } }, ConsistentRead: true }));
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
      await client.send(new PutItemCommand({ TableName: tableName, Item: itemOf(baseline) }));
    },
    async putIfAbsent(baseline) {
      try {
        await client.send(
          new PutItemCommand({ TableName: tableName, Item: itemOf(baseline), ConditionExpression: 'attribute_not_exists(#resource)', ExpressionAttributeNames: { '#resource': 'resource' } }),
        );
        return true;
      } catch (error) {
        if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
        throw error;
      }
    },
    async delete(resource) {
      await client.send(new DeleteItemCommand({ TableName: tableName, Key: { resource: { S: resource } } }));
    },
  };
}
