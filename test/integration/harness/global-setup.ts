// jest globalSetup for the "integration" project: starts one moto server for the whole run.
// Tests reach it through process.env.MOTO_ENDPOINT (see ./aws.ts); the handle is kept on
// globalThis so that ./global-teardown.ts can stop it. Env vars set here are inherited by the
// jest workers, which are started after globalSetup.
import { startMoto, type MotoHandle } from './moto';

declare global {
  // eslint-disable-next-line no-var
  var __MOTO__: MotoHandle | undefined;
}

/**
 * Fake credentials and region so that no SDK client in a test can ever reach real AWS. Real credentials from
 * the developer's shell are overridden on purpose (not just "set if unset"): a client created
 * without the harness config would otherwise sign real requests. AWS_ENDPOINT_URL additionally
 * sends every SDK v3 client that has no explicit endpoint to moto.
 */
export function pinFakeAwsEnvironment(endpoint?: string): void {
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_DEFAULT_PROFILE;
  process.env.AWS_REGION = 'us-east-1'; // the region awsClientConfig() uses
  process.env.AWS_DEFAULT_REGION = 'us-east-1';
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  if (endpoint) process.env.AWS_ENDPOINT_URL = endpoint;
}

export default async function globalSetup(): Promise<void> {
  pinFakeAwsEnvironment();
  if (!globalThis.__MOTO__) {
    const started = Date.now();
    globalThis.__MOTO__ = await startMoto();
    if (process.env.MOTO_DEBUG) {
      // eslint-disable-next-line no-console
      console.log(`\nmoto server ready at ${globalThis.__MOTO__.endpoint} in ${Date.now() - started} ms`);
    }
  }
  process.env.MOTO_ENDPOINT = globalThis.__MOTO__.endpoint;
  pinFakeAwsEnvironment(globalThis.__MOTO__.endpoint);
}
