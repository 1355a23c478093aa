/**
 * The real Slack notifier (functions/slack-notifier.ts): the webhook URL read from an SSM
 * SecureString in moto, posts to a local HTTP server that answers like Slack's webhook, the
 * SNS → Lambda event carrying the alert topic's `lambda` message.
 */
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Finding } from '../../lib/controls/types';
import { parseAlertDocument } from '../../lib/alerts/document';
import { alertOf } from '../../lib/alerts/format';
import { slackMessageOf } from '../../lib/alerts/slack/blocks';
import { snsMessageOf } from '../../lib/alerts/sns';
import { awsClientConfig, MOTO_ACCOUNT_ID } from './harness/aws';
import { coldStart, type Handler } from './harness/functions';

jest.setTimeout(60_000);

const ssm = new SSMClient(awsClientConfig());
const context = { functionName: 'slack', awsRequestId: 'test', getRemainingTimeInMillis: () => 60_000 } as unknown as Context;

async function fakeSlack(status: number, body: string): Promise<{ url: string; bodies: unknown[]; close: () => Promise<void> }> {
  const bodies: unknown[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/services/T0/B0/${randomUUID()}`, bodies, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function coldStartWith(webhookUrl: string): Promise<{ handler: Handler; lines: string[] }> {
  const name = `/drift-responder/test/${randomUUID()}`;
  await ssm.send(new PutParameterCommand({ Name: name, Type: 'SecureString', Value: webhookUrl }));
  const handler: Handler = coldStart('slack-notifier', null, { SLACK_WEBHOOK_PARAMETER: name, LOG_LEVEL: 'info' });
  return { handler, lines: [] };
}

const finding: Finding = {
  control: 'bus-policy-public',
  severity: 'critical',
  title: 'event bus policy allows any AWS principal',
  resource: `arn:aws:events:us-east-1:${MOTO_ACCOUNT_ID}:event-bus/orders`,
  evidence: { summary: 'statement "open" allows Principal "*"', statements: [{ Sid: 'open', Effect: 'Allow', Principal: '*', Action: 'events:PutEvents' }] },
  account: MOTO_ACCOUNT_ID,
  region: 'us-east-1',
  event: { id: '06ea7329-54b6-43be-9d46-be93bc83638e', name: 'PutPermission', source: 'events.amazonaws.com', time: '2026-03-01T10:00:00Z' },
  actor: { arn: 'arn:aws:iam::123456789012:user/mallory', type: 'IAMUser', sourceIp: '203.0.113.7', userAgent: 'aws-cli/2' },
  remediation: { status: 'applied', reason: 'RemovePermission orders StatementId=open' },
};

function snsEvent(message: string, subject: string) {
  return { Records: [{ EventSource: 'aws:sns', Sns: { MessageId: randomUUID(), Subject: subject, Message: message, TopicArn: 'arn:aws:sns:us-east-1:123456789012:alerts' } }] };
}

async function capturingStdout<T>(run: () => Promise<T>): Promise<{ result: PromiseSettledResult<T>; output: string }> {
  const chunks: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  });
  try {
    const [result] = await Promise.allSettled([run()]);
    return { result: result!, output: chunks.join('') };
  } finally {
    write.mockRestore();
  }
}

describe('the Slack notifier (moto SSM, local Slack)', () => {
  it('posts the alert as Block Kit with the severity colour, reading the URL from the SecureString', async () => {
    // Prepare
    const slack = await fakeSlack(200, 'ok');
    const { handler } = await coldStartWith(slack.url);
    const alert = alertOf(finding);
    const lambdaMessage = snsMessageOf(alert).structure.lambda;

    try {
      // Act
      const { result, output } = await capturingStdout(() => handler(snsEvent(lambdaMessage, alert.subject), context));

      // Assess
      expect(result).toEqual({ status: 'fulfilled', value: { posted: 1 } });
      expect(slack.bodies).toEqual([slackMessageOf(parseAlertDocument(lambdaMessage)!)]);
      expect(slack.bodies[0]).toMatchObject({ text: alert.subject, attachments: [{ color: '#8B0000' }] });
      expect(output).not.toContain(slack.url);
    } finally {
      await slack.close();
    }
  });

  it('fails the invocation (to the DLQ) without retrying when Slack answers 400 invalid_blocks, logging the error but not the URL', async () => {
    // Prepare
    const slack = await fakeSlack(400, 'invalid_blocks');
    const { handler } = await coldStartWith(slack.url);
    const alert = alertOf(finding);

    try {
      // Act
      const { result, output } = await capturingStdout(() => handler(snsEvent(snsMessageOf(alert).structure.lambda, alert.subject), context));

      // Assess
      expect(result).toMatchObject({ status: 'rejected', reason: { name: 'SlackRejectedError', status: 400, body: 'invalid_blocks' } });
      expect(slack.bodies).toHaveLength(1);
      const logged = output.split('\n').filter(Boolean).map((l) => JSON.parse(l));
      expect(logged).toContainEqual(expect.objectContaining({ level: 'error', message: expect.stringContaining('dead-letter queue'), status: 400, body: 'invalid_blocks' }));
      expect(output).not.toContain(slack.url);
    } finally {
      await slack.close();
    }
  });

  it('posts CloudWatch alarm notifications on the topic as readable messages too', async () => {
    // Prepare
    const slack = await fakeSlack(200, 'ok');
    const { handler } = await coldStartWith(slack.url);
    const alarm = JSON.stringify({ AlarmName: 'drift-responder-ci-responder-errors', NewStateValue: 'ALARM', NewStateReason: 'Threshold Crossed: 1 datapoint', AlarmDescription: 'The responder failed an invocation' });

    try {
      // Act
      await capturingStdout(() => handler(snsEvent(alarm, 'ALARM: "drift-responder-ci-responder-errors"'), context));

      // Assess
      expect(slack.bodies).toEqual([
        expect.objectContaining({ attachments: [expect.objectContaining({ blocks: expect.arrayContaining([{ type: 'header', text: { type: 'plain_text', text: 'ALARM: drift-responder-ci-responder-errors' } }]) })] }),
      ]);
    } finally {
      await slack.close();
    }
  });
});
