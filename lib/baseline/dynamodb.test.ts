/**
 * The baseline store over the DynamoDB JSON protocol: what it asks for (items in DynamoDB's
 * attribute-value form, the definition as JSON text) and how it reads the answers, including a
 * failed condition as DynamoDB sends it over the wire.
 */
import type { Item } from '../aws/dynamodb-json';
import { AwsServiceError } from '../aws/wire/errors';
import { DYNAMODB } from '../aws/wire/services';
import { fakeJsonService, jsonError, scriptedJsonService } from '../../test/support/json-services';
import { BaselineStoreError, dynamoDbBaselineStore } from './dynamodb';
import type { Baseline } from './types';

const TABLE = 'baselines';
const RULE = 'arn:aws:events:us-east-1:123456789012:rule/orders';

const baseline = (overrides: Partial<Baseline> = {}): Baseline => ({
  resource: RULE,
  kind: 'event-rule',
  definition: { EventPattern: '{"source":[""]}', Description: '', Targets: [{ Id: 't', Input: null }] },
  capturedAt: '2026-11-29T12:00:00.000Z',
  source: 'snapshot',
  ...overrides,
});

const conditionFailed = () =>
  new AwsServiceError({ code: 'ConditionalCheckFailedException', message: 'The conditional request failed', status: 400, service: 'dynamodb', operation: 'PutItem' });

/** A table keyed by `resource` that applies the store's one condition (attribute_not_exists) atomically. */
function baselineTable() {
  const items = new Map<string, Item>();
  return fakeJsonService((operation, input) => {
    const { Key, Item: item, ConditionExpression } = input as { Key?: Item; Item?: Item; ConditionExpression?: string };
    if (operation === 'GetItem') return { ...(items.has(Key!.resource!.S!) ? { Item: items.get(Key!.resource!.S!) } : {}) };
    if (operation === 'DeleteItem') {
      items.delete(Key!.resource!.S!);
      return {};
    }
    if (operation === 'PutItem') {
      if (ConditionExpression && items.has(item!.resource!.S!)) throw conditionFailed();
      items.set(item!.resource!.S!, item!);
      return {};
    }
    throw new Error(`unexpected ${operation}`);
  });
}

describe('dynamoDbBaselineStore', () => {
  it('reads back a baseline exactly as it was put: empty strings, nulls and tags survive', async () => {
    // Prepare
    const { service, calls } = baselineTable();
    const store = dynamoDbBaselineStore(service, TABLE);
    const written = baseline({ tags: { team: 'payments', empty: '' } });

    // Act
    await store.put(written);
    const read = await store.get(RULE);

    // Assess
    expect(read).toEqual(written);
    expect(calls.map((c) => c.operation)).toEqual(['PutItem', 'GetItem']);
    expect(calls[0]!.input).toEqual({
      TableName: TABLE,
      Item: {
        resource: { S: RULE },
        kind: { S: 'event-rule' },
        definition: { S: JSON.stringify(written.definition) },
        capturedAt: { S: written.capturedAt },
        source: { S: 'snapshot' },
        tags: { S: JSON.stringify(written.tags) },
      },
    });
    expect(calls[1]!.input).toEqual({ TableName: TABLE, Key: { resource: { S: RULE } }, ConsistentRead: true });
  });

  it('answers undefined for a resource without a baseline, and after its baseline was deleted', async () => {
    // Prepare
    const { service, calls } = baselineTable();
    const store = dynamoDbBaselineStore(service, TABLE);
    await store.put(baseline());

    // Act
    const unknown = await store.get(`${RULE}-other`);
    await store.delete(RULE);
    const deleted = await store.get(RULE);

    // Assess
    expect([unknown, deleted]).toEqual([undefined, undefined]);
    expect(calls.find((c) => c.operation === 'DeleteItem')?.input).toEqual({ TableName: TABLE, Key: { resource: { S: RULE } } });
  });

  it('keeps the first baseline put if absent and answers false to the second', async () => {
    // Prepare
    const { service, calls } = baselineTable();
    const store = dynamoDbBaselineStore(service, TABLE);

    // Act
    const first = await store.putIfAbsent(baseline({ source: 'snapshot' }));
    const second = await store.putIfAbsent(baseline({ source: 'trusted-change' }));

    // Assess
    expect([first, second]).toEqual([true, false]);
    expect((await store.get(RULE))?.source).toBe('snapshot');
    expect(calls[0]!.input).toMatchObject({ ConditionExpression: 'attribute_not_exists(#resource)', ExpressionAttributeNames: { '#resource': 'resource' } });
  });

  it('fails with BaselineStoreError, naming the resource, when the stored definition is not JSON', async () => {
    // Prepare
    const { service } = fakeJsonService(() => ({ Item: { resource: { S: RULE }, kind: { S: 'event-rule' }, definition: { S: '{broken' } } }));

    // Act
    const read = dynamoDbBaselineStore(service, TABLE).get(RULE);

    // Assess
    await expect(read).rejects.toThrow(BaselineStoreError);
    await expect(read).rejects.toThrow(RULE);
  });

  it('lets an error other than a failed condition through putIfAbsent', async () => {
    // Prepare
    const denied = new AwsServiceError({ code: 'AccessDeniedException', message: 'no', status: 400, service: 'dynamodb', operation: 'PutItem' });
    const { service } = fakeJsonService(() => {
      throw denied;
    });

    // Act
    const put = dynamoDbBaselineStore(service, TABLE).putIfAbsent(baseline());

    // Assess
    await expect(put).rejects.toBe(denied);
  });

  it("reads DynamoDB's failed-condition answer, as it comes over the wire, as 'already there'", async () => {
    // Prepare: the real JSON protocol client; DynamoDB answers 400 with the namespaced code in __type.
    const { service, sent } = scriptedJsonService(DYNAMODB, jsonError(400, 'com.amazonaws.dynamodb.v20120810', 'ConditionalCheckFailedException'));

    // Act
    const stored = await dynamoDbBaselineStore(service, TABLE).putIfAbsent(baseline());

    // Assess
    expect(stored).toBe(false);
    expect(sent).toHaveLength(1); // a failed condition is an answer, not retried
    expect(sent[0]!.headers['x-amz-target']).toBe('DynamoDB_20120810.PutItem');
    expect(sent[0]!.headers['content-type']).toBe('application/x-amz-json-1.0');
    expect(JSON.parse(sent[0]!.body)).toMatchObject({ TableName: TABLE, Item: { resource: { S: RULE } }, ConditionExpression: 'attribute_not_exists(#resource)' });
  });
});
