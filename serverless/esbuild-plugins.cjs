// esbuild plugins for the function bundles (custom.esbuild.plugins in serverless.yml). Both make the
// bundles smaller and their cold start shorter without changing what the code does; the tests in
// test/unit/bundle/ prove it (same schemas, same credentials) and bench/run.ts measures the result.
const { readFile } = require('node:fs/promises');
const path = require('node:path');

/**
 * SDK v3 clients describe every operation of their service in one generated schemas file. Their
 * traits are object literals with computed keys (`{ [_h]: ["POST", "/", 200] }`, `_h` a string
 * constant of the same file), and esbuild cannot prove a computed key free of side effects, so it
 * keeps every schema: a client whose function calls one command carries the whole service (EC2:
 * 540 KB minified). Rewriting each such key to the string its constant holds gives the same object
 * (the constants are module-level `const` strings) and lets esbuild drop the unused schemas.
 * A key whose constant is not a plain string literal of the file is left as it is.
 */
const SCHEMA_FILE = /[\\/]@aws-sdk[\\/][^\\/]+[\\/]dist-es[\\/](?:.*[\\/])?schemas[\\/]schemas_\d+\.js$/;

function literalSchemaKeys(source) {
  const constants = new Map();
  for (const m of source.matchAll(/^const (_\w+) = ("(?:[^"\\\n]|\\.)*");$/gm)) constants.set(m[1], m[2]);
  // Only keys of object literals (after `{` or `,`), so `c ? x[_a]: y` is left alone; and never
  // "__proto__", which as a literal key sets the prototype instead of making a property.
  return source.replace(/([{,]\s*)\[(_\w+)\]:/g, (key, before, name) =>
    constants.has(name) && constants.get(name) !== '"__proto__"' ? `${before}${constants.get(name)}:` : key,
  );
}

const sdkSchemaLiteralKeys = {
  name: 'sdk-schema-literal-keys',
  setup(build) {
    build.onLoad({ filter: SCHEMA_FILE }, async (args) => ({ contents: literalSchemaKeys(await readFile(args.path, 'utf8')), loader: 'js' }));
  },
};

/**
 * The SDK's default credential chain (@aws-sdk/credential-provider-node) bundles SSO, profiles,
 * credential processes, web identity and their nested STS/SSO clients (~100 KB minified). A Lambda
 * function gets its role's credentials from environment variables (or, on container-style
 * runtimes, the container credentials endpoint): lib/aws/lambda-credentials.ts is that chain.
 * Only the function bundles use it; the CLI (bin/) keeps the SDK's full chain.
 */
const LAMBDA_CREDENTIALS = path.join(__dirname, '..', 'lib', 'aws', 'lambda-credentials.ts');
const lambdaCredentials = {
  name: 'lambda-credentials',
  setup(build) {
    build.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, () => ({ path: LAMBDA_CREDENTIALS }));
  },
};

module.exports = [sdkSchemaLiteralKeys, lambdaCredentials];
module.exports.literalSchemaKeys = literalSchemaKeys;
module.exports.LAMBDA_CREDENTIALS = LAMBDA_CREDENTIALS;
