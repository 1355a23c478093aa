// Helpers for integration tests that talk to the moto server started by global-setup.ts.
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';

import { wireConfig, type WireConfig } from '../../../lib/aws/wire/client';

export const TEST_REGION = 'us-east-1';
/** moto's default account id (every ARN it returns uses it). */
export const MOTO_ACCOUNT_ID = '123456789012';

export interface AwsTestClientConfig {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

export function motoEndpoint(): string {
  const endpoint = process.env.MOTO_ENDPOINT;
  if (!endpoint) {
    throw new Error(
      'MOTO_ENDPOINT is not set: run integration tests through the "integration" jest project ' +
        '(npx jest --selectProjects integration), whose globalSetup starts moto.',
    );
  }
  return endpoint;
}

/** Config for any SDK v3 client: `new SNSClient(awsClientConfig())`. */
export function awsClientConfig(): AwsTestClientConfig {
  return {
    endpoint: motoEndpoint(),
    region: TEST_REGION,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
}

/**
 * Config for the functions' own AWS client (lib/aws/wire) against moto: `eventBridgeService(wireTestConfig())`.
 * Overrides (a fake `send`, `maxAttempts`, `sleep`) are for fault-injection tests.
 */
export function wireTestConfig(overrides: Partial<WireConfig> = {}): WireConfig {
  const { endpoint, region, credentials } = awsClientConfig();
  return wireConfig({ AWS_REGION: region }, { endpoint, credentials: async () => credentials, ...overrides });
}

/** Wipes all state in moto (all services, all regions) so tests do not see each other's resources. */
export async function resetMoto(): Promise<void> {
  const res = await fetch(`${motoEndpoint()}/moto-api/reset`, { method: 'POST' });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`moto reset failed: HTTP ${res.status}`);
}

let defaultSqs: SQSClient | undefined;
function sqsClient(): SQSClient {
  // Re-create if the endpoint changed (e.g. watch mode restarted moto).
  if (!defaultSqs || process.env.MOTO_ENDPOINT !== lastEndpoint) {
    defaultSqs = new SQSClient(awsClientConfig());
    lastEndpoint = process.env.MOTO_ENDPOINT;
  }
  return defaultSqs;
}
let lastEndpoint: string | undefined;

export interface TestQueue {
  url: string;
  arn: string;
}

/** Creates an SQS queue (idempotent for the same name and attributes) and returns its URL and ARN. */
export async function createQueue(
  name: string,
  options: { attributes?: Record<string, string>; client?: SQSClient } = {},
): Promise<TestQueue> {
  const sqs = options.client ?? sqsClient();
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: options.attributes }));
  if (!QueueUrl) throw new Error(`CreateQueue ${name} returned no QueueUrl`);
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const arn = Attributes?.QueueArn;
  if (!arn) throw new Error(`GetQueueAttributes ${name} returned no QueueArn`);
  return { url: QueueUrl, arn };
}

export interface ReceiveAllOptions {
  /** Stop as soon as this many messages were received. Use 0 to assert that nothing arrives. */
  expected: number;
  /** Give up after this long and return what was received so far. Default 10 000 ms. */
  timeoutMs?: number;
}

/**
 * Long-polls `queueUrl` until `expected` messages were received or `timeoutMs` elapsed, deleting
 * every message it reads. Never throws on timeout: returns what it got, so tests can assert on
 * the count (and on "nothing was delivered" with `expected: 0`).
 */
export async function receiveAll(
  sqs: SQSClient,
  queueUrl: string,
  { expected, timeoutMs = 10_000 }: ReceiveAllOptions,
): Promise<Message[]> {
  const received: Message[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const remainingMs = deadline - Date.now();
    if (remainingMs <= 0) break;
    if (expected > 0 && received.length >= expected) break;
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        // Short-ish long polls so the deadline is respected to about a second.
        WaitTimeSeconds: Math.max(1, Math.min(5, Math.floor(remainingMs / 1000))),
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) continue;
    received.push(...Messages);
    const entries = Messages.filter((m) => m.ReceiptHandle).map((m, i) => ({
      Id: String(i),
      ReceiptHandle: m.ReceiptHandle!,
    }));
    if (entries.length > 0) {
      const res = await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
      if (res.Failed?.length) {
        throw new Error(`DeleteMessageBatch failed: ${JSON.stringify(res.Failed)}`);
      }
    }
  }
  return received;
}
