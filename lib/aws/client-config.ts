/**
 * The configuration every SDK client of the functions is built with. The SDK retries
 * throttling, 5xx, timeouts and network errors with exponential backoff (adaptive mode adds
 * client-side rate limiting after throttling), up to 5 attempts. Requests that hang are cut
 * off: without a timeout a stalled connection would hold the invocation until Lambda kills it,
 * where a timed-out attempt is retried and, if all fail, the invocation fails cleanly (Lambda
 * retries it, then the DLQ keeps the event). Worst case 5 x 4 s plus backoff stays within the
 * responder's 30 s timeout. DRIFT_SDK_REQUEST_TIMEOUT_MS overrides the request timeout (tests).
 */
export function sdkClientConfig(env: NodeJS.ProcessEnv = process.env) {
  const override = Number(env.DRIFT_SDK_REQUEST_TIMEOUT_MS);
  const requestTimeout = Number.isInteger(override) && override > 0 ? override : 4_000;
  return {
    maxAttempts: 5,
    retryMode: 'adaptive' as const,
    // throwOnRequestTimeout: without it this SDK version only logs a warning and keeps waiting.
    requestHandler: { connectionTimeout: Math.min(requestTimeout, 2_000), requestTimeout, throwOnRequestTimeout: true },
  };
}
