// The credential chain of the function bundles, in place of @aws-sdk/credential-provider-node
// (serverless/esbuild-plugins.cjs substitutes it at bundle time): Lambda hands a function its
// role's credentials in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, and
// container-style runtimes through AWS_CONTAINER_CREDENTIALS_FULL_URI / _RELATIVE_URI. Profiles,
// SSO, credential processes and web identity have no place in a function and are left out.
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { fromHttp } from '@aws-sdk/credential-provider-http';
import { chain, memoize } from '@smithy/core/config';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

type Init = Parameters<typeof fromEnv>[0] & Parameters<typeof fromHttp>[0];

/** Refresh five minutes before expiry, as the SDK's own chain does. */
const REFRESH_MS = 5 * 60 * 1000;

/** Same name and shape as the SDK's `defaultProvider`, so the clients' runtime config takes it as is. */
export function defaultProvider(init: Init = {}): AwsCredentialIdentityProvider {
  return memoize(
    // fromHttp checks its environment when created: create it only when the variables are absent.
    chain(fromEnv(init), () => fromHttp(init)()),
    (credentials: AwsCredentialIdentity) => credentials.expiration !== undefined && credentials.expiration.getTime() - Date.now() < REFRESH_MS,
    (credentials: AwsCredentialIdentity) => credentials.expiration !== undefined,
  );
}
