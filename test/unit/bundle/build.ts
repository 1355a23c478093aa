// What the bundle tests share: the plugins under test, the esbuild options the functions are
// built with (read from serverless.yml by scripts/esbuild-options.cjs, so a change there is
// tested here), and scratch folders.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BuildOptions, Plugin } from 'esbuild';

export const ROOT = path.resolve(__dirname, '../../..');

// eslint-disable-next-line @typescript-eslint/no-require-imports
const plugins = require('../../../serverless/esbuild-plugins.cjs') as Plugin[] & { literalSchemaKeys(source: string): string };

export const { literalSchemaKeys } = plugins;
export const pluginNamed = (name: string): Plugin => {
  const plugin = plugins.find((p) => p.name === name);
  if (!plugin) throw new Error(`no esbuild plugin named ${name} in serverless/esbuild-plugins.cjs`);
  return plugin;
};

/** serverless.yml custom.esbuild as esbuild options, plugins loaded (scripts/esbuild-options.cjs, which the benchmark uses too). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const { functionBuildOptions } = require('../../../scripts/esbuild-options.cjs') as { functionBuildOptions(): BuildOptions & { plugins: Plugin[] } };

/** A fresh folder under the system tmp dir, and its removal. */
export function scratchDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
