// jest globalTeardown for the "integration" project: stops the moto server from global-setup.ts.
import './global-setup'; // for the globalThis.__MOTO__ declaration

export default async function globalTeardown(): Promise<void> {
  const moto = globalThis.__MOTO__;
  globalThis.__MOTO__ = undefined;
  delete process.env.MOTO_ENDPOINT;
  delete process.env.AWS_ENDPOINT_URL;
  if (moto) await moto.stop();
}
