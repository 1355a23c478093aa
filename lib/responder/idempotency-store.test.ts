/**
 * The proof that WireDynamoDBPersistenceLayer stores exactly as Powertools' DynamoDBPersistenceLayer:
 * each operation of the persistence layer (save in progress, save success, delete, get, a claim
 * that fails its condition) runs through both, at the same instant and with the same
 * configuration; Powertools' requests are captured on an SDK client (aws-sdk-client-mock), ours
 * on a fake DynamoDB service, and the two must be equal, as must what each makes of the answers.
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
import { IdempotencyConfig, IdempotencyItemAlreadyExistsError, IdempotencyItemNotFoundError } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBPersistenceOptionsBase } from '@aws-lambda-powertools/idempotency/dynamodb/types';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import { mockClient } from 'aws-sdk-client-mock';
import { createHash } from 'node:crypto';
import type { Item } from '../aws/dynamodb-json';
import { AwsServiceError } from '../aws/wire/errors';
import type { JsonService } from '../aws/wire/json';
import { dynamoDbService } from '../aws/wire/services';
import { scriptedTransport } from '../../test/support/scripted-transport';
import { EXPIRES_AFTER_SECONDS, KEY_PREFIX } from './idempotency';
import { fromAttribute, marshallItem, toAttribute, unmarshallItem, WireDynamoDBPersistenceLayer } from './idempotency-store';

/** An instant whose seconds have a fraction (`:now` is sent as now / 1000, unrounded). */
const NOW = Date.parse('2026-11-29T12:00:00.123Z');
const change = { eventId: 'c0ffee00-1111-2222-3333-444455556666', detail: { eventName: 'PutPermission', eventSource: 'events.amazonaws.com' } };
const summary = { eventId: change.eventId, findings: [{ control: 'bus-policy-public', resource: 'arn:aws:events:us-east-1:123456789012:event-bus/default', remediation: 'applied' }], suppressed: 0, ratio: 0.5, dryRun: false, note: null, tags: [] };
/** What Powertools hashes for payload validation of `change` under `payloadValidationJmesPath: 'detail'` (keys sorted, md5, base64). */
const detailHash = createHash('md5').update(JSON.stringify(change.detail)).digest('base64');

type Answer = { Item?: Item } | Error;
type Answers = Partial<Record<'GetItem' | 'PutItem' | 'UpdateItem' | 'DeleteItem', Answer>>;
interface Sent {
  operation: string;
  input: unknown;
}

/** Powertools' layer on an SDK client that records each command and answers as told. */
function powertoolsLayer(options: DynamoDBPersistenceOptionsBase, answers: Answers) {
  const client = new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  const mock = mockClient(client);
  for (const [command, operation] of [
    [GetItemCommand, 'GetItem'],
    [PutItemCommand, 'PutItem'],
    [UpdateItemCommand, 'UpdateItem'],
    [DeleteItemCommand, 'DeleteItem'],
  ] as const) {
    const answer = answers[operation] ?? {};
    if (answer instanceof Error) mock.on(command as typeof GetItemCommand).rejects(answer);
    else mock.on(command as typeof GetItemCommand).resolves(answer as never);
  }
  const layer = new DynamoDBPersistenceLayer({ ...options, awsSdkV3Client: client });
  const sent = (): Sent[] => mock.calls().map((call) => {
    const command = call.args[0] as { constructor: { name: string }; input: unknown };
    return { operation: command.constructor.name.replace(/Command$/, ''), input: command.input };
  });
  return { layer, sent };
}

/** Our layer on a fake DynamoDB service that records each call and answers as told. */
function wireLayer(options: DynamoDBPersistenceOptionsBase, answers: Answers) {
  const calls: Sent[] = [];
  const service: JsonService = {
    async call<Output>(operation: string, input: object = {}): Promise<Output> {
      calls.push({ operation, input: structuredClone(input) });
      const answer = answers[operation as keyof Answers] ?? {};
      if (answer instanceof Error) throw answer;
      return structuredClone(answer) as Output;
    },
  };
  return { layer: new WireDynamoDBPersistenceLayer(service, options), sent: () => calls };
}

/** The responder's configuration (lib/responder/idempotency.ts), and variants that use every option. */
const CONFIGURATIONS: Array<[string, DynamoDBPersistenceOptionsBase, ConstructorParameters<typeof IdempotencyConfig>[0]]> = [
  ['the responder’s', { tableName: 'idempotency' }, { eventKeyJmesPath: 'eventId', throwOnNoIdempotencyKey: true, expiresAfterSeconds: EXPIRES_AFTER_SECONDS }],
  [
    'renamed attributes, a sort key and payload validation',
    { tableName: 'records', keyAttr: 'pk', sortKeyAttr: 'sk', statusAttr: 'state', expiryAttr: 'ttl', inProgressExpiryAttr: 'lock_until', dataAttr: 'result', validationKeyAttr: 'hash' },
    { eventKeyJmesPath: 'eventId', payloadValidationJmesPath: 'detail', expiresAfterSeconds: 600 },
  ],
  ['a sort key under a static partition key value', { tableName: 'records', sortKeyAttr: 'sk', staticPkValue: 'drift' }, { eventKeyJmesPath: 'eventId' }],
];

/** Both layers, configured alike, each with its own recorder answering the same. */
function bothLayers(options: DynamoDBPersistenceOptionsBase, config: ConstructorParameters<typeof IdempotencyConfig>[0], answers: Answers = {}) {
  const layers = { powertools: powertoolsLayer(options, answers), wire: wireLayer(options, answers) };
  for (const { layer } of Object.values(layers)) (layer as BasePersistenceLayer).configure({ config: new IdempotencyConfig(config), keyPrefix: KEY_PREFIX });
  return layers;
}

/** The item each configuration stores for `change` once it completed: what GetItem and a failed claim return. */
function storedItem(options: DynamoDBPersistenceOptionsBase, status: 'INPROGRESS' | 'COMPLETED'): Item {
  const key = `${KEY_PREFIX}#${createHash('md5').update(JSON.stringify(change.eventId)).digest('base64')}`;
  return marshall({
    ...(options.sortKeyAttr ? { [options.keyAttr ?? 'id']: options.staticPkValue ?? 'anything', [options.sortKeyAttr]: key } : { [options.keyAttr ?? 'id']: key }),
    [options.statusAttr ?? 'status']: status,
    [options.expiryAttr ?? 'expiration']: Math.round(NOW / 1000) + 60,
    [options.inProgressExpiryAttr ?? 'in_progress_expiration']: NOW + 30_000,
    ...(status === 'COMPLETED' ? { [options.dataAttr ?? 'data']: summary } : {}),
    [options.validationKeyAttr ?? 'validation']: detailHash,
  }) as Item;
}

async function outcomeOf(action: Promise<unknown>): Promise<unknown> {
  return action.then(
    (value) => ({ resolved: value }),
    (error: unknown) => ({ rejected: error, type: (error as object).constructor, existingRecord: (error as { existingRecord?: unknown }).existingRecord }),
  );
}

beforeEach(() => {
  jest.spyOn(Date, 'now').mockReturnValue(NOW);
});

afterEach(() => {
  jest.restoreAllMocks();
});

describe.each(CONFIGURATIONS)('with %s configuration, the wire layer sends what Powertools’ DynamoDBPersistenceLayer sends', (_name, options, config) => {
  it.each([
    ['saves a claim (INPROGRESS, with the invocation’s remaining time)', (layer: BasePersistenceLayer) => layer.saveInProgress(change, 30_000)],
    ['saves a claim without a remaining time', (layer: BasePersistenceLayer) => layer.saveInProgress(change)],
    ['saves a success (COMPLETED, with the result)', (layer: BasePersistenceLayer) => layer.saveSuccess(change, summary)],
    ['saves a success without a result', (layer: BasePersistenceLayer) => layer.saveSuccess(change, undefined)],
    ['deletes a record', (layer: BasePersistenceLayer) => layer.deleteRecord(change)],
  ])('%s', async (_action, act) => {
    // Prepare
    jest.spyOn(console, 'warn').mockImplementation(() => {});
    const { powertools, wire } = bothLayers(options, config);

    // Act
    const outcomes = [await outcomeOf(act(powertools.layer)), await outcomeOf(act(wire.layer))];

    // Assess
    expect(wire.sent()).toHaveLength(1);
    expect(wire.sent()).toEqual(powertools.sent());
    expect(outcomes[1]).toEqual(outcomes[0]);
  });

  it('gets a record: the same request, and the same record made of the answer', async () => {
    const { powertools, wire } = bothLayers(options, config, { GetItem: { Item: storedItem(options, 'COMPLETED') } });

    const records = [await powertools.layer.getRecord(change), await wire.layer.getRecord(change)];

    expect(wire.sent()).toEqual(powertools.sent());
    expect(wire.sent()).toEqual([expect.objectContaining({ operation: 'GetItem', input: expect.objectContaining({ ConsistentRead: true }) })]);
    expect(records[1]).toEqual(records[0]);
    expect(records[1]!.getStatus()).toBe('COMPLETED');
    expect(records[1]!.getResponse()).toEqual(summary);
  });

  it('gets no record when there is none: both fail with IdempotencyItemNotFoundError', async () => {
    const { powertools, wire } = bothLayers(options, config, { GetItem: {} });

    const outcomes = [await outcomeOf(powertools.layer.getRecord(change)), await outcomeOf(wire.layer.getRecord(change))];

    expect(outcomes[1]).toEqual(outcomes[0]);
    expect(outcomes[1]).toMatchObject({ type: IdempotencyItemNotFoundError });
  });
});

describe('a claim that fails its condition', () => {
  const [, options, config] = CONFIGURATIONS[0]!;
  const failure = (item?: Item) => ({
    sdk: new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: { httpStatusCode: 400 }, ...(item ? { Item: item as Record<string, SdkAttributeValue> } : {}) }),
    wire: new AwsServiceError({ code: 'ConditionalCheckFailedException', message: 'The conditional request failed', status: 400, service: 'dynamodb', operation: 'PutItem', details: item ? { Item: item } : {} }),
  });

  it('fails with IdempotencyItemAlreadyExistsError carrying the record that holds the key, as Powertools does', async () => {
    // Prepare
    const { sdk, wire: wireError } = failure(storedItem(options, 'INPROGRESS'));
    const powertools = bothLayers(options, config, { PutItem: sdk }).powertools;
    const wire = bothLayers(options, config, { PutItem: wireError }).wire;

    // Act
    const outcomes = [await outcomeOf(powertools.layer.saveInProgress(change, 30_000)), await outcomeOf(wire.layer.saveInProgress(change, 30_000))];

    // Assess
    expect(outcomes[1]).toEqual(outcomes[0]);
    expect(outcomes[1]).toMatchObject({ type: IdempotencyItemAlreadyExistsError, existingRecord: expect.objectContaining({ inProgressExpiryTimestamp: NOW + 30_000 }) });
    expect((outcomes[1] as { existingRecord: { getStatus(): string } }).existingRecord.getStatus()).toBe('INPROGRESS');
    expect(wire.sent()).toEqual(powertools.sent());
  });

  it('fails with IdempotencyItemAlreadyExistsError without a record when DynamoDB returned none, as Powertools does', async () => {
    const { sdk, wire: wireError } = failure();
    const powertools = bothLayers(options, config, { PutItem: sdk }).powertools;
    const wire = bothLayers(options, config, { PutItem: wireError }).wire;

    const outcomes = [await outcomeOf(powertools.layer.saveInProgress(change, 30_000)), await outcomeOf(wire.layer.saveInProgress(change, 30_000))];

    expect(outcomes[1]).toEqual(outcomes[0]);
    expect(outcomes[1]).toMatchObject({ type: IdempotencyItemAlreadyExistsError, existingRecord: undefined });
  });

  it('passes any other failure on unchanged', async () => {
    const throttled = new AwsServiceError({ code: 'ProvisionedThroughputExceededException', message: 'slow down', status: 400, service: 'dynamodb', operation: 'PutItem' });
    const { wire } = bothLayers(options, config, { PutItem: throttled });

    await expect(wire.layer.saveInProgress(change, 30_000)).rejects.toBe(throttled);
  });

  it('reads the record from DynamoDB’s error answer through the wire client', async () => {
    // Prepare: the real DynamoDB service over a transport that answers as DynamoDB does to a failed condition.
    const held = storedItem(options, 'INPROGRESS');
    const transport = scriptedTransport({
      status: 400,
      headers: { 'content-type': 'application/x-amz-json-1.0' },
      body: JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException', message: 'The conditional request failed', Item: held }),
    });
    const requests = transport.sent;
    const service = dynamoDbService(transport.config());
    const layer = new WireDynamoDBPersistenceLayer(service, options);
    layer.configure({ config: new IdempotencyConfig(config), keyPrefix: KEY_PREFIX });

    // Act
    const error = await layer.saveInProgress(change, 30_000).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(IdempotencyItemAlreadyExistsError);
    expect((error as IdempotencyItemAlreadyExistsError).existingRecord).toMatchObject({ inProgressExpiryTimestamp: NOW + 30_000, expiryTimestamp: Math.round(NOW / 1000) + 60 });
    expect(requests).toHaveLength(1); // a failed condition is not retried
    expect(requests[0]!.headers['x-amz-target']).toBe('DynamoDB_20120810.PutItem');
    expect(JSON.parse(requests[0]!.body)).toMatchObject({ ReturnValuesOnConditionCheckFailure: 'ALL_OLD', ConditionExpression: expect.stringContaining('attribute_not_exists(#id)') });
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
