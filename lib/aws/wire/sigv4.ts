/**
 * AWS Signature Version 4 (header form), with node:crypto only: the SDK's signer pulls in its
 * middleware stack, and signing is all the functions need of it.
 *
 * Canonicalisation follows the SDK's signer (@smithy/signature-v4) for non-S3 services, which a
 * property test checks request for request (sigv4.test.ts): the already-encoded path is encoded
 * once more, `.`/`..`/empty segments are dropped, query names and values are RFC 3986 encoded.
 * Not for S3, whose paths are signed as sent.
 */
import { createHash, createHmac } from 'node:crypto';

import { rfc3986 } from './rfc3986';
import type { AwsCredentials, WireRequest } from './types';

export interface SigningOptions {
  readonly credentials: AwsCredentials;
  readonly region: string;
  readonly service: string;
  /** The signing time; the clock when absent (tests pass one so signatures are reproducible). */
  readonly now?: Date;
}

/** The three artefacts of a signature, kept apart so AWS's published vectors can check each step. */
export interface SignatureParts {
  readonly canonicalRequest: string;
  readonly stringToSign: string;
  readonly authorization: string;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';

/**
 * Headers a proxy or the HTTP agent may add, drop or rewrite in transit; signing them would make a
 * valid request fail verification. Same list as the SDK's ALWAYS_UNSIGNABLE_HEADERS.
 */
const UNSIGNABLE_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'cache-control',
  'connection',
  'expect',
  'from',
  'keep-alive',
  'max-forwards',
  'pragma',
  'referer',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'user-agent',
  'x-amzn-trace-id',
]);
const UNSIGNABLE_PREFIXES = ['proxy-', 'sec-'];

/**
 * Returns a copy of `request` carrying `host`, `x-amz-date`, `x-amz-content-sha256`,
 * `x-amz-security-token` (for temporary credentials) and `authorization`.
 */
export function signRequest(request: WireRequest, options: SigningOptions): WireRequest {
  const headers: Record<string, string> = { ...request.headers };
  // Replaced, not kept: a retried request is signed again and must not carry the old signature.
  delete headers.authorization;
  if (!hasHeader(headers, 'host')) headers.host = request.url.host;
  headers['x-amz-date'] = amzDateOf(options.now ?? new Date());
  // S3 requires the payload hash as a header; every other service accepts it.
  headers['x-amz-content-sha256'] = sha256Hex(request.body);
  if (options.credentials.sessionToken) headers['x-amz-security-token'] = options.credentials.sessionToken;
  else delete headers['x-amz-security-token'];

  const { authorization } = signatureOf({ ...request, headers }, options);
  return { ...request, headers: { ...headers, authorization } };
}

/**
 * Signs `request` exactly as given, adding nothing: it must already carry `host` and `x-amz-date`
 * (whose value sets the credential scope's date). `signRequest` is the entry point; this step is
 * exported because AWS's test-suite vectors predate `x-amz-content-sha256` and sign only the
 * headers they list.
 */
export function signatureOf(request: WireRequest, options: Omit<SigningOptions, 'now'>): SignatureParts {
  const amzDate = headerValue(request.headers, 'x-amz-date');
  if (amzDate === undefined || !/^\d{8}T\d{6}Z$/.test(amzDate)) {
    throw new Error(`SigV4 needs an x-amz-date header of the form yyyymmddThhmmssZ, got ${JSON.stringify(amzDate)}`);
  }
  const date = amzDate.slice(0, 8);
  const { credentials, region, service } = options;
  const scope = `${date}/${region}/${service}/aws4_request`;

  const headers = canonicalHeadersOf(request.headers);
  const signedHeaders = headers.map(([name]) => name).join(';');
  const canonicalRequest = [
    request.method,
    canonicalPathOf(request.url.pathname),
    canonicalQueryOf(request.url.searchParams),
    ...headers.map(([name, value]) => `${name}:${value}`),
    '',
    signedHeaders,
    headerValue(request.headers, 'x-amz-content-sha256') ?? sha256Hex(request.body),
  ].join('\n');
  const stringToSign = [ALGORITHM, amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const signature = createHmac('sha256', signingKeyOf(credentials.secretAccessKey, date, region, service)).update(stringToSign, 'utf8').digest('hex');
  const authorization = `${ALGORITHM} Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return { canonicalRequest, stringToSign, authorization };
}

/** `yyyymmddThhmmssZ`, the basic ISO 8601 form SigV4 requires. */
export function amzDateOf(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

function canonicalHeadersOf(headers: Record<string, string>): Array<[string, string]> {
  const canonical = new Map<string, string[]>();
  for (const [rawName, rawValue] of Object.entries(headers)) {
    const name = rawName.toLowerCase();
    if (UNSIGNABLE_HEADERS.has(name) || UNSIGNABLE_PREFIXES.some((prefix) => name.startsWith(prefix))) continue;
    // Folded lines become spaces, runs of blanks one space, and the ends are trimmed (SigV4 "Trimall").
    const value = rawValue.replace(/[\r\n]/g, ' ').replace(/[ \t]+/g, ' ').replace(/^ | $/g, '');
    canonical.set(name, [...(canonical.get(name) ?? []), value]);
  }
  return [...canonical.entries()].sort(([a], [b]) => compareCodeUnits(a, b)).map(([name, values]) => [name, values.join(',')]);
}

/**
 * The path as AWS sees it for non-S3 services: normalised (no `.`, `..` or empty segments, the
 * trailing slash kept) and each segment encoded once more, so `%2F` is signed as `%252F`.
 */
function canonicalPathOf(pathname: string): string {
  const segments: string[] = [];
  for (const segment of pathname.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(rfc3986(segment));
  }
  const trailingSlash = segments.length > 0 && pathname.endsWith('/') ? '/' : '';
  return `/${segments.join('/')}${trailingSlash}`;
}

/** Pairs sorted by encoded name, then by encoded value (repeated names are legal and each is signed). */
function canonicalQueryOf(params: URLSearchParams): string {
  const pairs = [...params].map(([name, value]) => [rfc3986(name), rfc3986(value)] as const);
  pairs.sort(([nameA, valueA], [nameB, valueB]) => compareCodeUnits(nameA, nameB) || compareCodeUnits(valueA, valueB));
  return pairs.map(([name, value]) => `${name}=${value}`).join('&');
}


/** Byte order for ASCII (all canonical names and encoded values are ASCII); not locale order. */
function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return headerValue(headers, name) !== undefined;
}

function headerValue(headers: Record<string, string>, name: string): string | undefined {
  for (const [candidate, value] of Object.entries(headers)) if (candidate.toLowerCase() === name) return value;
  return undefined;
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * Deriving a signing key costs four HMACs and changes only daily per (secret, region, service), so
 * keys are cached; the bound keeps a long-lived process that sees rotating credentials from growing.
 */
const SIGNING_KEY_CACHE_SIZE = 32;
const signingKeys = new Map<string, Buffer>();

function signingKeyOf(secretAccessKey: string, date: string, region: string, service: string): Buffer {
  const cacheKey = [secretAccessKey, date, region, service].join('\n');
  const cached = signingKeys.get(cacheKey);
  if (cached !== undefined) return cached;
  let key: Buffer = Buffer.from(`AWS4${secretAccessKey}`, 'utf8');
  for (const part of [date, region, service, 'aws4_request']) key = createHmac('sha256', key).update(part, 'utf8').digest();
  // A Map iterates in insertion order, so its first key is the oldest.
  if (signingKeys.size >= SIGNING_KEY_CACHE_SIZE) signingKeys.delete(signingKeys.keys().next().value as string);
  signingKeys.set(cacheKey, key);
  return key;
}
