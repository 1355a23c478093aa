/**
 * `npm run load`: 10,000 mixed CloudTrail events through the real responder handler
 * (functions/responder.ts, in process, wired from its environment as in Lambda) against a moto
 * server of its own, with bounded concurrency. Not a test: it prints what happened and exits 1
 * when an event is unaccounted for (processed + failed + duplicates != sent) or a check fails.
 *
 * The mix (real fixtures from test/fixtures/cloudtrail/, cloned with fresh eventIDs):
 * PutPermission changes opening a live bus statement to the world (remediated: the policy is
 * remediate, dry-run off) and granting a trusted account (compliant), rule changes, KMS key
 * changes, events no control handles, copies of earlier events in new envelopes (duplicates,
 * some arriving while the first copy is in progress) and malformed events.
 *
 * Lambda's async invocation is emulated: a failed invocation is retried twice (after
 * LOAD_RETRY_DELAY_MS and twice that, standing in for Lambda's 1 and 2 minutes, both longer
 * than an invocation takes), then it counts as kept for the dead-letter queue.
 *
 * The deployed configuration: idempotency, baseline and alert topic; not the alert state table
 * (dedup, storm digests and the email rate limit of 10 a second would hold most alerts back and
 * dominate the time; test/integration/alert-dedup-storm.test.ts covers them), so every finding
 * is one SNS publish. Two moto servers: one for DynamoDB, with atomic item operations
 * (harness/moto.ts `atomicDynamoDb`: moto's own conditional writes are not atomic, DynamoDB's
 * are), one for the other services; a moto server is one Python process, so this uses two cores.
 *
 * Environment: LOAD_EVENTS (default 10000), LOAD_CONCURRENCY (20), LOAD_SEED (42),
 * LOAD_RETRY_DELAY_MS (3000).
 */
import { DescribeEventBusCommand, CreateEventBusCommand, EventBridgeClient, PutPermissionCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { handles } from '../lib/controls/evaluate';
import { controls } from '../lib/controls/registry';
import { parseChange } from '../lib/events/parse';
import { isDuplicateDelivery, type DuplicateDelivery } from '../lib/responder/idempotency';
import type { Outcome } from '../lib/responder/respond';
import { fixture, fixtureNames, PUT_PERMISSION_LEGACY } from '../test/support/fixtures';
import { awsClientConfig, MOTO_ACCOUNT_ID } from '../test/integration/harness/aws';
import { createAlertTopic, createBaselineTable, createIdempotencyTable, writePolicy } from '../test/integration/harness/functions';
import { pinFakeAwsEnvironment } from '../test/integration/harness/global-setup';
import { startMoto, VENV_PYTHON } from '../test/integration/harness/moto';

const EVENTS = Number(process.env.LOAD_EVENTS ?? 10_000);
const CONCURRENCY = Number(process.env.LOAD_CONCURRENCY ?? 20);
const SEED = Number(process.env.LOAD_SEED ?? 42);
const RETRY_DELAY_MS = Number(process.env.LOAD_RETRY_DELAY_MS ?? 3_000);
/** Lambda's async invocation: the first attempt and two retries. */
const ATTEMPTS = 3;
const STATEMENTS_PER_BUS = 8;

/** Shares of the mix (of EVENTS); harmless events fill the rest. */
const SHARE = { openBus: 0.16, trustedBus: 0.04, rules: 0.2, keys: 0.2, duplicates: 0.05, malformed: 0.02 };

const POLICY = `
trustedAccounts: ["111122223333"]
protect: { buses: ["*"], rules: ["*"], keys: ["*"], trails: ["*"], queues: ["*"] }
defaults: { mode: alert, dryRun: true }
controls:
  bus-policy-public: { mode: remediate, dryRun: false }
`;

type Kind = 'bus policy opened' | 'bus policy, trusted account' | 'rule change' | 'key change' | 'no control handles it' | 'duplicate' | 'malformed';
interface Delivery {
  kind: Kind;
  event: unknown;
  /** The CloudTrail eventID (undefined for malformed input). */
  eventId?: string;
}
type Result = Outcome | DuplicateDelivery;

const log = (line: string) => process.stderr.write(`load: ${line}\n`);
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** mulberry32: the same seed gives the same mix. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A fixture's CloudTrail record (some fixtures are whole EventBridge envelopes). */
function recordOf(name: string): Record<string, any> {
  const raw = fixture(name);
  return raw.detail && raw['detail-type'] ? raw.detail : raw;
}

function envelope(detail: Record<string, any>) {
  return { version: '0', id: randomUUID(), 'detail-type': 'AWS API Call via CloudTrail', source: `aws.${String(detail.eventSource).split('.')[0]}`, account: MOTO_ACCOUNT_ID, time: detail.eventTime, region: 'us-east-1', resources: [], detail };
}

/** A clone of a real record with a fresh eventID (and `change` applied). */
function fresh(name: string, change: (record: Record<string, any>) => void = () => {}): Delivery & { eventId: string } {
  const record = structuredClone(recordOf(name));
  record.eventID = randomUUID();
  change(record);
  return { kind: 'no control handles it', event: envelope(record), eventId: record.eventID };
}

/** The fixtures of each kind, decided by what the controls handle (not by file name alone). */
function fixturesByKind() {
  const handled = (name: string) => controls.some((c) => handles(c, parseChange(recordOf(name))));
  const names = fixtureNames();
  const rules = names.filter((n) => /^events_(DisableRule|DeleteRule|PutRule|PutTargets|RemoveTargets)_/.test(n) && handled(n));
  const keys = names.filter((n) => n.startsWith('kms_') && handled(n));
  const harmless = names.filter((n) => !handled(n));
  if (rules.length === 0 || keys.length === 0 || harmless.length === 0) throw new Error('fixtures of some kind are missing');
  return { rules, keys, harmless };
}

/** Malformed input as it could reach the function: broken records, no record, not JSON. */
function malformed(pick: () => number): Delivery {
  const record = structuredClone(recordOf(PUT_PERMISSION_LEGACY));
  const variants: Array<() => unknown> = [
    () => envelope({ ...record, eventTime: undefined, eventID: randomUUID() }),
    () => envelope({ ...record, eventName: 42, eventID: randomUUID() }),
    () => ({ ...envelope(record), detail: null }),
    () => ({ ...envelope(record), detail: `{"eventVersion":"1.08","eventID":"${randomUUID()}"` }),
    () => `not json ${randomUUID()}`,
  ];
  return { kind: 'malformed', event: variants[Math.floor(pick() * variants.length)]!() };
}

interface Setup {
  deliveries: Delivery[];
  buses: string[];
  expected: { duplicates: number; malformed: number; remediations: number };
}

/** Creates the buses whose open statements the events report, and the deliveries in order. */
async function setUp(eventBridge: EventBridgeClient, pick: () => number): Promise<Setup> {
  const { rules, keys, harmless } = fixturesByKind();
  const count = (share: number) => Math.round(EVENTS * share);
  const openBus = count(SHARE.openBus);
  const buses = Array.from({ length: Math.ceil(openBus / STATEMENTS_PER_BUS) }, () => `load-${randomUUID().slice(0, 13)}`);
  const choose = <T>(list: readonly T[]) => list[Math.floor(pick() * list.length)]!;

  // Each bus: a trusted statement and up to STATEMENTS_PER_BUS open to the world, one per event
  // below, written as one whole policy (moto keeps one legacy-form statement per principal).
  const opened = buses.flatMap((bus, b) =>
    Array.from({ length: Math.min(STATEMENTS_PER_BUS, openBus - b * STATEMENTS_PER_BUS) }, (_, s) => ({ bus, sid: `open-${s}` })),
  );
  let nextBus = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let i = nextBus++; i < buses.length; i = nextBus++) {
        const bus = buses[i]!;
        const arn = `arn:aws:events:us-east-1:${MOTO_ACCOUNT_ID}:event-bus/${bus}`;
        const statement = (Sid: string, AWS: string) => ({ Sid, Effect: 'Allow', Principal: { AWS }, Action: 'events:PutEvents', Resource: arn });
        const Statement = [statement('trusted-partner', 'arn:aws:iam::111122223333:root'), ...opened.filter((o) => o.bus === bus).map((o) => ({ ...statement(o.sid, '*'), Principal: '*' }))];
        await eventBridge.send(new CreateEventBusCommand({ Name: bus }));
        await eventBridge.send(new PutPermissionCommand({ EventBusName: bus, Policy: JSON.stringify({ Version: '2012-10-17', Statement }) }));
      }
    }),
  );

  const originals: Delivery[] = [
    ...opened.map(({ bus, sid }) => ({
      ...fresh(PUT_PERMISSION_LEGACY, (r) => {
        r.requestParameters = { action: 'events:PutEvents', principal: '*', statementId: sid, eventBusName: bus };
      }),
      kind: 'bus policy opened' as const,
    })),
    ...Array.from({ length: count(SHARE.trustedBus) }, () => ({
      ...fresh(PUT_PERMISSION_LEGACY, (r) => {
        r.requestParameters = { action: 'events:PutEvents', principal: '111122223333', statementId: 'trusted-partner', eventBusName: choose(buses) };
      }),
      kind: 'bus policy, trusted account' as const,
    })),
    ...Array.from({ length: count(SHARE.rules) }, () => ({ ...fresh(choose(rules)), kind: 'rule change' as const })),
    ...Array.from({ length: count(SHARE.keys) }, () => ({ ...fresh(choose(keys)), kind: 'key change' as const })),
  ];
  const duplicates = count(SHARE.duplicates);
  const malformedCount = count(SHARE.malformed);
  const harmlessCount = EVENTS - originals.length - duplicates - malformedCount;
  originals.push(...Array.from({ length: harmlessCount }, () => fresh(choose(harmless))));
  // Shuffle (Fisher-Yates), then put each duplicate shortly after its original (often while
  // that one is still being processed) or much later, and the malformed events anywhere.
  for (let i = originals.length - 1; i > 0; i--) {
    const j = Math.floor(pick() * (i + 1));
    [originals[i], originals[j]] = [originals[j]!, originals[i]!];
  }
  const deliveries = [...originals];
  for (let d = 0; d < duplicates; d++) {
    const at = Math.floor(pick() * originals.length);
    const original = originals[at]!;
    const copy: Delivery = { kind: 'duplicate', eventId: original.eventId, event: { ...(original.event as object), id: randomUUID() } };
    const position = deliveries.indexOf(original) + 1 + (pick() < 0.5 ? Math.floor(pick() * CONCURRENCY) : Math.floor(pick() * 2000));
    deliveries.splice(Math.min(position, deliveries.length), 0, copy);
  }
  for (let m = 0; m < malformedCount; m++) deliveries.splice(Math.floor(pick() * deliveries.length), 0, malformed(pick));
  return { deliveries, buses, expected: { duplicates, malformed: malformedCount, remediations: opened.length } };
}

interface Tally {
  processed: number;
  duplicates: number;
  failed: number;
  findings: number;
  remediations: number;
  invocations: number;
  retries: number;
  inProgressRejections: number;
  processedPerEvent: Map<string, number>;
  failedKinds: Map<string, number>;
  logLines: Map<string, number>;
}

/** Delivers everything with at most CONCURRENCY invocations at a time, retrying failures as Lambda does. */
async function deliver(handler: (event: unknown, context: Context) => Promise<Result>, deliveries: Delivery[]): Promise<Tally> {
  const tally: Tally = { processed: 0, duplicates: 0, failed: 0, findings: 0, remediations: 0, invocations: 0, retries: 0, inProgressRejections: 0, processedPerEvent: new Map(), failedKinds: new Map(), logLines: new Map() };
  const ready: Array<{ delivery: Delivery; attempt: number }> = deliveries.map((delivery) => ({ delivery, attempt: 1 }));
  let next = 0;
  let waiting = 0; // retries scheduled but not yet ready
  let running = 0;
  const context = (attempt: number) => ({ functionName: 'responder', awsRequestId: `load-${attempt}-${randomUUID()}`, getRemainingTimeInMillis: () => 30_000 }) as unknown as Context;

  const worker = async () => {
    for (;;) {
      const job = ready[next];
      if (!job) {
        if (waiting === 0 && running === 0) return;
        await sleep(20);
        continue;
      }
      next += 1;
      running += 1;
      tally.invocations += 1;
      try {
        const result = await handler(job.delivery.event, context(job.attempt));
        if (isDuplicateDelivery(result)) tally.duplicates += 1;
        else {
          tally.processed += 1;
          tally.findings += result.findings.length;
          tally.remediations += result.findings.filter((f) => f.remediation?.status === 'applied').length;
          const id = job.delivery.eventId ?? '(unknown)';
          tally.processedPerEvent.set(id, (tally.processedPerEvent.get(id) ?? 0) + 1);
        }
      } catch (error) {
        const name = (error as Error).name ?? 'Error';
        if (name === 'IdempotencyAlreadyInProgressError') tally.inProgressRejections += 1;
        if (job.attempt < ATTEMPTS) {
          tally.retries += 1;
          waiting += 1;
          setTimeout(() => {
            ready.push({ delivery: job.delivery, attempt: job.attempt + 1 });
            waiting -= 1;
          }, RETRY_DELAY_MS * job.attempt);
        } else {
          tally.failed += 1;
          const key = `${job.delivery.kind}: ${name}`;
          tally.failedKinds.set(key, (tally.failedKinds.get(key) ?? 0) + 1);
        }
      } finally {
        running -= 1;
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return tally;
}

/** The handler's JSON log lines, counted by level and message instead of printed (10,000 events' worth). */
function countingStdout(tally: () => Map<string, number>) {
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    for (const line of String(chunk).split('\n').filter(Boolean)) {
      let key = 'other output';
      try {
        const parsed = JSON.parse(line) as { level?: string; message?: string };
        key = `${parsed.level}: ${parsed.message}`;
      } catch {
        // not a log line
      }
      tally().set(key, (tally().get(key) ?? 0) + 1);
    }
    return true;
  }) as typeof process.stdout.write;
  return () => {
    process.stdout.write = write;
  };
}

/**
 * Reads (and deletes) the alerts from the queue subscribed to the alert topic while they arrive,
 * until stopped and the queue is empty. Read continuously because moto's SNS-to-SQS delivery
 * slows down with the number of messages waiting in the queue (publishes/s fell from 30 to 7 over
 * 2,500 waiting messages here), which would measure moto rather than the responder.
 */
function alertReader(sqs: SQSClient, queueUrl: string) {
  let stopping = false;
  const read = { alerts: 0, notAlerts: 0 };
  const done = (async () => {
    for (;;) {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      for (const m of Messages) {
        const schema = (JSON.parse(JSON.parse(m.Body ?? '{}').Message ?? '{}') as { schema?: string }).schema;
        if (schema === 'drift-responder.alert/1') read.alerts += 1;
        else read.notAlerts += 1;
      }
      if (Messages.length > 0) {
        await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
      } else if (stopping) {
        const { Attributes = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
        if (Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible) === 0) return read;
      }
    }
  })();
  return {
    stop: () => {
      stopping = true;
      return done;
    },
  };
}

function motoVersion(): string {
  const run = spawnSync(VENV_PYTHON, ['-c', 'import moto; print(moto.__version__)'], { encoding: 'utf8' });
  return run.status === 0 ? run.stdout.trim() : 'unknown';
}

async function main(): Promise<number> {
  pinFakeAwsEnvironment();
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const startedAt = new Date();
  const load = loadavg()[0]!;
  log(`starting moto (${VENV_PYTHON})`);
  const [moto, dynamoDbMoto] = await Promise.all([startMoto(), startMoto({ atomicDynamoDb: true })]);
  try {
    process.env.MOTO_ENDPOINT = moto.endpoint;
    pinFakeAwsEnvironment(moto.endpoint);
    const eventBridge = new EventBridgeClient(awsClientConfig());
    const pick = random(SEED);

    log('creating the alert topic, the tables, the buses and the events');
    const dynamodb = new DynamoDBClient({ ...awsClientConfig(), endpoint: dynamoDbMoto.endpoint });
    const [{ topicArn, queue }, idempotencyTable, baselineTable] = await Promise.all([createAlertTopic(), createIdempotencyTable(dynamodb), createBaselineTable(dynamodb)]);
    const { deliveries, buses, expected } = await setUp(eventBridge, pick);
    const byKind = new Map<Kind, number>();
    for (const d of deliveries) byKind.set(d.kind, (byKind.get(d.kind) ?? 0) + 1);

    // The deployed function's environment (serverless.yml).
    Object.assign(process.env, {
      DRIFT_POLICY_FILE: writePolicy(POLICY),
      ALERT_TOPIC_ARN: topicArn,
      IDEMPOTENCY_TABLE: idempotencyTable,
      BASELINE_TABLE: baselineTable,
      RESPONDER_PRINCIPALS: `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/drift-responder-load-responder`,
      AWS_ENDPOINT_URL_DYNAMODB: dynamoDbMoto.endpoint,
      LOG_LEVEL: 'info',
    });
    delete process.env.STATE_TABLE;
    const { handler } = (await import(path.join('..', 'functions', 'responder'))) as { handler: (event: unknown, context: Context) => Promise<Result> };

    log(`delivering ${fmt(deliveries.length)} events, ${CONCURRENCY} at a time`);
    const logLines = new Map<string, number>();
    const restore = countingStdout(() => logLines);
    const reader = alertReader(new SQSClient(awsClientConfig()), queue.url);
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    let tally: Tally;
    try {
      tally = await deliver(handler, deliveries);
    } finally {
      restore();
    }
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const peakRssMb = process.resourceUsage().maxRSS / 1024;

    log('reading the last alerts and the bus policies');
    const { alerts, notAlerts } = await reader.stop();
    const openLeft = (
      await Promise.all(
        buses.map(async (bus) => {
          const { Policy } = await eventBridge.send(new DescribeEventBusCommand({ Name: bus }));
          return Policy ? (JSON.parse(Policy).Statement as Array<{ Sid?: string }>).filter((s) => s.Sid?.startsWith('open-')).length : 0;
        }),
      )
    ).reduce((a, b) => a + b, 0);

    const distinctWellFormed = new Set(deliveries.filter((d) => d.kind !== 'malformed').map((d) => d.eventId)).size;
    const processedTwice = [...tally.processedPerEvent.values()].filter((n) => n > 1).length;
    const accounted = tally.processed + tally.failed + tally.duplicates;
    const checks: Array<[string, boolean, string]> = [
      ['nothing lost: processed + failed + duplicates == sent', accounted === deliveries.length, `${fmt(accounted)} of ${fmt(deliveries.length)}`],
      ['every distinct well-formed event processed exactly once', tally.processed === distinctWellFormed && processedTwice === 0, `${fmt(tally.processed)} processed, ${fmt(distinctWellFormed)} distinct, ${processedTwice} twice`],
      ['every duplicate copy skipped', tally.duplicates === expected.duplicates, `${fmt(tally.duplicates)} of ${fmt(expected.duplicates)}`],
      ['only the malformed events kept for the DLQ', tally.failed === expected.malformed && [...tally.failedKinds.keys()].every((k) => k.startsWith('malformed: ')), `${fmt(tally.failed)} of ${fmt(expected.malformed)}`],
      ['one remediation per open statement, none left open', tally.remediations === expected.remediations && openLeft === 0, `${fmt(tally.remediations)} of ${fmt(expected.remediations)}, ${openLeft} left`],
      ['one alert per finding', alerts === tally.findings && notAlerts === 0, `${fmt(alerts)} alerts (and ${notAlerts} other messages), ${fmt(tally.findings)} findings`],
    ];

    const cores = cpus();
    const rows: Array<[string, string]> = [
      ['sent', fmt(deliveries.length)],
      ...[...byKind.entries()].map(([kind, n]) => [`  ${kind}`, fmt(n)] as [string, string]),
      ['processed', fmt(tally.processed)],
      ['findings', fmt(tally.findings)],
      ['remediations (applied)', fmt(tally.remediations)],
      ['alerts (SNS -> SQS, read back)', fmt(alerts)],
      ['failures (kept for the DLQ)', fmt(tally.failed)],
      ['duplicates skipped', fmt(tally.duplicates)],
      ['invocations (with Lambda-style retries)', `${fmt(tally.invocations)} (${fmt(tally.retries)} retries, ${fmt(tally.inProgressRejections)} found the first copy in progress)`],
      ['time', `${fmt(seconds, 1)} s (retry delays ${fmt(RETRY_DELAY_MS / 1000, 1)} s / ${fmt((2 * RETRY_DELAY_MS) / 1000, 1)} s included)`],
      ['events/s', fmt(deliveries.length / seconds, 1)],
      ['CPU of this process (handler, AWS calls)', `${fmt((cpu.user + cpu.system) / 1e6, 1)} s (${fmt((cpu.user + cpu.system) / 1e3 / deliveries.length, 1)} ms an event); the rest is moto`],
      ['peak RSS of this process', `${fmt(peakRssMb, 1)} MB`],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    const out = (line: string) => process.stdout.write(`${line}\n`);
    out(`drift-responder load test, ${startedAt.toISOString()}: ${cores.length} cores (${cores[0]?.model ?? 'unknown'}), Node ${process.version}, moto ${motoVersion()}, load average ${fmt(load, 1)} at the start; concurrency ${CONCURRENCY}, seed ${SEED}`);
    for (const [k, v] of rows) out(`${k.padEnd(width)}  ${v}`);
    out('log lines (level: message):');
    for (const [k, n] of [...logLines.entries()].sort((a, b) => b[1] - a[1])) out(`  ${fmt(n).padStart(7)}  ${k}`);
    if (tally.failedKinds.size > 0) {
      out('kept for the DLQ, by kind and error:');
      for (const [k, n] of tally.failedKinds) out(`  ${fmt(n).padStart(7)}  ${k}`);
    }
    out('checks:');
    for (const [name, ok, detail] of checks) out(`  ${ok ? 'ok    ' : 'FAILED'}  ${name} (${detail})`);
    return checks.every(([, ok]) => ok) ? 0 : 1;
  } finally {
    await Promise.all([moto.stop(), dynamoDbMoto.stop()]);
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`load: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(2);
  },
);
