/**
 * lib/runtime/lazy-stream-web.cjs, which the function bundles get in place of node:stream/web
 * (serverless.yml custom.esbuild.alias): the same members as node:stream/web, loaded on first use
 * instead of at cold start.
 */
import path from 'node:path';
import { build } from 'esbuild';
import { functionBuildOptions, ROOT, scratchDir } from './build';
import { moduleLoads } from './module-loads';

jest.setTimeout(60_000);

const SHIM = path.join(ROOT, 'lib/runtime/lazy-stream-web.cjs');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const streamWeb = require('node:stream/web') as Record<string, unknown>;

describe('the lazy stream/web shim', () => {
  it('exports every member of node:stream/web, each the very object node:stream/web exports', () => {
    // Act
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const shim = require(SHIM) as Record<string, unknown>;

    // Assess: the member list is the running Node's, and no getter hands out anything else.
    expect(Object.keys(shim).sort()).toEqual(Object.keys(streamWeb).sort());
    expect(Object.keys(streamWeb).filter((name) => shim[name] !== streamWeb[name])).toEqual([]);
    expect(shim.ReadableStream).toBe(streamWeb.ReadableStream);
  });

  it('does not load stream/web when required, and loads it when ReadableStream is first read', () => {
    // Act
    const loads = moduleLoads(SHIM, {}, 'ReadableStream');

    // Assess: the second half shows the probe sees stream/web when it is loaded.
    expect(loads.onRequire).not.toContain('stream/web');
    expect(loads.onRead).toContain('stream/web');
  });
});

describe('a middy handler built with the functions\' esbuild options (serverless.yml custom.esbuild)', () => {
  const scratch = scratchDir('lazy-stream-web');
  const bundle = path.join(scratch.dir, 'handler.js');
  let inputs: string[];

  beforeAll(async () => {
    // Prepare: what functions/*.ts do (a middy handler), and node:stream/web's ReadableStream passed
    // through, to see what the bundle's import of it became.
    const result = await build({
      ...functionBuildOptions(),
      stdin: {
        contents: `import middy from '@middy/core';
export { ReadableStream } from 'node:stream/web';
export const handler = middy().handler(async (event: { n: number }) => ({ doubled: event.n * 2 }));`,
        resolveDir: ROOT,
        sourcefile: 'middy-handler.ts',
        loader: 'ts',
      },
      outfile: bundle,
      absWorkingDir: ROOT,
      metafile: true,
      logLevel: 'error',
    });
    inputs = Object.keys(result.metafile.inputs);
  });
  afterAll(() => scratch.remove());

  it('gets the shim for node:stream/web', () => {
    // Assess
    expect(inputs).toContain('lib/runtime/lazy-stream-web.cjs');
    expect(inputs).toContain('node_modules/@middy/core/index.js');
  });

  it('does not load stream/web when required, and loads it when ReadableStream is first read', () => {
    // Act: a stack overflow here would be the shim requiring itself through the alias (node: prefix).
    const loads = moduleLoads(bundle, {}, 'ReadableStream');

    // Assess
    expect(loads.exports).toEqual(expect.arrayContaining(['handler', 'ReadableStream']));
    expect(loads.onRequire).not.toContain('stream/web');
    expect(loads.onRead).toContain('stream/web');
  });

  it('still runs the handler, and its ReadableStream is node:stream/web\'s', async () => {
    // Prepare
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const loaded = require(bundle) as { handler(event: unknown, context: unknown): Promise<unknown>; ReadableStream: unknown };

    // Act
    const response = await loaded.handler({ n: 21 }, { getRemainingTimeInMillis: () => 30_000 });

    // Assess
    expect(response).toEqual({ doubled: 42 });
    expect(loaded.ReadableStream).toBe(streamWeb.ReadableStream);
  });
});
