/**
 * Node built-ins that no function needs at cold start must not be loaded when its bundle is
 * required: each costs milliseconds of every cold start. Every function of serverless.yml, built
 * and laid out as the package step does (test/integration/harness/bundles.ts packageFunction),
 * is required in a fresh node process with the environment its deployment gives it.
 */
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { packageFunction } from '../../integration/harness/bundles';
import type { FunctionName } from '../../integration/harness/functions';
import { ROOT, serverlessFunctions } from './build';
import { moduleLoads } from './module-loads';

jest.setTimeout(60_000);

/** The built-ins a cold start must not load, and why a function can do without them at that point. */
const NOT_AT_COLD_START: ReadonlyArray<{ builtin: string; why: string }> = [
  { builtin: 'stream/web', why: '@middy/core imports it for response streaming only; lib/runtime/lazy-stream-web.cjs defers it' },
  { builtin: 'zlib', why: 'nothing compresses at cold start; @aws-lambda-powertools/idempotency loaded it, the responder keeps its own (lib/responder/idempotency.ts)' },
];

/**
 * A value for each variable serverless.yml sets: any ARN does (the bundles check that a variable
 * is set, not what it names, when they load), except where a variable is parsed at load.
 */
const PLACEHOLDER = 'arn:aws:sns:us-east-1:123456789012:placeholder';
const PARSED_AT_LOAD: Record<string, string> = { SWEEP_EVENTBRIDGE_RPS: '40' };

const functions = serverlessFunctions().map((fn) => [fn.name, fn] as const);

describe('a cold start of each function bundle', () => {
  const taskRoots: string[] = [];
  afterAll(() => {
    for (const taskRoot of taskRoots) rmSync(taskRoot, { recursive: true, force: true });
  });

  it.each(functions)('%s loads none of the built-ins it does without at cold start', async (name, fn) => {
    // Prepare: the bundle and policy.json as in the zip (the repository's policy.yml), and the
    // environment Lambda and the stack give the function.
    const file = path.basename(fn.entry, '.ts') as FunctionName;
    const packaged = await packageFunction(file, readFileSync(path.join(ROOT, 'policy.yml'), 'utf8'));
    taskRoots.push(packaged.taskRoot);
    const env = {
      LAMBDA_TASK_ROOT: packaged.taskRoot,
      AWS_LAMBDA_FUNCTION_NAME: `drift-responder-ci-${name}`,
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'ASIAEXAMPLECOLDSTART',
      AWS_SECRET_ACCESS_KEY: 'cold-start-secret',
      AWS_SESSION_TOKEN: 'cold-start-session',
      DRIFT_POLICY_SHA256: packaged.policyDigest,
      ...Object.fromEntries(fn.environment.map((variable) => [variable, PARSED_AT_LOAD[variable] ?? PLACEHOLDER])),
    };

    // Act
    const loads = moduleLoads(packaged.bundle, env);

    // Assess: the bundle started (a handler, nothing logged: snapshot logs a failed start instead
    // of throwing) and loaded built-ins, but none of the listed ones.
    expect({ exports: loads.exports, output: loads.output }).toEqual({ exports: ['handler'], output: '' });
    expect(loads.onRequire).toContain('https');
    expect(NOT_AT_COLD_START.filter(({ builtin }) => loads.onRequire.includes(builtin))).toEqual([]);
  });
});
