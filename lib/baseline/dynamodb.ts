import { DeleteItemCommand, GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Baseline, BaselineStore } from './types';

export class BaselineStoreError extends Error {
  override readonly name = 'BaselineStoreError';
}

/**
 * Baselines in a DynamoDB table keyed by `resource` (the ARN). The definition is
 * stored as JSON text: definitions hold policies and patterns whose exact shape
 * (empty strings, nested nulls) must survive a round trip unchanged.
 */
export function dynamoDbBaselineStore(client: DynamoDBClient, tableName: string): BaselineStore & { iamActions: readonly string[] } {
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
        };
      } catch (cause) {
        throw new BaselineStoreError(`baseline of ${resource} is not valid JSON`, { cause });
      }
    },
    async put(baseline) {
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: {
            resource: { S: baseline.resource },
            kind: { S: baseline.kind },
            definition: { S: JSON.stringify(baseline.definition) },
            capturedAt: { S: baseline.capturedAt },
            source: { S: baseline.source },
          },
        }),
      );
    },
    async delete(resource) {
      await client.send(new DeleteItemCommand({ TableName: tableName, Key: { resource: { S: resource } } }));
    },
  };
}
