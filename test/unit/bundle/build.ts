// What the bundle tests share: the esbuild options the functions are built with (read from
// serverless.yml by scripts/esbuild-options.cjs, so a change there is tested here), and scratch folders.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BuildOptions } from 'esbuild';

export const ROOT = path.resolve(__dirname, '../../..');

/** serverless.yml custom.esbuild as esbuild options (scripts/esbuild-options.cjs, which the benchmark uses too). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const { functionBuildOptions } = require('../../../scripts/esbuild-options.cjs') as { functionBuildOptions(): BuildOptions };

/** A fresh folder under the system tmp dir, and its removal. */
export function scratchDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
