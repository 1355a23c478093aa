/**
 * The functions call AWS through lib/aws/wire, not SDK v3: one SDK v3 client alone costs a
 * function 2.3 x an empty handler's cold start (README, Benchmarks). Every function of
 * serverless.yml, built as serverless-esbuild builds it, must hold no module of the SDK's
 * runtime (@aws-sdk/*, @smithy/*). Type-only imports of SDK types are fine: they vanish.
 */
import path from 'node:path';
import { build } from 'esbuild';
import { functionBuildOptions, ROOT, scratchDir, serverlessFunctions } from './build';

jest.setTimeout(60_000);

const functions = serverlessFunctions().map(({ name, entry }) => [name, entry] as const);

describe('the function bundles', () => {
  const scratch = scratchDir('no-sdk-runtime');
  afterAll(() => scratch.remove());

  it('are every function serverless.yml declares', () => {
    expect(functions.map(([name]) => name).sort()).toEqual(['alertDigest', 'responder', 'slackNotifier', 'snapshot', 'sweep']);
  });

  it.each(functions)('%s holds no module of the AWS SDK runtime', async (name, entry) => {
    // Act
    const result = await build({
      ...functionBuildOptions(),
      entryPoints: [path.join(ROOT, entry)],
      outfile: path.join(scratch.dir, `${name}.js`),
      absWorkingDir: ROOT,
      metafile: true,
      logLevel: 'error',
    });

    // Assess
    const sdkModules = Object.keys(result.metafile.inputs).filter((input) => /node_modules\/@(aws-sdk|smithy)\//.test(input));
    expect(sdkModules).toEqual([]);
  });
});
