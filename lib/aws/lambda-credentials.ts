// The functions' credential chain (the default of lib/aws/wire/client.ts wireConfig): Lambda hands a function its
// role's credentials in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, and
// container-style runtimes (SnapStart, ECS, EKS Pod Identity) through the container credentials
// endpoint, AWS_CONTAINER_CREDENTIALS_FULL_URI / _RELATIVE_URI. Profiles, SSO, credential
// processes and web identity have no place in a function and are left out. Written on node:http
// alone: the SDK's providers would bring its runtime back into every bundle.
// node:fs, not node:fs/promises: the functions load node:fs already (the policy), fs/promises costs ~2 ms of cold start.
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AwsCredentials, CredentialProvider } from './wire/types';

/** Refresh five minutes before expiry, as the SDK's own chain does. */
const REFRESH_MS = 5 * 60 * 1000;
/** The container endpoint is local: a second is plenty, three tries ride out a restart (the SDK's fromHttp defaults). */
const ENDPOINT_TIMEOUT_MS = 1_000;
const ENDPOINT_ATTEMPTS = 3;
/** Where ECS puts the endpoint a RELATIVE_URI is relative to. */
const ECS_HOST = 'http://169.254.170.2';
/** Plain http is accepted only to the hosts a container runtime serves credentials from (as the SDK's fromHttp). */
const PLAIN_HTTP_HOSTS = new Set(['169.254.170.2', '169.254.170.23', '[fd00:ec2::23]', 'localhost']);

/** Named as the SDK names it: "no credentials here", so a chain tries the next source. */
export class CredentialsProviderError extends Error {
  override readonly name = 'CredentialsProviderError';
}

function fromEnvironment(env: NodeJS.ProcessEnv): AwsCredentials | undefined {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) return undefined;
  const expiration = env.AWS_CREDENTIAL_EXPIRATION ? new Date(env.AWS_CREDENTIAL_EXPIRATION) : undefined;
  return { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN || undefined, expiration: expiration && !Number.isNaN(expiration.getTime()) ? expiration : undefined };
}

function isLoopback(hostname: string): boolean {
  return /^127\.\d+\.\d+\.\d+$/.test(hostname) || hostname === '[::1]' || PLAIN_HTTP_HOSTS.has(hostname);
}

function containerEndpoint(env: NodeJS.ProcessEnv): URL | undefined {
  const full = env.AWS_CONTAINER_CREDENTIALS_FULL_URI;
  const relative = env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI;
  if (!full && !relative) return undefined;
  const url = new URL(full ?? `${ECS_HOST}${relative}`);
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
    throw new CredentialsProviderError(`container credentials endpoint ${url.host} must be https, or a loopback or container host`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CredentialsProviderError(`container credentials endpoint must be http(s): ${url.protocol}`);
  return url;
}

function authorizationOf(env: NodeJS.ProcessEnv): string | undefined {
  // A token file of a few bytes on local disk, read when credentials are fetched (rarely).
  if (env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE) return readFileSync(env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, 'utf8').trim();
  return env.AWS_CONTAINER_AUTHORIZATION_TOKEN;
}

function get(url: URL, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? https : http).get(url, { headers, timeout: ENDPOINT_TIMEOUT_MS }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    request.on('timeout', () => request.destroy(new Error(`container credentials endpoint ${url.host}: no answer within ${ENDPOINT_TIMEOUT_MS} ms`)));
    request.on('error', reject);
  });
}

async function fromContainerEndpoint(url: URL, env: NodeJS.ProcessEnv): Promise<AwsCredentials> {
  const authorization = authorizationOf(env);
  let lastError: unknown;
  for (let attempt = 1; attempt <= ENDPOINT_ATTEMPTS; attempt += 1) {
    try {
      const { status, body } = await get(url, authorization ? { authorization } : {});
      if (status !== 200) throw new Error(`HTTP ${status}: ${body.slice(0, 200)}`);
      const parsed = JSON.parse(body) as { AccessKeyId?: unknown; SecretAccessKey?: unknown; Token?: unknown; Expiration?: unknown };
      if (typeof parsed.AccessKeyId !== 'string' || typeof parsed.SecretAccessKey !== 'string' || typeof parsed.Token !== 'string' || typeof parsed.Expiration !== 'string') {
        throw new CredentialsProviderError('container credentials endpoint answered without AccessKeyId, SecretAccessKey, Token and Expiration');
      }
      return { accessKeyId: parsed.AccessKeyId, secretAccessKey: parsed.SecretAccessKey, sessionToken: parsed.Token, expiration: new Date(parsed.Expiration) };
    } catch (error) {
      if (error instanceof CredentialsProviderError) throw error;
      lastError = error;
    }
  }
  throw new CredentialsProviderError(`container credentials endpoint ${url.host} failed ${ENDPOINT_ATTEMPTS} times: ${(lastError as Error)?.message ?? lastError}`);
}

/**
 * Creating it never fails (clients are built at cold start); asking it rejects with
 * CredentialsProviderError when there are no credentials. Memoized until five minutes before expiry.
 */
export function defaultProvider(env: NodeJS.ProcessEnv = process.env): CredentialProvider {
  let cached: Promise<AwsCredentials> | undefined;
  const resolve = async (): Promise<AwsCredentials> => {
    const fromEnv = fromEnvironment(env);
    if (fromEnv) return fromEnv;
    const endpoint = containerEndpoint(env);
    if (!endpoint) throw new CredentialsProviderError('no credentials: neither AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY nor a container credentials endpoint is set');
    return fromContainerEndpoint(endpoint, env);
  };
  return async () => {
    const current = await cached?.catch(() => undefined);
    if (current && (current.expiration === undefined || current.expiration.getTime() - Date.now() >= REFRESH_MS)) return current;
    cached = resolve();
    return cached;
  };
}
