/**
 * Exactly-once processing per CloudTrail event: the real handler (parse middleware, respond)
 * with the real persistence layer (idempotency-store.ts), whose DynamoDB service is an in-memory
 * table. The fake applies Powertools' claim condition in one synchronous step, as DynamoDB
 * evaluates a conditional write atomically. The same flows run against moto in
 * test/integration/idempotency.test.ts.
 */
import type { Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import type { Item } from '../aws/dynamodb-json';
import { AwsServiceError } from '../aws/wire/errors';
import type { JsonService } from '../aws/wire/json';
import type { Alert } from '../alerts/format';
import type { AlertSink } from '../alerts/sns';
import { controlIds, controls } from '../controls/registry';
import { parsePolicy } from '../policy/load';
import { silentLogger } from '../util/log';
import { cloneWith, PUT_PERMISSION_LEGACY } from '../../test/support/fixtures';
import { createResponderHandler } from './handler';
import { EXPIRES_AFTER_SECONDS, IdempotencyAlreadyInProgressError, isDuplicateDelivery, type DuplicateDelivery } from './idempotency';
import { dynamoDbIdempotencyStore } from './idempotency-store';
import { AlertDeliveryError, type Outcome, type ResponderDeps } from './respond';

interface TableRequest {
  Key: Item;
  Item: Item;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Item;
  ReturnValuesOnConditionCheckFailure?: string;
}

/** DynamoDB's answer to a failed condition, as the wire client raises it (with the item, when asked for ALL_OLD). */
function conditionalCheckFailed(old: Item | undefined, request: TableRequest) {
  return new AwsServiceError({
    code: 'ConditionalCheckFailedException',
    message: 'The conditional request failed',
    status: 400,
    service: 'dynamodb',
    operation: 'PutItem',
    details: request.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && old ? { Item: old } : {},
  });
}

/** An in-memory DynamoDB table keyed by `id`, behind a fake DynamoDB service; every write is atomic (one synchronous step). */
function inMemoryTable() {
  const items = new Map<string, Item>();
  const calls: Array<{ operation: string; input: TableRequest }> = [];
  const operations: Record<string, (input: TableRequest) => object> = {
    PutItem(input) {
      const id = input.Item.id!.S!;
      const old = items.get(id);
      const now = Date.now();
      // Powertools' condition: no item, or it expired, or it is INPROGRESS past its in-progress expiry.
      const claimable =
        !old ||
        Number(old.expiration!.N) < now / 1000 ||
        (old.status!.S === 'INPROGRESS' && old.in_progress_expiration !== undefined && Number(old.in_progress_expiration.N) < now);
      if (!claimable) throw conditionalCheckFailed(old, input);
      items.set(id, input.Item);
      return {};
    },
    UpdateItem(input) {
      const id = input.Key.id!.S!;
      const updated: Item = { ...(items.get(id) ?? input.Key) };
      for (const [placeholder, name] of Object.entries(input.ExpressionAttributeNames)) {
        updated[name] = input.ExpressionAttributeValues[placeholder.replace('#', ':')]!;
      }
      items.set(id, updated);
      return {};
    },
    DeleteItem(input) {
      items.delete(input.Key.id!.S!);
      return {};
    },
    GetItem: (input) => ({ Item: items.get(input.Key.id!.S!) }),
  };
  const service: JsonService = {
    async call<Output>(operation: string, input: object = {}): Promise<Output> {
      const request = structuredClone(input) as TableRequest;
      calls.push({ operation, input: request });
      const run = operations[operation];
      if (!run) throw new Error(`the fake table has no ${operation}`);
      return structuredClone(run(request)) as Output;
    },
  };
  return { service, items, calls };
}

/** Publishes into a list; `failNext` makes the next publish fail, `hold` keeps publishes waiting until released. */
function recordingSink() {
  const published: Alert[] = [];
  let failures = 0;
  let gate: Promise<void> | undefined;
  let open = () => {};
  const sink: AlertSink & { published: Alert[]; failNext(): void; hold(): void; release(): void } = {
    iamActions: [],
    published,
    async publish(alert) {
      if (gate) await gate;
      if (failures > 0) {
        failures -= 1;
        throw new Error('SNS is down');
      }
      published.push(alert);
    },
    failNext: () => void (failures += 1),
    hold: () => void (gate = new Promise((resolve) => (open = resolve))),
    release: () => {
      gate = undefined;
      open();
    },
  };
  return sink;
}

const policy = parsePolicy('defaults: { mode: alert }\n', 'test.yml', controlIds);
const context = { functionName: 'responder', awsRequestId: 'test', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

function responder() {
  const table = inMemoryTable();
  const alerts = recordingSink();
  const deps: ResponderDeps = { policy, controls, remediators: [], alerts, selfPrincipals: [], now: () => new Date(), log: silentLogger };
  const handler = createResponderHandler(deps, dynamoDbIdempotencyStore(table.service, 'idempotency')) as unknown as (event: unknown, context: Context) => Promise<Outcome | DuplicateDelivery>;
  return { table, alerts, handler };
}

/** The real PutPermission record opened to everyone (one bus-policy-public finding), in a fresh EventBridge envelope. */
function publicGrant(eventId: string | undefined, change: (record: Record<string, any>) => void = () => {}) {
  const detail = cloneWith(PUT_PERMISSION_LEGACY, (r) => {
    r.requestParameters.principal = '*';
    if (eventId === undefined) {
      delete r.eventID;
      delete r.requestID;
    } else r.eventID = eventId;
    change(r);
  });
  return { version: '0', id: randomUUID(), 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.events', account: '123456789012', time: detail.eventTime, region: 'us-east-1', resources: [], detail };
}

const fresh = (results: Array<Outcome | DuplicateDelivery>) => results.filter((r) => !isDuplicateDelivery(r)) as Outcome[];
const statuses = (items: Map<string, Item>) => [...items.values()].map((item) => item.status?.S);

afterEach(() => {
  jest.useRealTimers();
});

describe('the responder processes each CloudTrail event once', () => {
  it.each([2, 10])('processes %i copies delivered one after another once, and the others return what the first did', async (copies) => {
    // Prepare
    const { handler, alerts, table } = responder();
    const eventId = randomUUID();

    // Act
    const results = [];
    for (let i = 0; i < copies; i++) results.push(await handler(publicGrant(eventId), context));

    // Assess
    expect(fresh(results)).toHaveLength(1);
    expect(fresh(results)[0]!.findings.map((f) => f.control)).toEqual(['bus-policy-public']);
    expect(results.slice(1)).toEqual(
      Array(copies - 1).fill({ duplicate: true, eventId, processed: { eventId, findings: [{ control: 'bus-policy-public', resource: 'arn:aws:events:us-east-1:123456789012:event-bus/default', remediation: 'skipped' }], suppressed: 0 } }),
    );
    expect(alerts.published).toHaveLength(1);
    expect(statuses(table.items)).toEqual(['COMPLETED']);
  });

  it('keys on the event id, not the envelope: redeliveries in new envelopes are duplicates, other events are not', async () => {
    const { handler, alerts } = responder();
    const [a, b] = [randomUUID(), randomUUID()];

    const results = [await handler(publicGrant(a), context), await handler(publicGrant(a), context), await handler(publicGrant(b), context)];

    expect(results.map(isDuplicateDelivery)).toEqual([false, true, false]);
    expect(alerts.published).toHaveLength(2);
  });

  it('keys a record without eventID (or requestID) on the id the parser derives from its content', async () => {
    const { handler, alerts } = responder();

    const results = [await handler(publicGrant(undefined), context), await handler(publicGrant(undefined), context)];

    expect(results.map(isDuplicateDelivery)).toEqual([false, true]);
    expect((results[1] as DuplicateDelivery).eventId).toMatch(/^derived-[0-9a-f]{32}$/);
    expect(alerts.published).toHaveLength(1);
  });

  it('fails a copy that arrives while the first is in progress, leaves the first its record, and the retry returns the stored result without alerting', async () => {
    // Prepare: the first copy waits in publish, so it is still in progress when the second arrives.
    const { handler, alerts, table } = responder();
    const eventId = randomUUID();
    alerts.hold();

    // Act
    const first = handler(publicGrant(eventId), context);
    await new Promise((resolve) => setImmediate(resolve));
    const second = await handler(publicGrant(eventId), context).catch((error: unknown) => error);
    const whileInProgress = statuses(table.items);
    alerts.release();
    const firstResult = await first;
    const retry = await handler(publicGrant(eventId), context); // Lambda's retry of the second, a minute later

    // Assess
    expect(second).toBeInstanceOf(IdempotencyAlreadyInProgressError);
    expect(whileInProgress).toEqual(['INPROGRESS']);
    expect(isDuplicateDelivery(firstResult)).toBe(false);
    expect(retry).toMatchObject({ duplicate: true, eventId });
    expect(alerts.published).toHaveLength(1);
  });

  it('leaves no record when an invocation fails (never a completed one), so the retry processes the event again', async () => {
    // Prepare
    const { handler, alerts, table } = responder();
    const eventId = randomUUID();
    alerts.failNext();

    // Act
    const failed = await handler(publicGrant(eventId), context).catch((error: unknown) => error);
    const afterFailure = statuses(table.items);
    const retry = await handler(publicGrant(eventId), context);
    const duplicate = await handler(publicGrant(eventId), context);

    // Assess
    expect(failed).toBeInstanceOf(AlertDeliveryError);
    expect(afterFailure).toEqual([]);
    expect(table.calls.filter((c) => c.operation === 'UpdateItem' && c.input.ExpressionAttributeValues[':status']?.S === 'COMPLETED')).toHaveLength(1);
    expect(isDuplicateDelivery(retry)).toBe(false);
    expect(duplicate).toMatchObject({ duplicate: true, eventId });
    expect(alerts.published).toHaveLength(1);
  });

  it('stores a small summary with a 24-hour expiry, and processes the event again once it has expired', async () => {
    // Prepare (only Date is faked: middy and the handler keep real timers)
    const { handler, alerts, table } = responder();
    const eventId = randomUUID();
    const start = Date.parse('2026-11-29T12:00:00Z');
    jest.useFakeTimers({ now: start, doNotFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate', 'nextTick', 'queueMicrotask', 'hrtime', 'performance'] });

    // Act
    await handler(publicGrant(eventId), context);
    const [item] = [...table.items.values()];
    jest.setSystemTime(start + (EXPIRES_AFTER_SECONDS + 1) * 1000);
    const afterExpiry = await handler(publicGrant(eventId), context);

    // Assess
    expect(Number(item!.expiration!.N)).toBe(start / 1000 + EXPIRES_AFTER_SECONDS);
    expect(JSON.parse(JSON.stringify(item!.data))).toEqual({ M: expect.objectContaining({ eventId: { S: eventId }, suppressed: { N: '0' } }) });
    expect(JSON.stringify(item).length).toBeLessThan(1024);
    expect(isDuplicateDelivery(afterExpiry)).toBe(false);
    expect(alerts.published).toHaveLength(2);
  });

  it('without an idempotency table processes every delivery (replay, local runs)', async () => {
    const alerts = recordingSink();
    const handler = createResponderHandler({ policy, controls, remediators: [], alerts, selfPrincipals: [], now: () => new Date(), log: silentLogger });
    const eventId = randomUUID();

    await handler(publicGrant(eventId), context);
    await handler(publicGrant(eventId), context);

    expect(alerts.published).toHaveLength(2);
  });
});
