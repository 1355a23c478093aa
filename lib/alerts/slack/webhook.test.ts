/**
 * The webhook client against a real HTTP server on 127.0.0.1 that answers like Slack's
 * incoming-webhook endpoint: 200 "ok", 400 with an error body, 429 with Retry-After, 500.
 * Real HTTP through Node's fetch; nothing is mocked.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SlackMessage } from './blocks';
import { postToSlack, SlackRejectedError, SlackUnavailableError } from './webhook';

interface Scripted {
  status: number;
  body: string;
  headers?: Record<string, string>;
}
interface Received {
  at: number;
  method: string;
  contentType: string | undefined;
  body: unknown;
}

/** A fake Slack: answers each POST with the next scripted response (the last one repeats). */
async function fakeSlack(script: Scripted[]): Promise<{ url: string; received: Received[]; close: () => Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ at: Date.now(), method: req.method ?? '', contentType: req.headers['content-type'], body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      const next = script[Math.min(received.length - 1, script.length - 1)]!;
      res.writeHead(next.status, { 'content-type': 'text/plain', ...next.headers });
      res.end(next.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/services/T000/B000/XXXX`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const message: SlackMessage = {
  text: '[CRITICAL] bus-policy-public: default (123456789012 us-east-1)',
  attachments: [{ color: '#8B0000', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*What:* test' } }] }],
};

describe('postToSlack', () => {
  let slack: Awaited<ReturnType<typeof fakeSlack>> | undefined;
  afterEach(async () => {
    await slack?.close();
    slack = undefined;
  });

  it('posts the message once as JSON when Slack answers 200 ok', async () => {
    // Prepare
    slack = await fakeSlack([{ status: 200, body: 'ok' }]);

    // Act
    const result = await postToSlack(slack.url, message);

    // Assess
    expect(result).toEqual({ attempts: 1 });
    expect(slack.received).toEqual([{ at: expect.any(Number), method: 'POST', contentType: 'application/json; charset=utf-8', body: message }]);
  });

  it('waits for Retry-After after a 429, then delivers', async () => {
    // Prepare
    slack = await fakeSlack([
      { status: 429, body: 'rate_limited', headers: { 'retry-after': '1' } },
      { status: 200, body: 'ok' },
    ]);

    // Act
    const result = await postToSlack(slack.url, message, { baseDelayMs: 1 });

    // Assess
    expect(result).toEqual({ attempts: 2 });
    expect(slack.received).toHaveLength(2);
    expect(slack.received[1]!.at - slack.received[0]!.at).toBeGreaterThanOrEqual(1000);
  });

  it('retries a 500 with backoff, then delivers', async () => {
    // Prepare
    slack = await fakeSlack([
      { status: 500, body: 'rollup_error' },
      { status: 503, body: 'service unavailable' },
      { status: 200, body: 'ok' },
    ]);
    const waits: number[] = [];

    // Act
    const result = await postToSlack(slack.url, message, { baseDelayMs: 20, onRetry: (info) => waits.push(info.waitMs) });

    // Assess
    expect(result).toEqual({ attempts: 3 });
    expect(slack.received).toHaveLength(3);
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBeGreaterThanOrEqual(10);
    expect(waits[1]).toBeGreaterThanOrEqual(20); // doubled
  });

  it.each([
    [400, 'invalid_blocks'],
    [400, 'invalid_payload'],
    [403, 'action_prohibited'],
    [404, 'channel_not_found'],
    [410, 'channel_is_archived'],
  ])('does not retry a %i (%s) and fails naming the error', async (status, body) => {
    // Prepare
    slack = await fakeSlack([{ status, body }]);

    // Act
    const outcome = postToSlack(slack.url, message, { baseDelayMs: 1 });

    // Assess
    await expect(outcome).rejects.toThrow(SlackRejectedError);
    await expect(outcome).rejects.toMatchObject({ status, body });
    expect(slack.received).toHaveLength(1);
  });

  it('gives up after the attempts when Slack keeps answering 500', async () => {
    // Prepare
    slack = await fakeSlack([{ status: 500, body: 'rollup_error' }]);

    // Act
    const outcome = postToSlack(slack.url, message, { baseDelayMs: 1, maxAttempts: 4 });

    // Assess
    await expect(outcome).rejects.toThrow(SlackUnavailableError);
    await expect(outcome).rejects.toThrow(/HTTP 500 rollup_error/);
    expect(slack.received).toHaveLength(4);
  });

  it('stops waiting when a Retry-After would end after the deadline', async () => {
    // Prepare
    slack = await fakeSlack([{ status: 429, body: 'rate_limited', headers: { 'retry-after': '30' } }]);

    // Act
    const outcome = postToSlack(slack.url, message, { deadline: Date.now() + 2000 });

    // Assess
    await expect(outcome).rejects.toThrow(/no time left to wait/);
    expect(slack.received).toHaveLength(1);
  });

  it('retries when nothing listens (connection refused), then fails', async () => {
    // Prepare: a server that is closed again, so its port refuses connections
    const gone = await fakeSlack([{ status: 200, body: 'ok' }]);
    await gone.close();

    // Act
    const outcome = postToSlack(gone.url, message, { baseDelayMs: 1, maxAttempts: 2 });

    // Assess
    await expect(outcome).rejects.toThrow(SlackUnavailableError);
  });
});
