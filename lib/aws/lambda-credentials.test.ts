/**
 * lib/aws/lambda-credentials.ts is the functions' credential chain (the default of
 * lib/aws/wire/client.ts wireConfig). It must give a function the credentials Lambda gives it: environment variables first, then the container
 * credentials endpoint, memoized until five minutes before they expire, and it must not fail
 * before it is asked (an eager chain once threw while the clients were being constructed).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultProvider } from './lambda-credentials';

/** Every variable the chain reads, so a developer's or CI's own credentials cannot leak in. */
const CREDENTIAL_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_CREDENTIAL_EXPIRATION',
  'AWS_CREDENTIAL_SCOPE',
  'AWS_ACCOUNT_ID',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
];

const MINUTE = 60_000;

/**
 * A container credentials endpoint on the loopback interface (fromHttp accepts plain http only
 * there and on the ECS/EKS link-local hosts). Each request gets the next key id, so a test can
 * tell fresh credentials from memoized ones.
 */
interface CredentialsEndpoint {
  url: string;
  requests: IncomingHttpHeaders[];
  expiration: Date;
  close(): Promise<void>;
}

async function credentialsEndpoint(expiration: Date): Promise<CredentialsEndpoint> {
  const requests: IncomingHttpHeaders[] = [];
  const endpoint = { requests, expiration } as CredentialsEndpoint;
  const server: Server = createServer((request, response) => {
    requests.push(request.headers);
    response.writeHead(200, { 'content-type': 'application/json' });
    // The body fromHttp requires (credential-provider-http requestHelpers.js getCredentials).
    response.end(
      JSON.stringify({
        AccessKeyId: `ASIACONTAINER${requests.length}`,
        SecretAccessKey: `container-secret-${requests.length}`,
        Token: `container-token-${requests.length}`,
        Expiration: endpoint.expiration.toISOString(),
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/credentials/test`;
  endpoint.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return endpoint;
}

// Each test starts from an environment without credentials and leaves process.env as it found it.
let saved: NodeJS.ProcessEnv;
let endpoint: CredentialsEndpoint | undefined;

beforeEach(() => {
  saved = { ...process.env };
  for (const name of CREDENTIAL_VARIABLES) delete process.env[name];
});

afterEach(async () => {
  jest.restoreAllMocks();
  await endpoint?.close();
  endpoint = undefined;
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  Object.assign(process.env, saved);
});

describe('defaultProvider', () => {
  /** Starts the endpoint and points AWS_CONTAINER_CREDENTIALS_FULL_URI at it, as a container runtime does. */
  async function containerRuntime(expiration = new Date(Date.now() + 60 * MINUTE)): Promise<CredentialsEndpoint> {
    endpoint = await credentialsEndpoint(expiration);
    process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI = endpoint.url;
    process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN = 'container-authorization-token';
    return endpoint;
  }

  it("returns the role's credentials Lambda puts in the environment", async () => {
    // Prepare
    process.env.AWS_ACCESS_KEY_ID = 'ASIAENVIRONMENT';
    process.env.AWS_SECRET_ACCESS_KEY = 'environment-secret';
    process.env.AWS_SESSION_TOKEN = 'environment-token';

    // Act
    const credentials = await defaultProvider()();

    // Assess
    expect(credentials).toMatchObject({ accessKeyId: 'ASIAENVIRONMENT', secretAccessKey: 'environment-secret', sessionToken: 'environment-token' });
  });

  it('prefers the environment to the container endpoint', async () => {
    // Prepare
    const server = await containerRuntime();
    process.env.AWS_ACCESS_KEY_ID = 'ASIAENVIRONMENT';
    process.env.AWS_SECRET_ACCESS_KEY = 'environment-secret';

    // Act
    const credentials = await defaultProvider()();

    // Assess
    expect(credentials.accessKeyId).toBe('ASIAENVIRONMENT');
    expect(server.requests).toHaveLength(0);
  });

  it('fetches the credentials from the container endpoint when the environment has none', async () => {
    // Prepare
    const server = await containerRuntime(new Date('2099-01-01T00:00:00Z'));

    // Act
    const credentials = await defaultProvider()();

    // Assess: the endpoint's credentials, asked for with the runtime's authorization token.
    expect(credentials).toMatchObject({
      accessKeyId: 'ASIACONTAINER1',
      secretAccessKey: 'container-secret-1',
      sessionToken: 'container-token-1',
      expiration: new Date('2099-01-01T00:00:00Z'),
    });
    expect(server.requests.map((headers) => headers.authorization)).toEqual(['container-authorization-token']);
  });

  it('is created without error where there are no credentials, and rejects only when asked', async () => {
    // Act
    const create = () => defaultProvider();

    // Assess
    expect(create).not.toThrow();
    await expect(create()()).rejects.toMatchObject({ name: 'CredentialsProviderError' });
  });

  it('reads the authorization token from AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (EKS Pod Identity)', async () => {
    // Prepare
    const server = await containerRuntime(new Date('2099-01-01T00:00:00Z'));
    delete process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN;
    const dir = mkdtempSync(path.join(tmpdir(), 'token-'));
    writeFileSync(path.join(dir, 'token'), 'token-from-file\n');
    process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE = path.join(dir, 'token');

    // Act
    await defaultProvider()();

    // Assess
    expect(server.requests.map((headers) => headers.authorization)).toEqual(['token-from-file']);
  });

  it('refuses a plain-http credentials endpoint on a host that is not a container host', async () => {
    // Prepare
    process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI = 'http://credentials.example.com/creds';

    // Act, Assess
    await expect(defaultProvider()()).rejects.toMatchObject({ name: 'CredentialsProviderError', message: expect.stringContaining('must be https') });
  });

  it('tries a failing endpoint three times, then says why', async () => {
    // Prepare
    const failing = createServer((_request, response) => {
      failures += 1;
      response.writeHead(500);
      response.end('busy');
    });
    let failures = 0;
    await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
    process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI = `http://127.0.0.1:${(failing.address() as AddressInfo).port}/creds`;

    // Act
    const error = await defaultProvider()().catch((e: unknown) => e);
    failing.closeAllConnections();
    await new Promise((resolve) => failing.close(resolve));

    // Assess
    expect(failures).toBe(3);
    expect(error).toMatchObject({ name: 'CredentialsProviderError', message: expect.stringContaining('HTTP 500: busy') });
  });

  it.each([
    ['keeps credentials that have more than five minutes left', 54, 1, 'ASIACONTAINER1'],
    ['refreshes credentials that have less than five minutes left', 56, 2, 'ASIACONTAINER2'],
  ])('%s', async (_, minutesLater, requests, accessKeyId) => {
    // Prepare: credentials valid for an hour, then the clock moved on.
    const start = Date.now();
    const server = await containerRuntime(new Date(start + 60 * MINUTE));
    const provider = defaultProvider();
    await provider();
    server.expiration = new Date(start + 120 * MINUTE);
    jest.spyOn(Date, 'now').mockReturnValue(start + minutesLater * MINUTE);

    // Act
    const credentials = await provider();

    // Assess
    expect(server.requests).toHaveLength(requests);
    expect(credentials.accessKeyId).toBe(accessKeyId);
  });
});
