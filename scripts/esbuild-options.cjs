'use strict';
// The esbuild options serverless-esbuild builds each function with (serverless.yml custom.esbuild),
// for what builds function bundles outside `serverless package`: the
// benchmark's reference bundles (bench/run.ts) and the tests of the bundled functions. One place
// reads them, so those bundles are built the way the deployed ones are.
const fs = require('node:fs');
const path = require('node:path');
const { parse } = require('yaml');

const ROOT = path.resolve(__dirname, '..');

/** Keys serverless-esbuild consumes itself rather than passing to esbuild. */
const SERVERLESS_ESBUILD_ONLY = ['exclude', 'packager', 'packagePath', 'installExtraArgs', 'watch', 'keepOutputDirectory', 'nativeZip', 'outputWorkFolder', 'outputBuildFolder', 'concurrency', 'zipConcurrency', 'skipBuild', 'skipRebuild', 'disableIncremental', 'outputFileExtension', 'nodeExternals', 'packagerOptions', 'stripEntryResolveExtensions', 'skipBuildExcludeFns', 'disposeContext', 'plugins'];

function functionBuildOptions() {
  const config = parse(fs.readFileSync(path.join(ROOT, 'serverless.yml'), 'utf8'), { logLevel: 'error' });
  const esbuild = config?.custom?.esbuild;
  if (!esbuild) throw new Error('serverless.yml has no custom.esbuild');
  // serverless.yml names no esbuild plugins: a bundle built from these options is the deployed one.
  if (esbuild.plugins) throw new Error('serverless.yml custom.esbuild.plugins is set: load them here too, or the tests and the benchmark build other bundles than the deployment');
  return Object.fromEntries(Object.entries(esbuild).filter(([key]) => !SERVERLESS_ESBUILD_ONLY.includes(key)));
}

module.exports = { functionBuildOptions };
