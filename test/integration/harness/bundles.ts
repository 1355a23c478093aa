// The deployed artifact of a function, built and run outside jest: the esbuild bundle the package
// step makes, laid out as in the function's zip, invoked in a fresh node process with only the
// environment Lambda gives it. What the other integration tests (functions/*.ts through swc) cannot
// see: the bundling (tree shaking, "sideEffects": false, no SDK runtime), the shipped policy.json, and
// that the bundle brings everything it needs.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import ts from 'typescript';
import { controlIds } from '../../../lib/controls/registry';
import { policyAsJson } from '../../../lib/policy/load';
import { policyDigest } from '../../../lib/policy/shipped';
import { SHIPPED_POLICY } from '../../../lib/policy/shipped-path';
import type { FunctionName } from './functions';

const ROOT = path.resolve(__dirname, '../../..');

// serverless.yml custom.esbuild without serverless-esbuild's own keys (scripts/esbuild-options.cjs):
// one reader for every build made outside `serverless package` (bench/run.ts too).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { functionBuildOptions } = require('../../../scripts/esbuild-options.cjs') as { functionBuildOptions(): BuildOptions };

/**
 * Builds functions/<fn>.ts as the package step does and lays it out as its zip: a fresh folder (the
 * task root) holding functions/<fn>.js and policy.json, `policyYaml` converted and validated as the
 * package step converts the policy file (lib/policy/load.ts policyAsJson), and the digest the package
 * step records for it.
 *
 * Why not `serverless package`: it works in the shared .esbuild/ folder, where a concurrent package
 * (the stack test) would race with it. This is the same build: serverless-esbuild runs esbuild once
 * per function (package.individually) with custom.esbuild's options, the entry relative to the
 * service folder, into <build>/functions/. test/unit/stack checks that the real zips hold exactly
 * one bundle and policy.json; this checks what those two do when run.
 */
export async function packageFunction(fn: FunctionName, policyYaml: string): Promise<{ taskRoot: string; bundle: string; policyDigest: string }> {
  const taskRoot = mkdtempSync(path.join(tmpdir(), `drift-bundle-${fn}-`));
  assertNoNodeModulesAbove(taskRoot);
  const { warnings } = await build({
    ...functionBuildOptions(),
    entryPoints: [`functions/${fn}.ts`],
    outdir: path.join(taskRoot, 'functions'),
    absWorkingDir: ROOT,
    logLevel: 'silent',
  });
  if (warnings.length > 0) throw new Error(`esbuild warned on functions/${fn}.ts: ${warnings.map((w) => w.text).join('; ')}`);
  const shipped = policyAsJson(policyYaml, 'policy.yml', controlIds);
  writeFileSync(path.join(taskRoot, SHIPPED_POLICY), shipped);
  // What the package step records in the function's environment (DRIFT_POLICY_SHA256).
  return { taskRoot, bundle: path.join(taskRoot, 'functions', `${fn}.js`), policyDigest: policyDigest(shipped) };
}

/**
 * A bare `require("x")` in the bundle would be resolved from node_modules folders above it: the
 * task root must have none, or a bundle missing a package would load it from there and pass.
 */
function assertNoNodeModulesAbove(dir: string): void {
  for (let at = dir; ; at = path.dirname(at)) {
    if (existsSync(path.join(at, 'node_modules'))) throw new Error(`${at}/node_modules exists: the bundled functions must run where no package can be found`);
    if (path.dirname(at) === at) return;
  }
}

/**
 * Every module the bundle loads at run time: the argument of each require() and import() call in
 * it, or `<computed: ...>` when the argument is not a string literal. A parser, not a regex: the
 * SDK's error messages quote `require("@aws-sdk/signature-v4-crt")` in string literals, which
 * are no requires.
 */
export function requiredModules(code: string): string[] {
  const source = ts.createSourceFile('bundle.js', code, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS);
  const found = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))) {
      const [specifier] = node.arguments;
      found.add(specifier && ts.isStringLiteralLike(specifier) ? specifier.text : `<computed: ${node.getText(source).slice(0, 80)}>`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return [...found].sort();
}

/** Node's built-in modules, as esbuild emits them: `fs` or `node:fs`. */
export function isBuiltinModule(specifier: string): boolean {
  return builtinModules.includes(specifier.replace(/^node:/, ''));
}

export interface Invocation {
  /** The exit code of the process; null when it was killed (signal). */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** What the handler resolved to, JSON round-tripped as Lambda returns it. */
  result?: unknown;
  /** What the handler (or loading the bundle) threw. */
  error?: { name: string; message: string };
  /** stdout and stderr lines that are JSON objects: the function's structured logs (and EMF metrics). */
  logs: Array<Record<string, unknown>>;
  /** stdout, then stderr, as written: for failure messages. */
  output: string;
}

// The runtime's part: load the bundle at init (a load failure fails the init, as in Lambda), then
// call its handler with the event from stdin. The outcome goes to fd 3, not stdout: stdout is the
// function's log stream, which the assertions read as such.
const RUNTIME = `
const { writeSync } = require('node:fs');
const report = (outcome, code) => {
  writeSync(3, JSON.stringify(outcome));
  process.stdout.write('', () => process.exit(code));
};
const loaded = (() => {
  try { return require(process.argv[1]); }
  catch (error) { report({ error: { name: error.name, message: error.message } }, 2); }
})();
let input = '';
process.stdin.setEncoding('utf8').on('data', (chunk) => { input += chunk; }).on('end', async () => {
  if (!loaded) return;
  const context = { functionName: process.env.AWS_LAMBDA_FUNCTION_NAME, awsRequestId: require('node:crypto').randomUUID(), getRemainingTimeInMillis: () => 30000 };
  try { report({ result: await loaded.handler(JSON.parse(input), context) }, 0); }
  catch (error) { report({ error: { name: error.name, message: error.message } }, 1); }
});
`;

/**
 * Runs the bundled handler once with `event`, in a fresh node process (a cold start) whose
 * environment is `env` plus PATH and nothing else from the test process: no NODE_PATH, no
 * DRIFT_POLICY_FILE, no jest. Its working directory is an empty folder, not the task root as in
 * Lambda: the functions fall back to the working directory for policy.json (local runs), and here
 * the shipped policy must be found the way the deployed function finds it, through LAMBDA_TASK_ROOT.
 */
export function invokeBundle(bundle: string, event: unknown, env: Record<string, string>, timeoutMs = 30_000): Promise<Invocation> {
  const cwd = mkdtempSync(path.join(tmpdir(), 'drift-bundle-cwd-'));
  const child = spawn(process.execPath, ['-e', RUNTIME, bundle], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    timeout: timeoutMs,
  });
  let stdout = '';
  let stderr = '';
  let reported = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  (child.stdio[3] as NodeJS.ReadableStream).setEncoding('utf8').on('data', (chunk: string) => (reported += chunk));
  child.stdin!.end(JSON.stringify(event));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (exitCode, signal) => {
      rmSync(cwd, { recursive: true, force: true });
      const outcome = reported ? (JSON.parse(reported) as Pick<Invocation, 'result' | 'error'>) : {};
      resolve({ exitCode, signal, ...outcome, logs: [...jsonLines(stdout), ...jsonLines(stderr)], output: `${stdout}${stderr}` });
    });
  });
}

function jsonLines(output: string): Array<Record<string, unknown>> {
  return output.split('\n').flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}
