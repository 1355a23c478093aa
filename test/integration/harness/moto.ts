// Starts a real AWS API emulator (moto server, from the project's .venv) on a free loopback port.
// Used by the integration jest project's globalSetup; can also be used on its own.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

export interface MotoHandle {
  /** e.g. http://127.0.0.1:40123 */
  endpoint: string;
  /** Stops the server: SIGTERM, then SIGKILL after 5 s; resolves once the process has exited. */
  stop(): Promise<void>;
}

export interface StartMotoOptions {
  /** How long to wait for the server to answer HTTP. Default 30 000 ms. */
  timeoutMs?: number;
  /**
   * Make DynamoDB item operations atomic, as DynamoDB's are. moto 5.2.5's server is threaded and
   * its Table.put_item reads the item, evaluates the ConditionExpression and stores the new item
   * with no lock, so two concurrent conditional writes to one item can both succeed. Measured on
   * a fresh server with the idempotency claim's condition (`attribute_not_exists(#id) OR
   * #expiry < :now OR (...)`): 2 concurrent PutItems had two winners in 5-8 rounds of 300, 10
   * concurrent ones in 1 round of 200. With this option (one lock around the backend's item
   * operations): none in 300 and 200 rounds.
   */
  atomicDynamoDb?: boolean;
}

/** `python -c` program: moto's server with DynamoDBBackend's item operations under one lock. */
const ATOMIC_DYNAMODB_SERVER = [
  'import threading',
  'from moto.dynamodb.models import DynamoDBBackend',
  'lock = threading.RLock()',
  'def locked(operation):',
  '    def run(*args, **kwargs):',
  '        with lock:',
  '            return operation(*args, **kwargs)',
  '    return run',
  "for name in ('put_item', 'update_item', 'delete_item', 'get_item', 'transact_write_items', 'query', 'scan'):",
  '    setattr(DynamoDBBackend, name, locked(getattr(DynamoDBBackend, name)))',
  'from moto.server import main',
  'main()',
].join('\n');

/** test/integration/harness -> repo root */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const VENV_PYTHON = path.join(REPO_ROOT, '.venv', 'bin', 'python');

const STOP_GRACE_MS = 5_000;
const OUTPUT_TAIL_CHARS = 4_000;

/** Binds port 0 on 127.0.0.1, reads the port the OS chose, and closes the socket. */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
      const addr = srv.address();
      if (addr === null || typeof addr === 'string') {
        srv.close();
        reject(new Error('could not determine a free port'));
        return;
      }
      const { port } = addr;
      srv.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = waitForExit(child);
  child.kill('SIGTERM');
  const killTimer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }, STOP_GRACE_MS);
  try {
    await exited;
  } finally {
    clearTimeout(killTimer);
  }
}

/** Any HTTP answer (moto's /moto-api/ returns 200) means the server is up. */
async function answersHttp(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer().catch(() => undefined);
    return res.status > 0;
  } catch {
    return false;
  }
}

async function startOnce(port: number, timeoutMs: number, atomicDynamoDb = false): Promise<MotoHandle | 'port-in-use'> {
  const endpoint = `http://127.0.0.1:${port}`;
  const program = atomicDynamoDb ? ['-c', ATOMIC_DYNAMODB_SERVER] : ['-m', 'moto.server'];
  const child = spawn(VENV_PYTHON, [...program, '-H', '127.0.0.1', '-p', String(port)], {
    cwd: REPO_ROOT,
    env: { ...process.env, MOTO_PORT: String(port), PYTHONUNBUFFERED: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  // Keep a tail of moto's output for error messages (werkzeug logs every request to stderr).
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  let spawnError: Error | undefined;
  child.once('error', (err) => {
    spawnError = err;
  });

  // Never leave an orphaned server behind if the test process exits without calling stop().
  const killOnExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (spawnError) {
      process.removeListener('exit', killOnExit);
      throw new Error(`could not start moto server (${VENV_PYTHON}): ${spawnError.message}`);
    }
    if (child.exitCode !== null || child.signalCode !== null) {
      process.removeListener('exit', killOnExit);
      if (/address already in use/i.test(output)) return 'port-in-use';
      throw new Error(
        `moto server exited early (code ${child.exitCode}, signal ${child.signalCode}).\n--- moto output (tail) ---\n${output}`,
      );
    }
    if (await answersHttp(endpoint)) break;
    if (Date.now() > deadline) {
      await stopProcess(child);
      process.removeListener('exit', killOnExit);
      throw new Error(
        `moto server did not answer HTTP on ${endpoint} within ${timeoutMs} ms.\n--- moto output (tail) ---\n${output}`,
      );
    }
    await sleep(100);
  }

  // Once up, drop the captured output to keep memory flat (still drain the pipes).
  child.stdout?.removeListener('data', collect);
  child.stderr?.removeListener('data', collect);
  child.stdout?.resume();
  child.stderr?.resume();

  let stopping: Promise<void> | undefined;
  return {
    endpoint,
    stop() {
      stopping ??= stopProcess(child).finally(() => process.removeListener('exit', killOnExit));
      return stopping;
    },
  };
}

/**
 * Starts `.venv/bin/python -m moto.server -H 127.0.0.1 -p PORT` on a free port and waits until it
 * answers HTTP. Retries with a new port if another process grabbed the chosen one in between.
 */
export async function startMoto(options: StartMotoOptions = {}): Promise<MotoHandle> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  if (!existsSync(VENV_PYTHON)) {
    throw new Error(
      `moto is not installed: ${VENV_PYTHON} is missing.\n` +
        `Run \`bash scripts/setup-python.sh\` (or \`npm test\`, which does it) to create .venv from requirements-test.txt.`,
    );
  }
  for (let attempt = 1; ; attempt++) {
    const port = await findFreePort();
    const handle = await startOnce(port, timeoutMs, options.atomicDynamoDb);
    if (handle !== 'port-in-use') return handle;
    if (attempt >= 3) throw new Error(`moto server: port ${port} was taken 3 times in a row; giving up`);
  }
}
