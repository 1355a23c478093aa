/**
 * Powertools' idempotency records in DynamoDB, sent by the wire client (lib/aws/wire) instead of
 * SDK v3: Powertools' own DynamoDBPersistenceLayer imports @aws-sdk/client-dynamodb and
 * @aws-sdk/util-dynamodb, which would bring the SDK's runtime back into the responder's bundle.
 *
 * Everything above the storage (hashing the key, expiries, the local cache, payload validation,
 * what a duplicate gets back) stays Powertools' BasePersistenceLayer. This class only stores, and
 * does it request for request as DynamoDBPersistenceLayer of @aws-lambda-powertools/idempotency
 * 2.35.0 does (same items, same condition, same attribute names and options):
 * idempotency-store.test.ts sends the same operations through both and compares the requests.
 */
import { IdempotencyItemAlreadyExistsError, IdempotencyItemNotFoundError, IdempotencyRecordStatus, PERSISTENCE_ATTRIBUTE_KEY_MAPPINGS } from '@aws-lambda-powertools/idempotency';
import type { DynamoDBPersistenceOptionsBase } from '@aws-lambda-powertools/idempotency/dynamodb/types';
import { BasePersistenceLayer, IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';
import { CONDITIONAL_CHECK_FAILED, type AttributeValue, type GetItemOutput, type Item } from '../aws/dynamodb-json';
import { isErrorNamed } from '../aws/errors';
import type { JsonService } from '../aws/wire/json';

type RecordOptions = ConstructorParameters<typeof IdempotencyRecord>[0];

/**
 * The conditions under which a request may claim a key (Powertools' comment, abridged): the key
 * does not exist (first use, or its record was removed by TTL); or its record expired; or it is
 * INPROGRESS with an in-progress expiry that has passed (the invocation that claimed it died).
 * DynamoDB evaluates the condition and the write atomically: two concurrent copies cannot both win.
 */
const CLAIM_CONDITION = [
  'attribute_not_exists(#id)',
  '#expiry < :now',
  `(${['#status = :inprogress', 'attribute_exists(#in_progress_expiry)', '#in_progress_expiry < :now_in_millis'].join(' AND ')})`,
].join(' OR ');

export class WireDynamoDBPersistenceLayer extends BasePersistenceLayer {
  private readonly dataAttr: string;
  private readonly expiryAttr: string;
  private readonly inProgressExpiryAttr: string;
  private readonly keyAttr: string;
  private readonly sortKeyAttr?: string;
  private readonly staticPkValue: string;
  private readonly statusAttr: string;
  private readonly tableName: string;
  private readonly validationKeyAttr: string;

  constructor(
    private readonly dynamodb: JsonService,
    config: DynamoDBPersistenceOptionsBase,
  ) {
    super();
    this.tableName = config.tableName;
    this.keyAttr = config.keyAttr ?? 'id';
    this.statusAttr = config.statusAttr ?? PERSISTENCE_ATTRIBUTE_KEY_MAPPINGS.statusAttr;
    this.expiryAttr = config.expiryAttr ?? PERSISTENCE_ATTRIBUTE_KEY_MAPPINGS.expiryAttr;
    this.inProgressExpiryAttr = config.inProgressExpiryAttr ?? PERSISTENCE_ATTRIBUTE_KEY_MAPPINGS.inProgressExpiryAttr;
    this.dataAttr = config.dataAttr ?? PERSISTENCE_ATTRIBUTE_KEY_MAPPINGS.dataAttr;
    this.validationKeyAttr = config.validationKeyAttr ?? PERSISTENCE_ATTRIBUTE_KEY_MAPPINGS.validationKeyAttr;
    if (config.sortKeyAttr === this.keyAttr) {
      throw new Error(`keyAttr [${this.keyAttr}] and sortKeyAttr [${config.sortKeyAttr}] cannot be the same!`);
    }
    this.sortKeyAttr = config.sortKeyAttr;
    // As Powertools: fixed at construction, from the prefix the base class read from AWS_LAMBDA_FUNCTION_NAME.
    this.staticPkValue = config.staticPkValue ?? `idempotency#${this.idempotencyKeyPrefix}`;
  }

  protected async _deleteRecord(record: IdempotencyRecord): Promise<void> {
    await this.dynamodb.call('DeleteItem', { TableName: this.tableName, Key: this.keyOf(record.idempotencyKey) });
  }

  protected async _getRecord(idempotencyKey: string): Promise<IdempotencyRecord> {
    const { Item } = await this.dynamodb.call<GetItemOutput>('GetItem', { TableName: this.tableName, Key: this.keyOf(idempotencyKey), ConsistentRead: true });
    if (!Item) throw new IdempotencyItemNotFoundError();
    return this.recordOf(Item);
  }

  protected async _putRecord(record: IdempotencyRecord): Promise<void> {
    const item: Item = {
      ...this.keyOf(record.idempotencyKey),
      ...marshallItem({ [this.expiryAttr]: record.expiryTimestamp, [this.statusAttr]: record.getStatus() }),
    };
    if (record.inProgressExpiryTimestamp !== undefined) item[this.inProgressExpiryAttr] = { N: record.inProgressExpiryTimestamp.toString() };
    if (this.isPayloadValidationEnabled() && record.payloadHash !== undefined) item[this.validationKeyAttr] = { S: record.payloadHash };
    const now = Date.now();
    try {
      await this.dynamodb.call('PutItem', {
        TableName: this.tableName,
        Item: item,
        ExpressionAttributeNames: { '#id': this.keyAttr, '#expiry': this.expiryAttr, '#in_progress_expiry': this.inProgressExpiryAttr, '#status': this.statusAttr },
        ExpressionAttributeValues: marshallItem({ ':now': now / 1000, ':now_in_millis': now, ':inprogress': IdempotencyRecordStatus.INPROGRESS }),
        ConditionExpression: CLAIM_CONDITION,
        // The record that holds the key comes back with the failure: no GetItem to learn its status.
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      });
    } catch (error) {
      if (!isErrorNamed(error, CONDITIONAL_CHECK_FAILED)) throw error;
      const existing = (error as { details?: { Item?: Item } }).details?.Item;
      throw new IdempotencyItemAlreadyExistsError(
        `Failed to put record for already existing idempotency key: ${record.idempotencyKey}${this.sortKeyAttr ? ` and sort key: ${record.sortKey}` : ''}`,
        existing && this.recordOf(existing),
      );
    }
  }

  protected async _updateRecord(record: IdempotencyRecord): Promise<void> {
    const fields = ['#expiry = :expiry', '#status = :status'];
    const names: Record<string, string> = { '#expiry': this.expiryAttr, '#status': this.statusAttr };
    const values: Record<string, unknown> = { ':expiry': record.expiryTimestamp, ':status': record.getStatus() };
    if (record.responseData !== undefined) {
      fields.push('#response_data = :response_data');
      names['#response_data'] = this.dataAttr;
      values[':response_data'] = record.responseData;
    }
    if (this.isPayloadValidationEnabled()) {
      fields.push('#validation_key = :validation_key');
      names['#validation_key'] = this.validationKeyAttr;
      values[':validation_key'] = record.payloadHash;
    }
    await this.dynamodb.call('UpdateItem', {
      TableName: this.tableName,
      Key: this.keyOf(record.idempotencyKey),
      UpdateExpression: `SET ${fields.join(', ')}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: marshallItem(values),
    });
  }

  /** The key: the idempotency key alone, or (with a sort key) a static partition and the idempotency key as sort key. */
  private keyOf(idempotencyKey: string): Item {
    if (this.sortKeyAttr) return marshallItem({ [this.keyAttr]: this.staticPkValue, [this.sortKeyAttr]: idempotencyKey });
    return marshallItem({ [this.keyAttr]: idempotencyKey });
  }

  private recordOf(stored: Item): IdempotencyRecord {
    const item = unmarshallItem(stored);
    return new IdempotencyRecord({
      idempotencyKey: item[this.keyAttr],
      sortKey: this.sortKeyAttr && item[this.sortKeyAttr],
      status: item[this.statusAttr],
      expiryTimestamp: item[this.expiryAttr],
      inProgressExpiryTimestamp: item[this.inProgressExpiryAttr],
      responseData: item[this.dataAttr],
      payloadHash: item[this.validationKeyAttr],
    } as RecordOptions);
  }
}

// The attribute conversions DynamoDBPersistenceLayer makes with @aws-sdk/util-dynamodb's marshall
// and unmarshall (default options), for what it stores: strings, numbers and the response data,
// a JSON value. Written out here so the bundle does not carry the SDK package for a few lines.

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
