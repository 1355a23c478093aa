/** True when an SDK error is one of the named exceptions (each service names "not found" its own way). */
export function isErrorNamed(error: unknown, ...names: readonly string[]): boolean {
  const name = (error as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' && names.includes(name);
}

/** EventBridge's "no such bus / rule / statement". */
export const isEventBridgeNotFound = (error: unknown) => isErrorNamed(error, 'ResourceNotFoundException', 'ResourceNotFound');

/**
 * Throttling error names across the services the responder calls (the SDK's own retry
 * classification uses the same list: @smithy/service-error-classification), plus the wire codes of
 * the query services, which lib/aws/wire names errors by.
 */
const THROTTLING_NAMES = [
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  // awsQuery services answer with the wire code, not the SDK's modeled name: SNS sends `Throttled` (HTTP 429).
  'Throttled',
  'RequestThrottledException',
  'RequestThrottled',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'TransactionInProgressException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
  'LimitExceededException',
  'SlowDown',
  'PriorRequestNotComplete',
  'EC2ThrottledException',
];

/** Service-side failures that say "try again" whatever their HTTP status. */
const TRANSIENT_NAMES = [
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalError',
  'InternalFailure',
  'InternalServerError',
  'InternalServiceError',
  'InternalException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'KMSInternalException',
  'DependencyTimeoutException',
  'ConcurrentModificationException',
];

/** Node socket errors: the request may never have reached AWS. */
const NETWORK_CODES = ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH'];

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  $retryable?: { throttling?: boolean };
  $fault?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/** Throttling, by modeled trait, name or HTTP 429. */
export function isThrottling(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as SdkErrorShape;
  return e.$retryable?.throttling === true || e.$metadata?.httpStatusCode === 429 || (typeof e.name === 'string' && THROTTLING_NAMES.includes(e.name));
}

/**
 * Worth trying again later: throttling, 5xx, timeouts and network errors, or anything the
 * service models as retryable. The SDK clients already retried these (maxAttempts); one that
 * still fails means the invocation fails, so that Lambda's retries and then the DLQ keep the event.
 */
export function isTransient(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as SdkErrorShape;
  if (e.$retryable !== undefined || isThrottling(error)) return true;
  if (typeof e.name === 'string' && TRANSIENT_NAMES.includes(e.name)) return true;
  if (typeof e.code === 'string' && NETWORK_CODES.includes(e.code)) return true;
  // A socket error the SDK wrapped without its code ("AWS SDK error wrapper for Error: connect ECONNREFUSED ...").
  const message = (error as { message?: unknown }).message;
  if (typeof message === 'string' && NETWORK_CODES.some((code) => message.includes(code))) return true;
  const status = e.$metadata?.httpStatusCode;
  if (typeof status === 'number') return status >= 500;
  return e.$fault === 'server';
}

/**
 * Trying again cannot help: access denied, the resource is gone, the request is invalid (4xx
 * client errors), and any error that is not an AWS error at all (a bug, a refused remediation).
 * These end in a "remediation failed" alert naming the cause.
 */
export function isPermanent(error: unknown): boolean {
  return !isTransient(error);
}

/** The short cause an alert names: the error's name, plus its HTTP status when AWS answered. */
export function causeOf(error: unknown): string {
  const e = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape & { message?: unknown };
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const status = e.$metadata?.httpStatusCode;
  const message = typeof e.message === 'string' && e.message !== '' && e.message !== name ? `: ${e.message}` : '';
  return `${name}${typeof status === 'number' ? ` (HTTP ${status})` : ''}${message}`;
}
