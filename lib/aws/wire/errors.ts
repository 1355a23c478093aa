import type { WireResponse } from './types';

/** What the SDK's service exceptions carry and lib/aws/errors.ts reads: HTTP status, request id, attempts. */
export interface ResponseMetadata {
  readonly httpStatusCode: number;
  readonly requestId?: string;
  readonly attempts: number;
  readonly totalRetryDelay: number;
}

/**
 * An error AWS answered with. Shaped as SDK v3's exceptions are (`name` is the error code,
 * `$fault`, `$metadata`), so one classification (lib/aws/errors.ts) and every `isErrorNamed`
 * check work whichever client raised it.
 */
export class AwsServiceError extends Error {
  override readonly name: string;
  readonly $fault: 'client' | 'server';
  $metadata: ResponseMetadata;
  readonly service: string;
  readonly operation: string;
  /**
   * The error answer's members, as AWS sent them (JSON protocols): some errors carry data, as
   * DynamoDB's ConditionalCheckFailedException carries the `Item` it found when the request
   * asked for it (ReturnValuesOnConditionCheckFailure: ALL_OLD). The SDK put them on its exceptions.
   */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(init: { code: string; message: string; status: number; requestId?: string; service: string; operation: string; details?: Record<string, unknown> }) {
    super(init.message || init.code);
    this.name = init.code;
    this.$fault = init.status >= 500 ? 'server' : 'client';
    this.$metadata = { httpStatusCode: init.status, requestId: init.requestId, attempts: 1, totalRetryDelay: 0 };
    this.service = init.service;
    this.operation = init.operation;
    this.details = init.details ?? {};
  }
}

/** An answer that is not what the protocol promises (not JSON, not the XML expected). */
export class MalformedResponseError extends Error {
  override readonly name = 'MalformedResponseError';
}

export function requestIdOf(response: WireResponse): string | undefined {
  return response.headers['x-amzn-requestid'] ?? response.headers['x-amz-request-id'] ?? response.headers['x-amzn-request-id'];
}

/**
 * The error code of a JSON-protocol answer (awsJson1_0, awsJson1_1, restJson1): the
 * X-Amzn-Errortype header, else the body's `__type` or `code`, with any namespace
 * (`com.amazonaws.kms#`) and any suffix after `:` removed, as the Smithy protocols specify.
 */
export function jsonErrorCode(response: WireResponse, body: Record<string, unknown> | undefined): string {
  const raw = response.headers['x-amzn-errortype'] ?? (typeof body?.__type === 'string' ? body.__type : undefined) ?? (typeof body?.code === 'string' ? body.code : undefined);
  if (!raw) return response.status >= 500 ? 'InternalFailure' : `HTTP${response.status}`;
  const withoutSuffix = raw.split(':')[0] ?? raw;
  return withoutSuffix.slice(withoutSuffix.lastIndexOf('#') + 1).trim();
}

export function jsonErrorMessage(body: Record<string, unknown> | undefined): string {
  for (const key of ['message', 'Message', 'errorMessage']) {
    if (typeof body?.[key] === 'string') return body[key] as string;
  }
  return '';
}
