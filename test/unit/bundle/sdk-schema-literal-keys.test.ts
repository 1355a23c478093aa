/**
 * The sdk-schema-literal-keys plugin (serverless/esbuild-plugins.cjs) rewrites computed keys of the
 * SDK's generated schema files so esbuild can drop the schemas a function does not use. It must
 * change the size of a bundle and nothing else: the rewrite itself on handwritten sources, every
 * export of the real schema files of the clients the functions use, and the size it saves.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import { literalSchemaKeys, pluginNamed, ROOT, scratchDir } from './build';
import { structuralDifference } from './structural-difference';

const schemaPlugin = pluginNamed('sdk-schema-literal-keys');

/** Runs a handwritten source (no imports) and returns the value it names. */
const evaluate = (source: string, name: string): unknown => new Function(`${source}\nreturn ${name};`)();

describe('literalSchemaKeys', () => {
  it('leaves a key whose constant is "__proto__" computed: as a literal key it would set the prototype', () => {
    // Prepare
    const source = 'const _p = "__proto__";\nconst s = { [_p]: { polluted: true } };';

    // Act
    const output = literalSchemaKeys(source);

    // Assess
    expect(output).toBe(source);
    expect(Object.keys(evaluate(output, 's') as object)).toEqual(['__proto__']);
  });

  it.each([
    ['a plain string', 'const _h = "http";\nconst s = { [_h]: ["POST", "/", 200] };', 'const s = { "http": ["POST", "/", 200] };'],
    ['a string with an escaped quote', 'const _q = "a\\"b";\nconst s = { [_q]: 1 };', 'const s = { "a\\"b": 1 };'],
    ['a string with escapes and a non-identifier character', 'const _e = "x\\n\\u00e9#y";\nconst s = { [_e]: 1 };', 'const s = { "x\\n\\u00e9#y": 1 };'],
    ['keys of nested objects', 'const _a = "a";\nconst _b = "b";\nconst s = [1, { [_a]: `A`,\n    [_b]: { [_a]: 0 } }];', 'const s = [1, { "a": `A`,\n    "b": { "a": 0 } }];'],
  ])('turns a computed key naming a string constant of the file into that literal: %s', (_, source, rewritten) => {
    // Act
    const output = literalSchemaKeys(source);

    // Assess: the text the plugin promises, and the same value as the source's.
    expect(output.split('\n').slice(-rewritten.split('\n').length).join('\n')).toBe(rewritten);
    expect(evaluate(output, 's')).toEqual(evaluate(source, 's'));
  });

  it.each([
    ['a let, not a const', 'let _x = "x";\nconst s = { [_x]: 1 };'],
    ['a template literal', 'const _x = `x`;\nconst s = { [_x]: 1 };'],
    ['an expression', 'const _y = "y";\nconst _x = _y + "z";\nconst s = { [_x]: 1 };'],
    ['a const inside a block (it may shadow)', 'function f() {\n  const _x = "x";\n  return { [_x]: 1 };\n}\nconst s = f();'],
    ['a name declared nowhere in the file', 'const s = ((_x) => ({ [_x]: 1 }))("x");'],
  ])('leaves a computed key alone when its name is not a string-literal const of the file: %s', (_, source) => {
    // Act
    const output = literalSchemaKeys(source);

    // Assess
    expect(output).toBe(source);
  });

  it.each([
    ['indexing', 'const _a = "a";\nconst x = { a: 1 };\nconst s = x[_a] + 1;'],
    ['indexing before a ternary', 'const _a = "a";\nconst x = { a: 1 };\nconst s = x[_a] ? 1 : 2;'],
    ['an array holding the constant', 'const _a = "a";\nconst s = [[_a], _a, [_a, [_a]]];'],
    ['indexing in a ternary written without a space', 'const _a = "a";\nconst x = { a: 1 };\nconst s = true ? x[_a]: 2;'],
  ])('leaves brackets that are not keys alone: %s', (_, source) => {
    // Act
    const output = literalSchemaKeys(source);

    // Assess
    expect(output).toBe(source);
  });
});

/** The @aws-sdk clients the project depends on, and each one's generated schema files. */
const CLIENT_SCHEMAS = Object.keys((JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies)
  .filter((name) => name.startsWith('@aws-sdk/client-'))
  .flatMap((client) => {
    const dir = path.join(ROOT, 'node_modules', client, 'dist-es', 'schemas');
    return readdirSync(dir)
      .filter((file) => /^schemas_\d+\.js$/.test(file))
      .map((file) => [`${client}/dist-es/schemas/${file}`, path.join(dir, file)] as const);
  });

describe('sdk-schema-literal-keys on the real SDK schemas', () => {
  const scratch = scratchDir('schema-literal-keys');
  afterAll(() => scratch.remove());

  /** Bundles one schema file to CommonJS (.cjs: jest loads it as it is) and loads it. */
  async function bundled(entry: string, name: string, plugins: BuildOptions['plugins']): Promise<Record<string, unknown>> {
    const outfile = path.join(scratch.dir, `${name}.cjs`);
    await build({ entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'cjs', mainFields: ['module', 'main'], absWorkingDir: ROOT, logLevel: 'error', plugins });
    return require(outfile) as Record<string, unknown>;
  }

  it('covers the clients the functions call', () => {
    // Assess: a client dropped from package.json would silently leave the comparison.
    const clients = new Set(CLIENT_SCHEMAS.map(([name]) => name.split('/dist-es/')[0]));
    for (const client of ['ec2', 'securityhub', 'ssm', 'kms', 'sns', 'iam', 'dynamodb', 'eventbridge', 'cloudtrail']) {
      expect(clients).toContain(`@aws-sdk/client-${client}`);
    }
  });

  it.each(CLIENT_SCHEMAS)('exports the same schemas from %s with and without the plugin', async (name, file) => {
    // Prepare
    const id = name.replace(/[^\w]+/g, '-');
    const plain = await bundled(file, `${id}-plain`, []);
    const rewritten = await bundled(file, `${id}-literal`, [schemaPlugin]);

    // Act
    const difference = structuralDifference(plain, rewritten);

    // Assess: the same exports (schemas, error registries), and the rewrite did apply.
    expect(Object.keys(rewritten).length).toBeGreaterThan(1);
    expect(difference).toBeUndefined();
    expect(readFileSync(path.join(scratch.dir, `${id}-literal.cjs`), 'utf8')).not.toMatch(/\[_\w+\]:/);
  });
});

describe('sdk-schema-literal-keys in a function-sized bundle', () => {
  const SCHEMAS_0 = 'node_modules/@aws-sdk/client-ec2/dist-es/schemas/schemas_0.js';

  /** Bytes of client-ec2's schemas_0.js in a minified bundle of one EC2 command, as the metafile counts them. */
  async function ec2SchemaBytes(plugins: BuildOptions['plugins']): Promise<number> {
    const result = await build({
      stdin: { contents: "export { EC2Client, DescribeVpcEndpointsCommand } from '@aws-sdk/client-ec2';", resolveDir: ROOT, loader: 'ts' },
      outfile: path.join(ROOT, 'out.js'),
      write: false,
      metafile: true,
      bundle: true,
      minify: true,
      mainFields: ['module', 'main'],
      platform: 'node',
      target: 'node22',
      format: 'cjs',
      absWorkingDir: ROOT,
      logLevel: 'error',
      plugins,
    });
    const inputs = Object.values(result.metafile.outputs)[0]!.inputs;
    const schemas = inputs[SCHEMAS_0];
    if (!schemas) throw new Error(`${SCHEMAS_0} is not in the bundle; inputs: ${Object.keys(inputs).filter((i) => i.includes('client-ec2')).join(', ')}`);
    return schemas.bytesInOutput;
  }

  it('keeps only the EC2 schemas one command needs (mechanism, not a performance target)', async () => {
    // Act
    const withoutPlugin = await ec2SchemaBytes([]);
    const withPlugin = await ec2SchemaBytes([schemaPlugin]);

    // Assess
    expect(withoutPlugin).toBeGreaterThan(400_000);
    expect(withPlugin).toBeLessThan(50_000);
  });
});
