import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';

import { SignatureV4 } from '@smithy/signature-v4';
import type { Checksum, SourceData } from '@smithy/types';
import fc from 'fast-check';

import {
  SUITE_CREDENTIALS,
  SUITE_DATE,
  SUITE_REGION,
  SUITE_SERVICE,
  SUITE_SESSION_TOKEN,
  SUITE_VECTORS,
  type SuiteVector,
} from './fixtures/sigv4-test-suite';
import { amzDateOf, signatureOf, signRequest } from './sigv4';
import type { AwsCredentials, WireRequest } from './types';

function suiteRequest(vector: SuiteVector): WireRequest {
  return {
    method: vector.method,
    url: new URL(`https://example.amazonaws.com${vector.target}`),
    headers: { host: 'example.amazonaws.com', 'x-amz-date': SUITE_DATE, ...vector.headers },
    body: vector.body ?? '',
  };
}

const suiteScope = { credentials: SUITE_CREDENTIALS, region: SUITE_REGION, service: SUITE_SERVICE };

describe('signatureOf, against AWS SigV4 test suite', () => {
  it.each(SUITE_VECTORS.map((vector) => [vector.name, vector] as const))('%s: the authorization header matches', (_name, vector) => {
    // Prepare
    const request = suiteRequest(vector);

    // Act
    const parts = signatureOf(request, suiteScope);

    // Assess
    if (vector.creq !== undefined) expect(parts.canonicalRequest).toBe(vector.creq);
    if (vector.sts !== undefined) expect(parts.stringToSign).toBe(vector.sts);
    expect(parts.authorization).toBe(vector.authz);
  });
});

describe('signRequest', () => {
  const credentials: AwsCredentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: SUITE_CREDENTIALS.secretAccessKey };
  const now = new Date('2015-08-30T12:36:00Z');
  const base: WireRequest = {
    method: 'POST',
    url: new URL('https://events.us-east-1.amazonaws.com/'),
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.ListRules' },
    body: '{"NamePrefix":"drift"}',
  };
  const sign = (request: WireRequest, overrides: Partial<{ credentials: AwsCredentials; now: Date }> = {}): WireRequest =>
    signRequest(request, { credentials, region: 'us-east-1', service: 'events', now, ...overrides });

  it('adds host, x-amz-date, the payload hash and a signature over every header', () => {
    // Act
    const signed = sign(base);

    // Assess
    expect(signed.headers).toMatchObject({
      host: 'events.us-east-1.amazonaws.com',
      'x-amz-date': '20150830T123600Z',
      'x-amz-content-sha256': createHash('sha256').update(base.body).digest('hex'),
    });
    expect(signed.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20150830\/us-east-1\/events\/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-target, Signature=[0-9a-f]{64}$/,
    );
    expect(signed.headers['x-amz-security-token']).toBeUndefined();
    expect(base.headers.authorization).toBeUndefined();
  });

  it('signs the session token of temporary credentials', () => {
    // Act
    const signed = sign(base, { credentials: { ...credentials, sessionToken: SUITE_SESSION_TOKEN } });

    // Assess
    expect(signed.headers['x-amz-security-token']).toBe(SUITE_SESSION_TOKEN);
    expect(signed.headers.authorization).toContain('SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token;x-amz-target,');
  });

  it('keeps a host header already set, and signs the port of a non-default endpoint', () => {
    // Prepare
    const local: WireRequest = { ...base, url: new URL('http://127.0.0.1:5000/') };

    // Act
    const signed = sign(local);
    const preset = sign({ ...local, headers: { ...local.headers, host: 'events.example' } });

    // Assess
    expect(signed.headers.host).toBe('127.0.0.1:5000');
    expect(preset.headers.host).toBe('events.example');
  });

  it('gives the same signature when a signed request is signed again (a retry)', () => {
    // Act
    const once = sign(base);
    const twice = sign(once);

    // Assess
    expect(twice.headers.authorization).toBe(once.headers.authorization);
  });

  it.each<[string, (request: WireRequest) => WireRequest | [WireRequest, Date]]>([
    ['the body', (r) => ({ ...r, body: '{"NamePrefix":"drifT"}' })],
    ['a header value', (r) => ({ ...r, headers: { ...r.headers, 'x-amz-target': 'AWSEvents.ListRule' } })],
    ['an added header', (r) => ({ ...r, headers: { ...r.headers, 'x-amz-extra': '1' } })],
    ['the method', (r) => ({ ...r, method: 'PUT' })],
    ['the path', (r) => ({ ...r, url: new URL('https://events.us-east-1.amazonaws.com/rules') })],
    ['a query value', (r) => ({ ...r, url: new URL('https://events.us-east-1.amazonaws.com/?a=1') })],
    ['the host', (r) => ({ ...r, url: new URL('https://events.us-west-2.amazonaws.com/') })],
    ['the date, by one second', (r) => [r, new Date('2015-08-30T12:36:01Z')]],
  ])('changes the signature when %s changes', (_what, change) => {
    // Prepare
    const changed = change(base);
    const [request, date] = Array.isArray(changed) ? changed : [changed, now];

    // Act
    const original = sign(base);
    const altered = sign(request, { now: date });

    // Assess
    expect(signatureValueOf(altered.headers.authorization)).not.toBe(signatureValueOf(original.headers.authorization));
  });

  it('changes the signature when the secret, region or service changes', () => {
    // Act
    const signatures = [
      sign(base),
      sign(base, { credentials: { ...credentials, secretAccessKey: `${credentials.secretAccessKey}x` } }),
      signRequest(base, { credentials, region: 'us-west-2', service: 'events', now }),
      signRequest(base, { credentials, region: 'us-east-1', service: 'sqs', now }),
    ].map((signed) => signatureValueOf(signed.headers.authorization));

    // Assess
    expect(new Set(signatures).size).toBe(signatures.length);
  });

  it('double-encodes the path and RFC 3986-encodes the query, spaces as %20', () => {
    // Prepare
    const request: WireRequest = {
      ...base,
      headers: { 'x-amz-date': SUITE_DATE, host: 'h' },
      url: new URL('https://h/a%2Fb/c d/?b=x y&a=1+2&a=0&%C3%A9=*'),
    };

    // Act
    const { canonicalRequest } = signatureOf(request, suiteScope);

    // Assess
    const [, path, query] = canonicalRequest.split('\n');
    expect(path).toBe('/a%252Fb/c%2520d/');
    expect(query).toBe('%C3%A9=%2A&a=0&a=1%202&b=x%20y');
  });

  it('formats the signing time as yyyymmddThhmmssZ', () => {
    expect(amzDateOf(new Date('2026-01-02T03:04:05.678Z'))).toBe('20260102T030405Z');
  });
});

/** The SDK's signer wants a hash constructor of its Checksum shape; node:crypto backs it here. */
class NodeSha256 implements Checksum {
  private readonly hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    if (secret === undefined) this.hash = createHash('sha256');
    else if (typeof secret === 'string') this.hash = createHmac('sha256', secret);
    else if (secret instanceof ArrayBuffer) this.hash = createHmac('sha256', new Uint8Array(secret));
    else this.hash = createHmac('sha256', new Uint8Array(secret.buffer, secret.byteOffset, secret.byteLength));
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset(): void {
    throw new Error('not used by the signer');
  }
}

/** Our request, as the SDK's HttpRequest: repeated query names become arrays, as its serializers build them. */
function asSdkRequest(request: WireRequest) {
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of request.url.searchParams) {
    const previous = query[name];
    query[name] = previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
  }
  return {
    method: request.method,
    protocol: request.url.protocol,
    hostname: request.url.hostname,
    path: request.url.pathname,
    query,
    headers: { ...request.headers, host: request.url.host },
    body: request.body,
  };
}

describe('signRequest, against the SDK signer (@smithy/signature-v4)', () => {
  const printableAscii = fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 });
  // Printable ASCII, reserved characters, spaces and a few non-ASCII code points (2-, 3- and 4-byte UTF-8).
  const text = (maxLength: number) =>
    fc.string({
      unit: fc.oneof(fc.constantFrom(...' !"#$%&\'()*+,/:;=?@[]^`{|}~-._'.split('')), fc.constantFrom('é', 'ሴ', '😀', '\u00a0'), printableAscii),
      maxLength,
    });
  const headerName = fc.stringMatching(/^x-[a-z0-9-]{1,12}$/);
  // Header values as HTTP allows them: visible ASCII with runs of spaces and tabs anywhere.
  const headerValue = fc.string({ unit: fc.oneof(fc.constantFrom(' ', '  ', '\t'), printableAscii), maxLength: 24 });
  const request = fc.record({
    method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH' as const),
    segments: fc.array(fc.oneof(text(8), fc.constantFrom('.', '..', '')), { maxLength: 4 }),
    trailingSlash: fc.boolean(),
    query: fc.array(fc.tuple(fc.oneof(text(6), fc.constantFrom('Action', 'Name')), text(10)), { maxLength: 5 }),
    headers: fc.dictionary(headerName, headerValue, { maxKeys: 4 }),
    contentType: fc.option(fc.constantFrom('application/x-amz-json-1.1', 'application/x-www-form-urlencoded; charset=utf-8')),
    body: text(40),
    sessionToken: fc.option(fc.base64String({ minLength: 4, maxLength: 80 })),
    now: fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true }),
    region: fc.constantFrom('us-east-1', 'eu-west-3', 'ap-southeast-2'),
  });

  it('produces the same authorization header as the SDK for generated requests', async () => {
    await fc.assert(
      fc.asyncProperty(request, async (generated) => {
        // Prepare
        const url = new URL('https://events.us-east-1.amazonaws.com');
        url.pathname = `/${generated.segments.map(encodeURIComponent).join('/')}${generated.trailingSlash ? '/' : ''}`;
        for (const [name, value] of generated.query) url.searchParams.append(name, value);
        const headers: Record<string, string> = { ...generated.headers };
        if (generated.contentType !== null) headers['content-type'] = generated.contentType;
        const wire: WireRequest = { method: generated.method, url, headers, body: generated.body };
        const credentials: AwsCredentials = {
          accessKeyId: 'AKIDEXAMPLE',
          secretAccessKey: SUITE_CREDENTIALS.secretAccessKey,
          ...(generated.sessionToken === null ? {} : { sessionToken: generated.sessionToken }),
        };
        const sdk = new SignatureV4({ credentials, region: generated.region, service: 'events', sha256: NodeSha256 });

        // Act
        const ours = signRequest(wire, { credentials, region: generated.region, service: 'events', now: generated.now });
        const theirs = await sdk.sign(asSdkRequest(wire), { signingDate: generated.now });

        // Assess
        expect(ours.headers.authorization).toBe(theirs.headers.authorization);
        expect(ours.headers['x-amz-content-sha256']).toBe(theirs.headers['x-amz-content-sha256']);
      }),
      { numRuns: 500 },
    );
  });
});

function signatureValueOf(authorization: string | undefined): string | undefined {
  return authorization?.match(/Signature=([0-9a-f]{64})$/)?.[1];
}
