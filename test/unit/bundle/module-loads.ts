// Which of Node's built-in modules a require() loads, measured in a fresh node process: jest's own
// process has loaded most of them already (stream/web among them), so it cannot tell.
import { spawnSync } from 'node:child_process';

export interface ModuleLoads {
  /** The built-ins (`stream/web`, `internal/webstreams/...`) the require() loaded, in load order. */
  onRequire: string[];
  /** The built-ins reading the export `read` loaded after that (a lazy getter's work); [] when no `read` was given. */
  onRead: string[];
  /** The names the module exports. */
  exports: string[];
  /** What the process wrote to stdout and stderr (a function logging a failed start, say). */
  output: string;
}

// The outcome goes to fd 3: stdout and stderr are the module's, which may log while loading.
const PROBE = `
const { writeSync } = require('node:fs');
const builtins = (before) => process.moduleLoadList.filter((m) => !before.has(m) && m.startsWith('NativeModule ')).map((m) => m.slice(13));
const beforeRequire = new Set(process.moduleLoadList);
const loaded = require(process.argv[1]);
const onRequire = builtins(beforeRequire);
const beforeRead = new Set(process.moduleLoadList);
if (process.argv[2]) void loaded[process.argv[2]];
writeSync(3, JSON.stringify({ onRequire, onRead: builtins(beforeRead), exports: Object.keys(loaded) }));
`;

/**
 * Requires `file` in a fresh node process whose environment is `env` plus PATH and nothing else,
 * then reads its export `read` (if given). Throws with the process's output when the require fails.
 */
export function moduleLoads(file: string, env: Record<string, string> = {}, read?: string): ModuleLoads {
  const child = spawnSync(process.execPath, ['-e', PROBE, file, ...(read ? [read] : [])], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    encoding: 'utf8',
    timeout: 30_000,
  });
  const output = `${child.stdout}${child.stderr}`;
  const reported = child.output[3];
  if (child.status !== 0 || !reported) throw new Error(`requiring ${file} failed (exit ${child.status}, ${child.signal ?? 'no signal'}):\n${output}`);
  return { ...(JSON.parse(reported) as Omit<ModuleLoads, 'output'>), output };
}
