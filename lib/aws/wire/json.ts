import { exchange, type ServiceTransport, type WireConfig } from './client';
import type { ServiceAddress } from './endpoint';
import { AwsServiceError, MalformedResponseError, jsonErrorCode, jsonErrorMessage, requestIdOf } from './errors';
import { rfc3986 } from './rfc3986';
import type { WireResponse } from './types';

/** A service of the awsJson1_0 / awsJson1_1 protocols: every operation is a POST to / named by X-Amz-Target. */
export interface JsonServiceSpec extends ServiceAddress {
  /** `AWSEvents` in X-Amz-Target: AWSEvents.PutPermission. */
  readonly targetPrefix: string;
  readonly jsonVersion: '1.0' | '1.1';
}

/** A service of the restJson1 protocol: operations are HTTP methods on paths. */
export type RestJsonServiceSpec = ServiceAddress;

export interface JsonService {
  /** Calls one operation with its input as the API reference names it; resolves to its output, as JSON. */
  call<Output = Record<string, unknown>>(operation: string, input?: object): Promise<Output>;
}

export interface RestJsonRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  /** The path with its labels already in it: build it with `restPath`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly body?: object;
  /** Input members bound to headers (Lambda Invoke's X-Amz-Invocation-Type); names as the API reference spells them. */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface RestJsonService {
  call<Output = Record<string, unknown>>(operation: string, request: RestJsonRequest): Promise<Output>;
}

function parseJsonBody(response: WireResponse, service: string, operation: string): Record<string, unknown> {
  if (response.body.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(response.body);
    // An operation without output may answer JSON `null` (moto does for KMS EnableKey,
    // EnableKeyRotation, PutKeyPolicy): the SDK reads that as an empty output, and so do we.
    if (parsed === null) return {};
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new MalformedResponseError(`${service} ${operation}: HTTP ${response.status} answer is not a JSON object: ${response.body.slice(0, 200)}`);
}

function jsonErrorOf(signingName: string) {
  return (response: WireResponse, operation: string): AwsServiceError => {
    let body: Record<string, unknown> | undefined;
    try {
      body = parseJsonBody(response, signingName, operation);
    } catch {
      body = undefined; // a proxy's HTML error page: the status still classifies it
    }
    return new AwsServiceError({
      code: jsonErrorCode(response, body),
      message: jsonErrorMessage(body),
      status: response.status,
      requestId: requestIdOf(response),
      service: signingName,
      operation,
      details: body,
    });
  };
}

export function jsonService(spec: JsonServiceSpec, config: WireConfig): JsonService {
  const transport: ServiceTransport = { ...spec, errorOf: jsonErrorOf(spec.signingName) };
  const contentType = `application/x-amz-json-${spec.jsonVersion}`;
  return {
    async call<Output>(operation: string, input: object = {}): Promise<Output> {
      const body = JSON.stringify(input);
      const response = await exchange(transport, operation, config, () => ({
        method: 'POST',
        path: '/',
        headers: { 'content-type': contentType, 'x-amz-target': `${spec.targetPrefix}.${operation}` },
        body,
      }));
      return parseJsonBody(response, spec.signingName, operation) as Output;
    },
  };
}

/** One path label or query value, encoded as AWS encodes them (everything but the unreserved characters). */
export const encodeLabel = rfc3986;

/** A path from a template and its labels: restPath`/2015-03-31/functions/${name}/policy`. */
export function restPath(strings: TemplateStringsArray, ...labels: string[]): string {
  return strings.reduce((path, part, i) => path + part + (i < labels.length ? encodeLabel(labels[i] as string) : ''), '');
}

export function restJsonService(spec: RestJsonServiceSpec, config: WireConfig): RestJsonService {
  const transport: ServiceTransport = { ...spec, errorOf: jsonErrorOf(spec.signingName) };
  return {
    async call<Output>(operation: string, request: RestJsonRequest): Promise<Output> {
      const query = Object.entries(request.query ?? {})
        .flatMap(([name, value]) => (value === undefined ? [] : (Array.isArray(value) ? value : [value]).map((v: string) => `${encodeLabel(name)}=${encodeLabel(v)}`)))
        .join('&');
      const hasBody = request.body !== undefined;
      const response = await exchange(transport, operation, config, () => ({
        method: request.method,
        path: query ? `${request.path}?${query}` : request.path,
        headers: {
          ...(hasBody ? { 'content-type': 'application/json' } : {}),
          ...Object.fromEntries(Object.entries(request.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value])),
        },
        body: hasBody ? JSON.stringify(request.body) : '',
      }));
      return parseJsonBody(response, spec.signingName, operation) as Output;
    },
  };
}
