/**
 * The proof that the responder's idempotency (processOnce over dynamoDbIdempotencyStore) does
 * what Powertools for AWS Lambda's idempotency utility 2.35 did for it (makeIdempotent with
 * DynamoDBPersistenceLayer, in the configuration the responder used): each delivery runs through
 * both at the same instant. Powertools' requests are captured on an SDK client
 * (aws-sdk-client-mock), ours on a fake DynamoDB service; both are answered alike, and the
 * requests, the results and the errors must be equal. Same items and keys also mean records
 * written before an upgrade stay valid after it (test/integration/idempotency.test.ts runs both
 * against one table in moto).
 */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue as SdkAttributeValue,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createHash } from 'node:crypto';
import type { Item } from '../aws/dynamodb-json';
import { AwsServiceError } from '../aws/wire/errors';
import type { JsonService } from '../aws/wire/json';
import { dynamoDbService } from '../aws/wire/services';
import type { Change } from '../events/change';
import { scriptedTransport } from '../../test/support/scripted-transport';
import { EXPIRES_AFTER_SECONDS, idempotencyKey, IdempotencyKeyError, isDuplicateDelivery, KEY_PREFIX, processOnce, summaryOf } from './idempotency';
import { dynamoDbIdempotencyStore, fromAttribute, marshallItem, toAttribute, unmarshallItem } from './idempotency-store';
import type { Outcome } from './respond';

/** An instant whose seconds have a fraction (`:now` is sent as now / 1000, unrounded). */
const NOW = Date.parse('2026-11-29T12:00:00.123Z');
const TABLE = 'idempotency';
const change = { eventId: 'c0ffee00-1111-2222-3333-444455556666', eventName: 'PutPermission' } as unknown as Change;
const outcome = {
  findings: [{ control: 'bus-policy-public', resource: 'arn:aws:events:us-east-1:123456789012:event-bus/default', remediation: { status: 'applied' } }],
  suppressed: [],
} as unknown as Outcome;
const summary = summaryOf(change, outcome);
const context = { functionName: 'responder', awsRequestId: 'test', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;
/** Powertools' key for the responder's configuration: the JSON of the event id, md5, base64, after the prefix. */
const KEY = `${KEY_PREFIX}#${createHash('md5').update(JSON.stringify(change.eventId)).digest('base64')}`;

type Operation = 'GetItem' | 'PutItem' | 'UpdateItem' | 'DeleteItem';
/** An answer to one operation, in both forms: an SDK output or exception for Powertools, a wire output or error for ours. */
type Answer = { sdk: object | Error; wire: object | Error };
type Answers = Partial<Record<Operation, Answer>>;
interface Sent {
  operation: string;
  input: unknown;
}

const answer = (output: object): Answer => ({ sdk: output, wire: output });
/** DynamoDB's answer to a claim whose condition failed, with the record that holds the key when it returns one. */
function conditionFailed(item?: Item): Answer {
  return {
    sdk: new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: { httpStatusCode: 400 }, ...(item ? { Item: item as Record<string, SdkAttributeValue> } : {}) }),
    wire: new AwsServiceError({ code: 'ConditionalCheckFailedException', message: 'The conditional request failed', status: 400, service: 'dynamodb', operation: 'PutItem', details: item ? { Item: item } : {} }),
  };
}
/** Any other refusal, the same instance for both (the cause both must carry). */
function refused(operation: Operation): Answer {
  const error = new AwsServiceError({ code: 'ProvisionedThroughputExceededException', message: 'slow down', status: 400, service: 'dynamodb', operation });
  return { sdk: error, wire: error };
}
/** The record under KEY as DynamoDB holds it. */
function held(status: string, fields: { expiresAt?: number; inProgressUntil?: number } = {}): Item {
  return marshall({
    id: KEY,
    status,
    expiration: fields.expiresAt ?? Math.round(NOW / 1000) + 60,
    in_progress_expiration: fields.inProgressUntil ?? NOW + 30_000,
    ...(status === 'COMPLETED' ? { data: summary } : {}),
  }) as Item;
}

/** Powertools' utility as the responder configured it, on an SDK client that records each command and answers as told. */
function powertools(answers: Answers, handle: () => Promise<Outcome>) {
  const client = new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  const mock = mockClient(client);
  for (const [command, operation] of [
    [GetItemCommand, 'GetItem'],
    [PutItemCommand, 'PutItem'],
    [UpdateItemCommand, 'UpdateItem'],
    [DeleteItemCommand, 'DeleteItem'],
  ] as const) {
    const given = answers[operation]?.sdk ?? {};
    if (given instanceof Error) mock.on(command as typeof GetItemCommand).rejects(given);
    else mock.on(command as typeof GetItemCommand).resolves(given as never);
  }
  const once = makeIdempotent(async (c: Change, _context: Context) => summaryOf(c, await handle()), {
    persistenceStore: new DynamoDBPersistenceLayer({ tableName: TABLE, awsSdkV3Client: client }),
    config: new IdempotencyConfig({ eventKeyJmesPath: 'eventId', throwOnNoIdempotencyKey: true, expiresAfterSeconds: EXPIRES_AFTER_SECONDS }),
    keyPrefix: KEY_PREFIX,
  });
  const sent = (): Sent[] =>
    mock.calls().map((call) => {
      const command = call.args[0] as { constructor: { name: string }; input: unknown };
      return { operation: command.constructor.name.replace(/Command$/, ''), input: command.input };
    });
  return { run: () => once(change, context), sent };
}

/** Ours, on a fake DynamoDB service that records each call and answers as told. */
function ours(answers: Answers, handle: () => Promise<Outcome>) {
  const calls: Sent[] = [];
  const service: JsonService = {
    async call<Output>(operation: string, input: object = {}): Promise<Output> {
      calls.push({ operation, input: structuredClone(input) });
      const given = answers[operation as Operation]?.wire ?? {};
      if (given instanceof Error) throw given;
      return structuredClone(given) as Output;
    },
  };
  const once = processOnce(handle, dynamoDbIdempotencyStore(service, TABLE));
  return { run: () => once(change, context), sent: () => calls };
}

/** What a delivery came to, comparable across both: the summary a first copy stored or a duplicate got back, or the error. */
async function resultOf(run: () => Promise<unknown>): Promise<unknown> {
  return run().then(
    (value) => ({ summary: typeof value === 'object' && value !== null && 'duplicate' in value ? (value as unknown as { processed: unknown }).processed : isOutcome(value) ? summaryOf(change, value) : value }),
    (error: Error) => ({ error: { name: error.name, message: error.message, cause: error.cause } }),
  );
}
const isOutcome = (value: unknown): value is Outcome => typeof value === 'object' && value !== null && 'findings' in value && Array.isArray((value as Outcome).suppressed);

beforeEach(() => {
  jest.spyOn(Date, 'now').mockReturnValue(NOW);
});

afterEach(() => {
  jest.restoreAllMocks();
});

const fails = () => Promise.reject(new Error('SNS is down'));
const succeeds = () => Promise.resolve(outcome);

describe('each delivery sends what Powertools’ idempotency utility sent, and comes to the same result', () => {
  it.each<[string, Answers, () => Promise<Outcome>, Operation[]]>([
    ['a first delivery: a claim with the remaining time, then the summary, completed', {}, succeeds, ['PutItem', 'UpdateItem']],
    ['a duplicate: the failed claim returns the completed record, whose summary comes back', { PutItem: conditionFailed(held('COMPLETED')) }, succeeds, ['PutItem']],
    ['a duplicate whose failed claim returned no record: the record is read', { PutItem: conditionFailed(), GetItem: answer({ Item: held('COMPLETED') }) }, succeeds, ['PutItem', 'GetItem']],
    ['a copy while the first is in progress: IdempotencyAlreadyInProgressError naming the key', { PutItem: conditionFailed(held('INPROGRESS')) }, succeeds, ['PutItem']],
    ['a failed invocation: its record is deleted and its error passed on', {}, fails, ['PutItem', 'DeleteItem']],
    ['a claim DynamoDB refuses: IdempotencyPersistenceLayerError with the cause', { PutItem: refused('PutItem') }, succeeds, ['PutItem']],
    ['a completion DynamoDB refuses: IdempotencyPersistenceLayerError with the cause', { UpdateItem: refused('UpdateItem') }, succeeds, ['PutItem', 'UpdateItem']],
    ['a failed invocation whose record cannot be deleted: IdempotencyPersistenceLayerError with the cause', { DeleteItem: refused('DeleteItem') }, fails, ['PutItem', 'DeleteItem']],
  ])('%s', async (_name, answers, handle, operations) => {
    // Prepare
    const theirs = powertools(answers, handle);
    const mine = ours(answers, handle);

    // Act
    const results = [await resultOf(theirs.run), await resultOf(mine.run)];

    // Assess
    expect(mine.sent().map((s) => s.operation)).toEqual(operations);
    expect(mine.sent()).toEqual(theirs.sent());
    expect(results[1]).toEqual(results[0]);
  });

  it.each<[string, Item]>([
    ['has expired', held('COMPLETED', { expiresAt: Math.round(NOW / 1000) - 1 })],
    ['holds a status neither writes', held('PENDING')],
  ])('a claim that lost to a record that %s fails with the error Powertools raised, after the same requests', async (_name, item) => {
    const answers = { PutItem: conditionFailed(item) };
    const theirs = powertools(answers, succeeds);
    const mine = ours(answers, succeeds);

    const results = (await Promise.all([resultOf(theirs.run), resultOf(mine.run)])) as Array<{ error: { name: string } }>;

    expect(mine.sent()).toEqual(theirs.sent());
    expect(results[1]!.error.name).toBe(results[0]!.error.name);
  });
});

describe('where ours differs from Powertools 2.35, on purpose', () => {
  it('takes over an INPROGRESS record whose claim has lapsed, where Powertools compared it with the clock’s milliseconds-of-second and refused', async () => {
    // Prepare: the failed claim returns a record whose in-progress expiry passed a second ago;
    // the next claim (the record has lapsed, so the condition holds) wins.
    const lapsed = conditionFailed(held('INPROGRESS', { inProgressUntil: NOW - 1000 }));
    const calls: string[] = [];
    let claims = 0;
    const service: JsonService = {
      async call<Output>(operation: string): Promise<Output> {
        calls.push(operation);
        if (operation === 'PutItem' && (claims += 1) === 1) throw lapsed.wire;
        return {} as Output;
      },
    };

    // Act
    const result = await processOnce(succeeds, dynamoDbIdempotencyStore(service, TABLE))(change, context);

    // Assess
    expect(result).toBe(outcome);
    expect(calls).toEqual(['PutItem', 'PutItem', 'UpdateItem']);
  });

  it('claims again when the record that held the key is gone by the time it is read', async () => {
    const calls: string[] = [];
    const service: JsonService = {
      async call<Output>(operation: string): Promise<Output> {
        calls.push(operation);
        if (operation === 'PutItem' && calls.length === 1) throw conditionFailed().wire;
        return {} as Output;
      },
    };

    const result = await processOnce(succeeds, dynamoDbIdempotencyStore(service, TABLE))(change, context);

    expect(result).toBe(outcome);
    expect(calls).toEqual(['PutItem', 'GetItem', 'PutItem', 'UpdateItem']);
  });

  it('gives up after three claims that each lost to a record that had gone, with IdempotencyInconsistentStateError', async () => {
    const calls: string[] = [];
    const service: JsonService = {
      async call<Output>(operation: string): Promise<Output> {
        calls.push(operation);
        if (operation === 'PutItem') throw conditionFailed().wire;
        return {} as Output;
      },
    };

    const error = await processOnce(succeeds, dynamoDbIdempotencyStore(service, TABLE))(change, context).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'IdempotencyInconsistentStateError', message: expect.stringContaining(KEY) });
    expect(calls).toEqual(['PutItem', 'GetItem', 'PutItem', 'GetItem', 'PutItem', 'GetItem']);
  });
});

describe('the key', () => {
  it('is Powertools’ key for the event id: the prefix, then the md5 of its JSON in base64', () => {
    expect(idempotencyKey(change.eventId)).toBe(KEY);
  });

  it('is refused for an empty event id, as Powertools refused a missing key', () => {
    expect(() => idempotencyKey('')).toThrow(IdempotencyKeyError);
    expect(() => idempotencyKey('')).toThrow('No data found to create a hashed idempotency_key');
  });
});

describe('the store over the wire client', () => {
  it('reads the record that holds the key from DynamoDB’s answer to the failed condition, without retrying it', async () => {
    // Prepare: the real DynamoDB service over a transport that answers as DynamoDB does to a failed condition.
    const transport = scriptedTransport({
      status: 400,
      headers: { 'content-type': 'application/x-amz-json-1.0' },
      body: JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException', message: 'The conditional request failed', Item: held('INPROGRESS') }),
    });
    const store = dynamoDbIdempotencyStore(dynamoDbService(transport.config()), TABLE);

    // Act
    const claim = await store.claim({ key: KEY, expiresAt: Math.round(NOW / 1000) + EXPIRES_AFTER_SECONDS, inProgressUntil: NOW + 30_000 }, NOW);

    // Assess
    expect(claim).toEqual({ won: false, holder: { key: KEY, status: 'INPROGRESS', expiresAt: Math.round(NOW / 1000) + 60, inProgressUntil: NOW + 30_000 } });
    expect(transport.sent).toHaveLength(1);
    expect(transport.sent[0]!.headers['x-amz-target']).toBe('DynamoDB_20120810.PutItem');
    expect(JSON.parse(transport.sent[0]!.body)).toMatchObject({ ReturnValuesOnConditionCheckFailure: 'ALL_OLD', ConditionExpression: expect.stringContaining('attribute_not_exists(#id)') });
  });

  it('passes any other refusal of a claim on unchanged', async () => {
    const throttled = refused('PutItem').wire;
    const service: JsonService = { call: () => Promise.reject(throttled) };

    await expect(dynamoDbIdempotencyStore(service, TABLE).claim({ key: KEY, expiresAt: 1 }, NOW)).rejects.toBe(throttled);
  });

  it('reads no record where there is none', async () => {
    const service: JsonService = { call: async <Output>() => ({}) as Output };

    expect(await dynamoDbIdempotencyStore(service, TABLE).read(KEY)).toBeUndefined();
  });

  it('marks a duplicate’s result as such', async () => {
    const answers = { PutItem: conditionFailed(held('COMPLETED')) };

    const result = await ours(answers, succeeds).run();

    expect(isDuplicateDelivery(result)).toBe(true);
    expect(result).toEqual({ duplicate: true, eventId: change.eventId, processed: summary });
  });
});

describe('attribute conversions, as @aws-sdk/util-dynamodb makes them', () => {
  const values: Record<string, unknown> = {
    text: 'x',
    empty: '',
    integer: 42,
    negative: -7,
    fraction: 1764417600.123,
    milliseconds: 1764417600123,
    yes: true,
    no: false,
    nothing: null,
    list: [1, 'two', [3], { four: 4 }, () => 'skipped'],
    emptyList: [],
    map: { nested: { deeper: ['a'] }, empty: {} },
    skipped: () => 'functions are left out',
  };

  it('marshalls JSON values as marshall does', () => {
    expect(marshallItem(values)).toEqual(marshall(values));
  });

  it('unmarshalls what it marshalled, and SDK-written items, as unmarshall does', () => {
    const item = marshall({ ...values, set: new Set(['a', 'b']), numbers: new Set([1, 2]), big: 2 ** 53 - 1 }) as Item;
    item.huge = { N: '123456789012345678901234567890' };

    expect(unmarshallItem(item)).toEqual(unmarshall(item as never));
    expect(unmarshallItem(item).huge).toBe(123456789012345678901234567890n);
  });

  it.each([
    ['undefined', undefined],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a number beyond the safe integers', 2 ** 53],
    ['a number below the safe integers', -(2 ** 53)],
    ['a Date', new Date(NOW)],
  ])('refuses %s with the message marshall gives', (_name, value) => {
    expect(() => toAttribute(value)).toThrow(new Error(errorOf(() => marshall({ value }))));
  });

  it('refuses an attribute without a value and a binary', () => {
    expect(() => fromAttribute({})).toThrow('No value defined: {}');
    expect(() => fromAttribute({ B: 'AAE=' })).toThrow('Unsupported type passed: B');
  });
});

function errorOf(act: () => unknown): string {
  try {
    act();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a failure');
}
