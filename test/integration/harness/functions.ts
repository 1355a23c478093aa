// Setup shared by the integration tests that run the real functions (functions/*.ts) against
// the moto server: a cold start with a policy file and an environment, the DynamoDB tables the
// stack creates, and the alert topic with a queue subscribed to it.
import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { controlIds } from '../../../lib/controls/registry';
import { policyAsJson } from '../../../lib/policy/load';
import { SHIPPED_POLICY } from '../../../lib/policy/validate';
import { cloneWith } from '../../support/fixtures';
import { awsClientConfig, createQueue, MOTO_ACCOUNT_ID, receiveAll, type TestQueue } from './aws';

export type Handler<R = unknown> = (event: unknown, context: Context) => Promise<R>;
export type FunctionName = 'responder' | 'snapshot' | 'alert-digest' | 'slack-notifier' | 'sweep';

/**
 * Writes `policyYaml` as the functions read it, policy.json (converted and validated as the
 * package step does, lib/policy/load.ts policyAsJson), in a fresh temp directory; returns its path.
 */
export function writePolicy(policyYaml: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'drift-policy-'));
  const policyFile = path.join(dir, SHIPPED_POLICY);
  writeFileSync(policyFile, policyAsJson(policyYaml, 'policy.yml', controlIds));
  return policyFile;
}

/**
 * Sets the environment a function is wired from: AWS_ENDPOINT_URL (moto), LOG_LEVEL 'warn',
 * DRIFT_POLICY_FILE (a temp file holding `policyYaml`; left as it is when `policyYaml` is null),
 * then `env`, which overrides those; a variable whose value is `undefined` is deleted.
 */
export function setEnvironment(policyYaml: string | null, env: Record<string, string | undefined>): void {
  const values: Record<string, string | undefined> = { AWS_ENDPOINT_URL: awsClientConfig().endpoint, LOG_LEVEL: 'warn' };
  if (policyYaml !== null) values.DRIFT_POLICY_FILE = writePolicy(policyYaml);
  for (const [name, value] of Object.entries({ ...values, ...env })) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}

/** Loads functions/<fn>.ts afresh with this environment (see setEnvironment), as a Lambda cold start would. */
export function coldStart<R = unknown>(fn: FunctionName, policyYaml: string | null, env: Record<string, string | undefined>): Handler<R> {
  setEnvironment(policyYaml, env);
  let handler: Handler<R> | undefined;
  jest.isolateModules(() => {
    handler = require(`../../../functions/${fn}`).handler;
  });
  return handler!;
}

let dynamodbClient: DynamoDBClient | undefined;
const dynamodb = () => (dynamodbClient ??= new DynamoDBClient(awsClientConfig()));
let snsClient: SNSClient | undefined;
const sns = () => (snsClient ??= new SNSClient(awsClientConfig()));
let sqsClient: SQSClient | undefined;
const sqs = () => (sqsClient ??= new SQSClient(awsClientConfig()));

/** A baselines table shaped like the stack's (partition key `resource`, on demand), on the shared server or on `client`'s; returns its name. */
export async function createBaselineTable(client: DynamoDBClient = dynamodb()): Promise<string> {
  const table = `baselines-${randomUUID()}`;
  await client.send(
    new CreateTableCommand({
      TableName: table,
      AttributeDefinitions: [{ AttributeName: 'resource', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'resource', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  return table;
}

/** The stack's generic state table (serverless/resources/state.yml: partition key `pk`, TTL `expiresAt`), on the shared server or on `client`'s; returns its name. */
export async function createStateTable(client: DynamoDBClient = dynamodb()): Promise<string> {
  const table = `state-${randomUUID()}`;
  await client.send(
    new CreateTableCommand({
      TableName: table,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await client.send(new UpdateTimeToLiveCommand({ TableName: table, TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } }));
  return table;
}

/**
 * The responder's idempotency table (serverless/resources/idempotency.yml: partition key `id`,
 * TTL `expiration`), on the shared server or on `client`'s; returns its name.
 */
export async function createIdempotencyTable(client: DynamoDBClient = dynamodb()): Promise<string> {
  const table = `idempotency-${randomUUID()}`;
  await client.send(
    new CreateTableCommand({
      TableName: table,
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await client.send(new UpdateTimeToLiveCommand({ TableName: table, TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true } }));
  return table;
}

/** An alert topic and an SQS queue subscribed to it, where the alerts published on the topic arrive. */
export async function createAlertTopic(): Promise<{ topicArn: string; queue: TestQueue }> {
  const queue = await createQueue(`alerts-${randomUUID()}`);
  const topicArn = (await sns().send(new CreateTopicCommand({ Name: `alerts-${randomUUID()}` }))).TopicArn!;
  await sns().send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queue.arn }));
  return { topicArn, queue };
}

export interface AlertsFromOptions {
  /** How long to wait when `expected` is 0 (asserting nothing arrives). Default 3000 ms. */
  emptyTimeoutMs?: number;
  /** How long to wait otherwise. Default 10 000 ms. */
  timeoutMs?: number;
  /** Also parse each envelope's Message (a JSON alert document) into `document`. */
  document?: boolean;
}

/**
 * Alerts that reached the topic, received (and deleted) from its queue: the SNS envelopes,
 * JSON-parsed (Message, Subject, MessageAttributes, Timestamp, ...).
 */
export async function alertsFrom(
  queue: Pick<TestQueue, 'url'>,
  expected: number,
  { emptyTimeoutMs = 3000, timeoutMs = 10_000, document = false }: AlertsFromOptions = {},
): Promise<any[]> {
  const messages = await receiveAll(sqs(), queue.url, { expected, timeoutMs: expected === 0 ? emptyTimeoutMs : timeoutMs });
  return messages.map((m) => {
    const envelope = JSON.parse(m.Body!);
    return document ? { ...envelope, document: JSON.parse(envelope.Message) } : envelope;
  });
}

/** An IAM user of moto's account who is not trusted: the actor of the changes the tests replay. */
export const MALLORY = { type: 'IAMUser', principalId: 'AIDAEXAMPLEMALLORY', arn: `arn:aws:iam::${MOTO_ACCOUNT_ID}:user/mallory`, accountId: MOTO_ACCOUNT_ID, userName: 'mallory' };

/**
 * The CloudTrail event EventBridge delivers: a clone of a real record (test/fixtures/cloudtrail)
 * with `change` applied, a fresh eventID, in moto's account and us-east-1, made by mallory.
 */
export function cloudTrailEnvelope(fixtureName: string, change: (record: Record<string, any>) => void) {
  const detail = cloneWith(fixtureName, (r) => {
    change(r);
    r.eventID = randomUUID();
    r.awsRegion = 'us-east-1';
    r.recipientAccountId = MOTO_ACCOUNT_ID;
    r.userIdentity = MALLORY;
  });
  return eventBridgeEnvelope(detail, 'us-east-1');
}

/** A CloudTrail record as EventBridge delivers it ("AWS API Call via CloudTrail", source aws.<service>), in moto's account. */
export function eventBridgeEnvelope(detail: Record<string, any>, region: string) {
  const source = `aws.${String(detail.eventSource).split('.')[0]}`;
  return { version: '0', id: randomUUID(), 'detail-type': 'AWS API Call via CloudTrail', source, account: MOTO_ACCOUNT_ID, time: detail.eventTime, region, resources: [], detail };
}
