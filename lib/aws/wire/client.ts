import { isThrottling, isTransient } from '../errors';
import { defaultProvider } from '../lambda-credentials';
import { resolveEndpoint, type ResolvedEndpoint, type ServiceAddress } from './endpoint';
import { AwsServiceError } from './errors';
import { nodeHttpSend } from './http';
import { signRequest } from './sigv4';
import type { CredentialProvider, HttpSend, WireRequest, WireResponse } from './types';

/**
 * How every call is made: retries, timeouts, credentials, region, transport. The values are
 * those the SDK clients were configured with (5 attempts; 2 s to connect, 4 s per request):
 * worst case 5 x 4 s plus backoff stays within the responder's 30 s timeout.
 */
export interface WireConfig {
  readonly region: () => string;
  readonly credentials: CredentialProvider;
  readonly send: HttpSend;
  readonly maxAttempts: number;
  readonly timeouts: { readonly connectMs: number; readonly requestMs: number };
  readonly env: NodeJS.ProcessEnv;
  /** An endpoint for every service (the sweep CLI's --endpoint); else AWS_ENDPOINT_URL[_<SERVICE>], else AWS's. */
  readonly endpoint?: string;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
  readonly now: () => Date;
}

export class RegionMissingError extends Error {
  override readonly name = 'RegionMissingError';
}

/** Retry backoff as SDK v3's standard strategy: full jitter, 100 ms base (500 ms when throttled), 20 s cap. */
const BASE_DELAY_MS = 100;
const THROTTLED_BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 20_000;

/**
 * The configuration of the functions' calls, from their environment. DRIFT_SDK_REQUEST_TIMEOUT_MS
 * shortens the request timeout (tests). Credentials: the Lambda chain (lib/aws/lambda-credentials.ts:
 * environment, then the container endpoint); the command line passes the SDK's full chain
 * (profiles, SSO) as `credentials`.
 */
export function wireConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<WireConfig> = {}): WireConfig {
  const override = Number(env.DRIFT_SDK_REQUEST_TIMEOUT_MS);
  const requestMs = Number.isInteger(override) && override > 0 ? override : 4_000;
  return {
    region: () => {
      const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
      if (!region) throw new RegionMissingError('no AWS region: set AWS_REGION');
      return region;
    },
    credentials: defaultProvider(),
    send: nodeHttpSend,
    maxAttempts: 5,
    timeouts: { connectMs: Math.min(requestMs, 2_000), requestMs },
    env,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    random: Math.random,
    now: () => new Date(),
    ...overrides,
  };
}

/** One service as the transport sees it: where it is, and how its answers say "error". */
export interface ServiceTransport extends ServiceAddress {
  readonly errorOf: (response: WireResponse, operation: string) => AwsServiceError;
}

/**
 * Sends one operation: resolves the endpoint, signs each attempt afresh (credentials may have
 * been refreshed, the date moves on), retries what lib/aws/errors.ts calls transient with
 * backoff, and throws the last error with the attempts it took in `$metadata`.
 */
export async function exchange(
  service: ServiceTransport,
  operation: string,
  config: WireConfig,
  build: (endpoint: URL) => Omit<WireRequest, 'url'> & { url?: URL; path?: string },
): Promise<WireResponse> {
  const endpoint: ResolvedEndpoint = resolveEndpoint(service, config.region(), config.env, config.endpoint);
  let totalRetryDelay = 0;
  for (let attempt = 1; ; attempt += 1) {
    let failure: unknown;
    try {
      const { path, url, ...rest } = build(endpoint.url);
      const request: WireRequest = { ...rest, url: url ?? joinPath(endpoint.url, path ?? '/') };
      const credentials = await config.credentials();
      const signed = signRequest(request, { credentials, region: endpoint.signingRegion, service: service.signingName, now: config.now() });
      const response = await config.send(signed, config.timeouts);
      if (response.status >= 200 && response.status < 300) return response;
      failure = service.errorOf(response, operation);
    } catch (error) {
      failure = error;
    }
    if (failure instanceof AwsServiceError) failure.$metadata = { ...failure.$metadata, attempts: attempt, totalRetryDelay };
    if (attempt >= config.maxAttempts || !isTransient(failure)) throw failure;
    const cap = Math.min(MAX_DELAY_MS, (isThrottling(failure) ? THROTTLED_BASE_DELAY_MS : BASE_DELAY_MS) * 2 ** (attempt - 1));
    const delay = Math.floor(config.random() * cap);
    totalRetryDelay += delay;
    await config.sleep(delay);
  }
}

/** The endpoint's path (an emulator may sit under one) joined with the operation's path and query. */
function joinPath(endpoint: URL, path: string): URL {
  const base = endpoint.pathname.replace(/\/+$/, '');
  const url = new URL(endpoint.href);
  const [pathname, query] = path.split('?', 2) as [string, string | undefined];
  url.pathname = `${base}${pathname}` || '/';
  url.search = query ? `?${query}` : '';
  return url;
}
