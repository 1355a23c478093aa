// What the bundle tests share: the esbuild options the functions are built with (read from
// serverless.yml by scripts/esbuild-options.cjs, so a change there is tested here), and scratch folders.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BuildOptions } from 'esbuild';
import { parse } from 'yaml';

export const ROOT = path.resolve(__dirname, '../../..');

/** serverless.yml custom.esbuild as esbuild options (scripts/esbuild-options.cjs, which the benchmark uses too). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const { functionBuildOptions } = require('../../../scripts/esbuild-options.cjs') as { functionBuildOptions(): BuildOptions };

/** A fresh folder under the system tmp dir, and its removal. */
export function scratchDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A function of serverless.yml: its name there, its entry (functions/<file>.ts) and the names of the variables its environment sets. */
export interface ServerlessFunction {
  name: string;
  entry: string;
  environment: string[];
}

/** Every function serverless.yml declares. `merge`: the sweep's environment is the responder's (`<<: *responderEnvironment`) plus its own. */
export function serverlessFunctions(): ServerlessFunction[] {
  const config = parse(readFileSync(path.join(ROOT, 'serverless.yml'), 'utf8'), { logLevel: 'error', merge: true }) as {
    functions: Record<string, { handler: string; environment?: Record<string, unknown> }>;
  };
  return Object.entries(config.functions).map(([name, fn]) => ({
    name,
    entry: `${fn.handler.slice(0, fn.handler.lastIndexOf('.'))}.ts`,
    environment: Object.keys(fn.environment ?? {}),
  }));
}
