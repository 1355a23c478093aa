/**
 * The responder's idempotency records in DynamoDB (serverless/resources/idempotency.yml), sent by
 * the wire client (lib/aws/wire). One item per CloudTrail event, laid out as Powertools for AWS
 * Lambda's DynamoDBPersistenceLayer lays it out (the responder used Powertools' idempotency
 * utility until its JMESPath engine, zlib and classes cost the cold start about 6 ms):
 *   id                      `cloudtrail-event#<hash>` (lib/responder/idempotency.ts)
 *   status                  INPROGRESS, then COMPLETED
 *   expiration              epoch seconds; the table's TTL attribute
 *   in_progress_expiration  epoch milliseconds: until when the INPROGRESS claim holds
 *   data                    what a duplicate gets back (COMPLETED only)
 * The same items and conditions mean records written by either stay valid across an upgrade;
 * idempotency-store.test.ts sends the same deliveries through both and compares the requests.
 */
import { CONDITIONAL_CHECK_FAILED, type AttributeValue, type GetItemOutput, type Item } from '../aws/dynamodb-json';
import { isErrorNamed } from '../aws/errors';
import type { JsonService } from '../aws/wire/json';

export const IN_PROGRESS = 'INPROGRESS';
export const COMPLETED = 'COMPLETED';

/** One event's record as stored. `status` is whatever the item holds: the reader decides what an unknown one means. */
export interface IdempotencyRecord {
  readonly key: string;
  readonly status: string;
  /** Epoch seconds. */
  readonly expiresAt: number;
  /** Epoch milliseconds; absent when the claim was made without knowing the invocation's remaining time. */
  readonly inProgressUntil?: number;
  readonly response?: unknown;
}

/** A claim either won the key or lost it to the record that holds it (absent if DynamoDB did not return it). */
export type Claim = { readonly won: true } | { readonly won: false; readonly holder?: IdempotencyRecord };

export interface IdempotencyStore {
  /** IAM actions the store needs on its table (scripts/serverless-iam.cjs scopes them to it). */
  readonly iamActions: readonly string[];
  /** Writes an INPROGRESS record unless a live one holds the key: atomically, so two concurrent claims cannot both win. */
  claim(record: { key: string; expiresAt: number; inProgressUntil?: number }, now: number): Promise<Claim>;
  /** Marks the key COMPLETED with what a duplicate gets back. */
  complete(key: string, expiresAt: number, response: unknown): Promise<void>;
  /** Removes the key's record: the invocation failed, its retry processes the event again. */
  release(key: string): Promise<void>;
  /** The key's record (a consistent read), or undefined. */
  read(key: string): Promise<IdempotencyRecord | undefined>;
}

/**
 * When a request may claim a key (Powertools' condition): the key does not exist (first use, or
 * its record was removed by TTL); or its record expired; or it is INPROGRESS with an in-progress
 * expiry that has passed (the invocation that claimed it died). DynamoDB evaluates the condition
 * and the write atomically.
 */
const CLAIM_CONDITION = [
  'attribute_not_exists(#id)',
  '#expiry < :now',
  `(${['#status = :inprogress', 'attribute_exists(#in_progress_expiry)', '#in_progress_expiry < :now_in_millis'].join(' AND ')})`,
].join(' OR ');

export function dynamoDbIdempotencyStore(dynamodb: JsonService, tableName: string): IdempotencyStore {
  const keyOf = (key: string): Item => ({ id: { S: key } });
  const recordOf = (stored: Item): IdempotencyRecord => {
    const item = unmarshallItem(stored);
    return {
      key: item.id,
      status: item.status,
      expiresAt: item.expiration,
      ...(item.in_progress_expiration !== undefined ? { inProgressUntil: item.in_progress_expiration } : {}),
      ...(item.data !== undefined ? { response: item.data } : {}),
    };
  };
  return {
    // PutItem (conditional: claim), UpdateItem (completed), DeleteItem (failed: release), GetItem
    // (read the holder when the failed condition did not return it).
    iamActions: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem'],

    async claim({ key, expiresAt, inProgressUntil }, now) {
      const item: Item = { ...keyOf(key), expiration: toAttribute(expiresAt), status: { S: IN_PROGRESS } };
      if (inProgressUntil !== undefined) item.in_progress_expiration = toAttribute(inProgressUntil);
      try {
        await dynamodb.call('PutItem', {
          TableName: tableName,
          Item: item,
          ExpressionAttributeNames: { '#id': 'id', '#expiry': 'expiration', '#in_progress_expiry': 'in_progress_expiration', '#status': 'status' },
          ExpressionAttributeValues: marshallItem({ ':now': now / 1000, ':now_in_millis': now, ':inprogress': IN_PROGRESS }),
          ConditionExpression: CLAIM_CONDITION,
          // The record that holds the key comes back with the failure: no GetItem to learn its status.
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        });
        return { won: true };
      } catch (error) {
        if (!isErrorNamed(error, CONDITIONAL_CHECK_FAILED)) throw error;
        const holder = (error as { details?: { Item?: Item } }).details?.Item;
        return holder ? { won: false, holder: recordOf(holder) } : { won: false };
      }
    },

    async complete(key, expiresAt, response) {
      await dynamodb.call('UpdateItem', {
        TableName: tableName,
        Key: keyOf(key),
        UpdateExpression: 'SET #expiry = :expiry, #status = :status, #response_data = :response_data',
        ExpressionAttributeNames: { '#expiry': 'expiration', '#status': 'status', '#response_data': 'data' },
        ExpressionAttributeValues: marshallItem({ ':expiry': expiresAt, ':status': COMPLETED, ':response_data': response }),
      });
    },

    async release(key) {
      await dynamodb.call('DeleteItem', { TableName: tableName, Key: keyOf(key) });
    },

    async read(key) {
      const { Item } = await dynamodb.call<GetItemOutput>('GetItem', { TableName: tableName, Key: keyOf(key), ConsistentRead: true });
      return Item && recordOf(Item);
    },
  };
}

// The attribute conversions @aws-sdk/util-dynamodb's marshall and unmarshall make (default
// options), for what the store writes: strings, numbers and the response data, a JSON value. Written out here so the bundle does not carry the SDK package for a few lines.

/** One value as an attribute, as util-dynamodb's convertToAttr converts it; sets, binaries and class instances are refused. */
export function toAttribute(value: unknown): AttributeValue {
  if (value === undefined) throw new Error('Pass options.removeUndefinedValues=true to remove undefined values from map/array/set.');
  if (value === null) return { NULL: true };
  if (Array.isArray(value)) return { L: value.filter((member) => typeof member !== 'function').map(toAttribute) };
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'boolean') return { BOOL: value };
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`Special numeric value ${value.toString()} is not allowed`);
    if (value > Number.MAX_SAFE_INTEGER) throw new Error(`Number ${value.toString()} is greater than Number.MAX_SAFE_INTEGER. Use NumberValue from @aws-sdk/lib-dynamodb.`);
    if (value < Number.MIN_SAFE_INTEGER) throw new Error(`Number ${value.toString()} is lesser than Number.MIN_SAFE_INTEGER. Use NumberValue from @aws-sdk/lib-dynamodb.`);
    return { N: value.toString() };
  }
  if (typeof value === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(value))) return { M: marshallItem(value as Record<string, unknown>) };
  throw new Error(`Unsupported type passed: ${String(value)}. Pass options.convertClassInstanceToMap=true to marshall typeof object as map attribute.`);
}

/** An object as an item (or a map's members): its function-valued properties are left out, as the SDK leaves them. */
export function marshallItem(values: Record<string, unknown>): Item {
  const item: Item = {};
  for (const [name, value] of Object.entries(values)) if (typeof value !== 'function') item[name] = toAttribute(value);
  return item;
}

/** One attribute as a value, as util-dynamodb's convertToNative converts it (a number beyond the safe integers becomes a BigInt). */
export function fromAttribute(attribute: AttributeValue): unknown {
  const [type, value] = Object.entries(attribute).find(([, v]) => v !== undefined) ?? [];
  switch (type) {
    case 'NULL':
      return null;
    case 'BOOL':
      return Boolean(value);
    case 'N':
      return numberOf(value as string);
    case 'S':
      return value;
    case 'L':
      return (value as AttributeValue[]).map(fromAttribute);
    case 'M':
      return unmarshallItem(value as Item);
    case 'NS':
      return new Set((value as string[]).map(numberOf));
    case 'SS':
      return new Set(value as string[]);
    case undefined:
      throw new Error(`No value defined: ${JSON.stringify(attribute)}`);
    default:
      // B and BS: base64 text here, Uint8Array from the SDK; nothing this layer writes holds one.
      throw new Error(`Unsupported type passed: ${type}`);
  }
}

export function unmarshallItem(item: Item): Record<string, any> {
  return Object.fromEntries(Object.entries(item).map(([name, attribute]) => [name, fromAttribute(attribute)]));
}

function numberOf(text: string): number | bigint {
  const number = Number(text);
  if (Number.isFinite(number) && (number > Number.MAX_SAFE_INTEGER || number < Number.MIN_SAFE_INTEGER)) {
    try {
      return BigInt(text);
    } catch {
      throw new Error(`${text} can't be converted to BigInt. Set options.wrapNumbers to get string value.`);
    }
  }
  return number;
}
