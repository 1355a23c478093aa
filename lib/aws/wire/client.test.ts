import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isTransient } from '../errors';
import { scriptedTransport, type ScriptedTransport } from '../../../test/support/scripted-transport';
import type { WireConfig } from './client';
import { AwsServiceError, MalformedResponseError } from './errors';
import { nodeHttpSend, TimeoutError } from './http';
import { encodeLabel, jsonService, restJsonService, restPath } from './json';
import { KMS, SECURITYHUB } from './services';
import type { WireResponse } from './types';

const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token' };

/**
 * The configuration over a scripted transport, and what it was sent: eu-west-1, CREDENTIALS (with a
 * session token), a fixed clock, backoff at its cap (random() = 1), and the delays it would sleep kept.
 */
function configWith({ config, sent }: ScriptedTransport, overrides: Partial<WireConfig> = {}) {
  const sleeps: number[] = [];
  return {
    config: config({ credentials: async () => CREDENTIALS, sleep: async (ms) => void sleeps.push(ms), random: () => 1, now: () => new Date('2026-11-29T12:00:00Z'), ...overrides }, { AWS_REGION: 'eu-west-1' }),
    sleeps,
    sent,
  };
}

const errorAnswer = (status: number, code: string, message = 'nope'): Partial<WireResponse> => ({ status, body: JSON.stringify({ __type: `com.amazonaws.kms#${code}`, message }) });
const networkError = (code: string) => Object.assign(new Error(`connect ${code} 10.0.0.1:443`), { code });

describe('jsonService', () => {
  it('POSTs the input as JSON to the regional endpoint, named by X-Amz-Target, signed', async () => {
    const { config, sent } = configWith(scriptedTransport({ status: 200, body: '{"KeyMetadata":{"KeyId":"k-1","Enabled":true}}' }));

    const output = await jsonService(KMS, config).call<{ KeyMetadata: { KeyId: string } }>('DescribeKey', { KeyId: 'alias/x' });

    expect(output.KeyMetadata.KeyId).toBe('k-1');
    const [request] = sent;
    expect(request?.method).toBe('POST');
    expect(request?.url.href).toBe('https://kms.eu-west-1.amazonaws.com/');
    expect(request?.headers['x-amz-target']).toBe('TrentService.DescribeKey');
    expect(request?.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(JSON.parse(request?.body ?? '')).toEqual({ KeyId: 'alias/x' });
    expect(request?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261129\/eu-west-1\/kms\/aws4_request, SignedHeaders=\S*x-amz-target\S*, Signature=[0-9a-f]{64}$/);
    expect(request?.headers['x-amz-security-token']).toBe('token');
  });

  it('answers an empty body as an empty output', async () => {
    const { config } = configWith(scriptedTransport({ status: 200, body: '' }));

    await expect(jsonService(KMS, config).call('EnableKey', { KeyId: 'k' })).resolves.toEqual({});
  });

  it.each([
    ['the body’s __type, without its namespace', { status: 400, body: '{"__type":"com.amazonaws.kms#NotFoundException","message":"no key"}' }, 'NotFoundException', 'no key'],
    ['the X-Amzn-Errortype header, without its suffix', { status: 400, headers: { 'x-amzn-errortype': 'AccessDeniedException:http://internal.amazon.com/' }, body: '{"Message":"denied"}' }, 'AccessDeniedException', 'denied'],
    ['the body’s code (restJson)', { status: 404, body: '{"code":"ResourceNotFoundException","message":"gone"}' }, 'ResourceNotFoundException', 'gone'],
  ])('names an error by %s, with its status and message', async (_case, answer, name, message) => {
    const { config } = configWith(scriptedTransport({ ...answer, headers: { 'x-amzn-requestid': 'req-1', ...(answer as Partial<WireResponse>).headers } }));

    const error = await jsonService(KMS, config).call('DescribeKey', { KeyId: 'k' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AwsServiceError);
    expect(error).toMatchObject({ name, message, $fault: 'client', $metadata: { httpStatusCode: answer.status, requestId: 'req-1', attempts: 1 } });
  });

  it('does not retry a client error', async () => {
    const { config, sent } = configWith(scriptedTransport(errorAnswer(400, 'AccessDeniedException')));

    await expect(jsonService(KMS, config).call('DisableKey', { KeyId: 'k' })).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect(sent).toHaveLength(1);
  });

  it('retries a server error, a throttle and a reset connection with growing jittered backoff, then succeeds', async () => {
    const { config, sleeps, sent } = configWith(scriptedTransport(errorAnswer(500, 'KMSInternalException'), errorAnswer(400, 'ThrottlingException'), networkError('ECONNRESET'), { status: 200, body: '{"Ok":true}' }));

    await expect(jsonService(KMS, config).call('EnableKey', { KeyId: 'k' })).resolves.toEqual({ Ok: true });

    expect(sent).toHaveLength(4);
    // random() = 1: the cap itself. 100 ms base, doubled per attempt; a throttle starts from 500 ms.
    expect(sleeps).toEqual([100, 1000, 400]);
  });

  it('signs every attempt afresh: refreshed credentials are used', async () => {
    const keys = ['AKIDFIRST', 'AKIDSECOND'];
    const { config, sent } = configWith(scriptedTransport(errorAnswer(503, 'ServiceUnavailable'), { status: 200, body: '{}' }), { credentials: async () => ({ accessKeyId: keys.shift() ?? 'none', secretAccessKey: 's' }) });

    await jsonService(KMS, config).call('EnableKey', { KeyId: 'k' });

    expect(sent.map((r) => /Credential=(\w+)\//.exec(r.headers.authorization ?? '')?.[1])).toEqual(['AKIDFIRST', 'AKIDSECOND']);
  });

  it('gives up after maxAttempts with the last error, saying how many attempts and how long it waited', async () => {
    const { config, sent } = configWith(scriptedTransport(...Array.from({ length: 5 }, () => errorAnswer(500, 'KMSInternalException'))), { random: () => 0.5 });

    const error = await jsonService(KMS, config).call('EnableKey', { KeyId: 'k' }).catch((e: unknown) => e);

    expect(sent).toHaveLength(5);
    expect(error).toMatchObject({ name: 'KMSInternalException', $fault: 'server', $metadata: { attempts: 5, totalRetryDelay: 50 + 100 + 200 + 400 } });
    expect(isTransient(error)).toBe(true);
  });

  it('reports an answer that is not JSON as malformed, and does not retry it', async () => {
    const { config, sent } = configWith(scriptedTransport({ status: 200, body: '<html>proxy</html>' }));

    await expect(jsonService(KMS, config).call('DescribeKey', { KeyId: 'k' })).rejects.toThrow(MalformedResponseError);
    expect(sent).toHaveLength(1);
  });

  it('classifies an HTML error page by its status', async () => {
    const { config } = configWith(scriptedTransport(...Array.from({ length: 5 }, () => ({ status: 502, body: '<html>bad gateway</html>' }))));

    await expect(jsonService(KMS, config).call('DescribeKey', { KeyId: 'k' })).rejects.toMatchObject({ name: 'InternalFailure', $metadata: { httpStatusCode: 502, attempts: 5 } });
  });

  it('fails with a clear error, before sending anything, when no region is configured', async () => {
    const { sent, config: configOver } = scriptedTransport();
    const config = configOver({}, {}); // an environment without AWS_REGION

    await expect(jsonService(KMS, config).call('DescribeKey', {})).rejects.toThrow('no AWS region: set AWS_REGION');
    expect(sent).toHaveLength(0);
  });

  it('keeps the path of an endpoint that has one (an emulator behind a prefix)', async () => {
    const { config, sent } = configWith(scriptedTransport({ status: 200, body: '{}' }), { endpoint: 'http://127.0.0.1:4566/kms/' });

    await jsonService(KMS, config).call('ListKeys');

    expect(sent[0]?.url.href).toBe('http://127.0.0.1:4566/kms/');
  });
});

describe('restJsonService', () => {
  it('sends the method, the path with encoded labels, the query and the JSON body', async () => {
    const { config, sent } = configWith(scriptedTransport({ status: 200, body: '{"FailedCount":0}' }));

    await restJsonService(SECURITYHUB, config).call('GetFindings', {
      method: 'POST',
      path: restPath`/findings/${'a/b c'}`,
      query: { MaxResults: '10', Tag: ['x', 'y z'] },
      body: { Filters: {} },
    });

    expect(sent[0]?.url.href).toBe('https://securityhub.eu-west-1.amazonaws.com/findings/a%2Fb%20c?MaxResults=10&Tag=x&Tag=y%20z');
    expect(sent[0]?.headers['content-type']).toBe('application/json');
    expect(sent[0]?.body).toBe('{"Filters":{}}');
  });

  it('encodes every reserved character of a label', () => {
    expect(encodeLabel("a!'()*:/?#[]@ b")).toBe('a%21%27%28%29%2A%3A%2F%3F%23%5B%5D%40%20b');
  });
});

describe('nodeHttpSend', () => {
  let server: Server;
  let port: number;
  const hung: Array<() => void> = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/hang') {
        hung.push(() => res.end());
        return;
      }
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json', 'x-amzn-requestid': 'r-1' });
        res.end(JSON.stringify({ method: req.method, body, target: req.headers['x-amz-target'] }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    hung.forEach((end) => end());
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends the request and reads the whole answer', async () => {
    const response = await nodeHttpSend(
      { method: 'POST', url: new URL(`http://127.0.0.1:${port}/`), headers: { 'x-amz-target': 'X.Y' }, body: '{"a":1}' },
      { connectMs: 1000, requestMs: 1000 },
    );

    expect(response.status).toBe(200);
    expect(response.headers['x-amzn-requestid']).toBe('r-1');
    expect(JSON.parse(response.body)).toEqual({ method: 'POST', body: '{"a":1}', target: 'X.Y' });
  });

  it('cuts off an answer that does not come in time with a TimeoutError (transient)', async () => {
    const error = await nodeHttpSend({ method: 'POST', url: new URL(`http://127.0.0.1:${port}/hang`), headers: {}, body: '' }, { connectMs: 1000, requestMs: 150 }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TimeoutError);
    expect(isTransient(error)).toBe(true);
  });

  it('reports a refused connection with its socket code (transient)', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));

    const error = await nodeHttpSend({ method: 'POST', url: new URL(`http://127.0.0.1:${closedPort}/`), headers: {}, body: '' }, { connectMs: 1000, requestMs: 1000 }).catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 'ECONNREFUSED' });
    expect(isTransient(error)).toBe(true);
  });
});
