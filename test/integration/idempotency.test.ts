/**
 * Duplicate and concurrent delivery of one CloudTrail event to the real handler
 * (functions/responder.ts, wired from its environment with IDEMPOTENCY_TABLE) against moto:
 * exactly one remediation (the bus policy read back, the outcomes) and exactly one alert (the
 * SQS queue subscribed to the alert topic), whether 2 or 10 copies arrive one after another or
 * at the same time. Each copy comes in its own EventBridge envelope (a new envelope id), as
 * redeliveries do.
 *
 * The alert state table (STATE_TABLE) is left out on purpose: its dedup would also hold back a
 * second alert for the same finding and hide a second processing.
 *
 * moto's DynamoDB does not evaluate a conditional write atomically (harness/moto.ts,
 * `atomicDynamoDb`: two concurrent copies both won the claim's conditional PutItem in 5-8 rounds
 * of 300). DynamoDB does, and the design relies on it. So the handler's DynamoDB requests
 * (AWS_ENDPOINT_URL_DYNAMODB) go to a moto server of this file's own, started with one lock
 * around its item operations; everything else runs on the shared server. The copies still run
 * concurrently and each makes its own conditional write; the assertions are the real ones.
 */
import { ScanCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IdempotencyConfig, type IdempotencyItemAlreadyExistsError } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';
import type { Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { dynamoDbService } from '../../lib/aws/wire/services';
import type { Change } from '../../lib/events/change';
import { EXPIRES_AFTER_SECONDS, IdempotencyAlreadyInProgressError, idempotencyKey, isDuplicateDelivery, KEY_PREFIX, processOnce, type DuplicateDelivery } from '../../lib/responder/idempotency';
import { dynamoDbIdempotencyStore, type IdempotencyStore } from '../../lib/responder/idempotency-store';
import type { Outcome } from '../../lib/responder/respond';
import { AlertDeliveryError } from '../../lib/responder/respond';
import { cloneWith, PUT_PERMISSION_LEGACY } from '../support/fixtures';
import { awsClientConfig, MOTO_ACCOUNT_ID, wireTestConfig, type TestQueue } from './harness/aws';
import { alertsFrom, coldStart, createAlertTopic, createIdempotencyTable, type Handler, eventBridgeEnvelope } from './harness/functions';
import { startMoto, type MotoHandle } from './harness/moto';
import { busOpenToTheWorld, statementIdsOn } from './harness/buses';

type Result = Outcome | DuplicateDelivery;

const eventBridge = new EventBridgeClient(awsClientConfig());
const RESPONDER_ROLE = `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/drift-responder-ci-responder`;
const context = { functionName: 'responder', awsRequestId: 'test', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;
const REMEDIATE = 'defaults: { mode: alert, dryRun: false }\ncontrols:\n  bus-policy-public: { mode: remediate }\n';

let alertQueue: TestQueue;
let topicArn: string;
/** The moto server holding the idempotency tables, with atomic DynamoDB item operations. */
let dynamoDbServer: MotoHandle;
let dynamodb: DynamoDBClient;

beforeAll(async () => {
  dynamoDbServer = await startMoto({ atomicDynamoDb: true });
  dynamodb = new DynamoDBClient({ ...awsClientConfig(), endpoint: dynamoDbServer.endpoint });
});

// A topic and queue per test: what one test published never reaches another's count.
beforeEach(async () => {
  ({ topicArn, queue: alertQueue } = await createAlertTopic());
});

afterAll(async () => {
  delete process.env.AWS_ENDPOINT_URL_DYNAMODB;
  delete process.env.IDEMPOTENCY_TABLE;
  dynamodb?.destroy();
  await dynamoDbServer?.stop();
});

/** The deployed function's cold start, with its idempotency table (on the atomic DynamoDB server). */
function responder(table: string, alertTopic = topicArn): Handler<Result> {
  return coldStart<Result>('responder', REMEDIATE, {
    ALERT_TOPIC_ARN: alertTopic,
    RESPONDER_PRINCIPALS: RESPONDER_ROLE,
    IDEMPOTENCY_TABLE: table,
    AWS_ENDPOINT_URL_DYNAMODB: dynamoDbServer.endpoint,
    STATE_TABLE: undefined,
    BASELINE_TABLE: undefined,
    LOG_LEVEL: 'error',
  });
}



/** One copy of the real PutPermission record (opened to '*') with eventID `eventId`, in its own envelope. */
function copyOf(eventId: string, bus: string) {
  const detail = cloneWith(PUT_PERMISSION_LEGACY, (r) => {
    r.requestParameters = { action: 'events:PutEvents', principal: '*', statementId: 'open-to-world', eventBusName: bus };
    r.eventID = eventId;
    r.recipientAccountId = MOTO_ACCOUNT_ID;
  });
  return eventBridgeEnvelope(detail, 'us-east-1');
}

async function records(table: string) {
  const { Items = [] } = await dynamodb.send(new ScanCommand({ TableName: table, ConsistentRead: true }));
  return Items.map((item) => ({ status: item.status?.S, expiration: Number(item.expiration?.N) }));
}

const remediationsApplied = (results: Result[]) =>
  results.flatMap((r) => (isDuplicateDelivery(r) ? [] : r.findings)).filter((f) => f.remediation?.status === 'applied').length;

/** Alerts that arrived: waits for one more than expected, so a second alert would be seen. */
async function alertsAfter(expected: number) {
  return alertsFrom(alertQueue, expected + 1, { timeoutMs: 5000, document: true });
}

describe('duplicate and concurrent delivery of one event (real handler, moto)', () => {
  it.each([2, 10])('%i copies one after another: one remediation, one alert, the others return what the first did', async (copies) => {
    // Prepare
    const [table, bus] = await Promise.all([createIdempotencyTable(dynamodb), busOpenToTheWorld(eventBridge)]);
    const handler = responder(table);
    const eventId = randomUUID();
    const before = Date.now() / 1000;

    // Act
    const results: Result[] = [];
    for (let i = 0; i < copies; i++) results.push(await handler(copyOf(eventId, bus), context));

    // Assess
    expect(results.map(isDuplicateDelivery)).toEqual([false, ...Array(copies - 1).fill(true)]);
    expect(remediationsApplied(results)).toBe(1);
    for (const duplicate of results.slice(1)) {
      expect(duplicate).toEqual({ duplicate: true, eventId, processed: { eventId, findings: [{ control: 'bus-policy-public', resource: expect.stringContaining(bus), remediation: 'applied' }], suppressed: 0 } });
    }
    expect(await statementIdsOn(eventBridge, bus)).toEqual(['trusted-partner']);
    const alerts = await alertsAfter(1);
    expect(alerts.map((a) => [a.document.finding.control, a.document.finding.remediation.status])).toEqual([['bus-policy-public', 'applied']]);
    const [record, ...others] = await records(table);
    expect(others).toEqual([]);
    expect(record!.status).toBe('COMPLETED');
    expect(record!.expiration).toBeGreaterThanOrEqual(Math.floor(before) + EXPIRES_AFTER_SECONDS);
    expect(record!.expiration).toBeLessThanOrEqual(Date.now() / 1000 + EXPIRES_AFTER_SECONDS + 1);
  });

  it.each([2, 10])('%i copies at the same time: one remediation, one alert; the copies that found it in progress fail, and their retries return the stored result', async (copies) => {
    // Prepare
    const [table, bus] = await Promise.all([createIdempotencyTable(dynamodb), busOpenToTheWorld(eventBridge)]);
    const handler = responder(table);
    const eventId = randomUUID();

    // Act: all copies at once, as concurrent Lambda invocations; then Lambda's retry of each that failed.
    const settled = await Promise.allSettled(Array.from({ length: copies }, () => handler(copyOf(eventId, bus), context)));
    const delivered = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failures = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as Error] : []));
    const retried = await Promise.all(failures.map(() => handler(copyOf(eventId, bus), context)));

    // Assess
    expect(failures.length).toBeGreaterThan(0);
    // (By name: the handler was loaded in its own module registry, with its own copy of the class.)
    for (const failure of failures) expect(failure.name).toBe(IdempotencyAlreadyInProgressError.name);
    const results = [...delivered, ...retried];
    expect(results).toHaveLength(copies);
    expect(results.filter((r) => !isDuplicateDelivery(r))).toHaveLength(1);
    expect(remediationsApplied(results)).toBe(1);
    for (const retry of retried) expect(retry).toMatchObject({ duplicate: true, eventId, processed: { findings: [{ control: 'bus-policy-public', remediation: 'applied' }] } });
    expect(await statementIdsOn(eventBridge, bus)).toEqual(['trusted-partner']);
    const alerts = await alertsAfter(1);
    expect(alerts.map((a) => [a.document.finding.control, a.document.finding.remediation.status])).toEqual([['bus-policy-public', 'applied']]);
    expect((await records(table)).map((r) => r.status)).toEqual(['COMPLETED']);
  });

  it('a failed invocation leaves no record, so the retry processes the event again and alerts', async () => {
    // Prepare: the first attempt cannot publish (its topic does not exist).
    const [table, bus] = await Promise.all([createIdempotencyTable(dynamodb), busOpenToTheWorld(eventBridge)]);
    const eventId = randomUUID();
    const missingTopic = `arn:aws:sns:us-east-1:${MOTO_ACCOUNT_ID}:missing-${randomUUID()}`;

    // Act
    const failed = await responder(table, missingTopic)(copyOf(eventId, bus), context).catch((error: unknown) => error);
    const afterFailure = await records(table);
    const retry = await responder(table)(copyOf(eventId, bus), context);

    // Assess
    expect(failed).toBeInstanceOf(Error);
    expect((failed as Error).name).toBe(AlertDeliveryError.name);
    expect(afterFailure).toEqual([]);
    expect(isDuplicateDelivery(retry)).toBe(false);
    // The first attempt had removed the statement before publishing failed: the retry finds it gone.
    expect((retry as Outcome).findings.map((f) => f.remediation?.status)).toEqual(['skipped']);
    expect(await statementIdsOn(eventBridge, bus)).toEqual(['trusted-partner']);
    const alerts = await alertsAfter(1);
    expect(alerts.map((a) => a.document.finding.remediation.reason)).toEqual([expect.stringMatching(/^already compliant/)]);
    expect((await records(table)).map((r) => r.status)).toEqual(['COMPLETED']);
  });
});

describe('the store (wire client) against moto, beside Powertools’ DynamoDBPersistenceLayer, which the responder used before', () => {
  /** Every item in a table, as DynamoDB holds it. */
  const itemsIn = async (table: string) => (await dynamodb.send(new ScanCommand({ TableName: table, ConsistentRead: true }))).Items ?? [];
  const config = () => new IdempotencyConfig({ eventKeyJmesPath: 'eventId', throwOnNoIdempotencyKey: true, expiresAfterSeconds: EXPIRES_AFTER_SECONDS });
  const summaryFor = (eventId: string) => ({ eventId, findings: [], suppressed: 0 });

  /** Claim, a second claim, completion, a read and a release through Powertools' layer, with the table's items after each step. */
  async function powertoolsLifecycle(layer: DynamoDBPersistenceLayer, table: string, change: { eventId: string }) {
    layer.configure({ config: config(), keyPrefix: KEY_PREFIX });
    await layer.saveInProgress(change, 30_000);
    const claimed = await itemsIn(table);
    const secondClaim = await layer.saveInProgress(change, 30_000).then(
      () => ({ won: true }),
      (error: IdempotencyItemAlreadyExistsError) => ({ won: false, holderStatus: error.existingRecord?.getStatus() }),
    );
    await layer.saveSuccess(change, summaryFor(change.eventId));
    const completed = await itemsIn(table);
    const record: IdempotencyRecord = await layer.getRecord(change);
    await layer.deleteRecord(change);
    const released = await itemsIn(table);
    return { claimed, secondClaim, completed, read: { status: record.getStatus(), response: record.getResponse() }, released };
  }

  /** The same steps through ours. */
  async function ourLifecycle(store: IdempotencyStore, table: string, change: { eventId: string }) {
    const key = idempotencyKey(change.eventId);
    const claimRecord = { key, expiresAt: Math.round(Date.now() / 1000 + EXPIRES_AFTER_SECONDS), inProgressUntil: Date.now() + 30_000 };
    await store.claim(claimRecord, Date.now());
    const claimed = await itemsIn(table);
    const second = await store.claim(claimRecord, Date.now());
    const secondClaim = second.won ? { won: true } : { won: false, holderStatus: second.holder?.status };
    await store.complete(key, claimRecord.expiresAt, summaryFor(change.eventId));
    const completed = await itemsIn(table);
    const record = await store.read(key);
    await store.release(key);
    const released = await itemsIn(table);
    return { claimed, secondClaim, completed, read: { status: record?.status, response: record?.response }, released };
  }

  it('stores the same items at each step, and a second claim loses to the record that holds the key', async () => {
    // Prepare: a table for each on the atomic server; both write at the same (frozen) instant.
    const [oursTable, theirs] = await Promise.all([createIdempotencyTable(dynamodb), createIdempotencyTable(dynamodb)]);
    const store = dynamoDbIdempotencyStore(dynamoDbService(wireTestConfig({ endpoint: dynamoDbServer.endpoint })), oursTable);
    const powertools = new DynamoDBPersistenceLayer({ tableName: theirs, awsSdkV3Client: dynamodb });
    const change = { eventId: randomUUID() };
    const now = Date.now() + 0.5; // a fraction of a millisecond: :now is sent unrounded
    const clock = jest.spyOn(Date, 'now').mockReturnValue(now);

    // Act
    const [ourSteps, powertoolsSteps] = await Promise.all([ourLifecycle(store, oursTable, change), powertoolsLifecycle(powertools, theirs, change)]).finally(() => clock.mockRestore());

    // Assess
    expect(ourSteps).toEqual(powertoolsSteps);
    expect(ourSteps.claimed).toEqual([expect.objectContaining({ status: { S: 'INPROGRESS' }, in_progress_expiration: { N: String(now + 30_000) } })]);
    // moto returns the item with the failed condition (ReturnValuesOnConditionCheckFailure: ALL_OLD), as DynamoDB does.
    expect(ourSteps.secondClaim).toEqual({ won: false, holderStatus: 'INPROGRESS' });
    expect(ourSteps.completed).toEqual([expect.objectContaining({ status: { S: 'COMPLETED' }, data: { M: { eventId: { S: change.eventId }, findings: { L: [] }, suppressed: { N: '0' } } } })]);
    expect(ourSteps.read).toEqual({ status: 'COMPLETED', response: summaryFor(change.eventId) });
    expect(ourSteps.released).toEqual([]);
  });

  it('takes a record Powertools completed before an upgrade as processed: the redelivery returns its summary and does nothing', async () => {
    // Prepare: Powertools' layer (the release before) processed the event into the table the responder uses now.
    const table = await createIdempotencyTable(dynamodb);
    const before = new DynamoDBPersistenceLayer({ tableName: table, awsSdkV3Client: dynamodb });
    before.configure({ config: config(), keyPrefix: KEY_PREFIX });
    const eventId = randomUUID();
    await before.saveInProgress({ eventId }, 30_000);
    await before.saveSuccess({ eventId }, summaryFor(eventId));
    const handled: string[] = [];
    const once = processOnce(
      async (change) => {
        handled.push(change.eventId);
        return { findings: [], suppressed: [] } as unknown as Outcome;
      },
      dynamoDbIdempotencyStore(dynamoDbService(wireTestConfig({ endpoint: dynamoDbServer.endpoint })), table),
    );

    // Act
    const result = await once({ eventId } as Change, context);

    // Assess
    expect(result).toEqual({ duplicate: true, eventId, processed: summaryFor(eventId) });
    expect(handled).toEqual([]);
  });
});
