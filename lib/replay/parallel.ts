import path from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  mergeReports,
  unreadableReport,
  type FileReport,
  type ProgressDelta,
  type ReplayResult,
  type ReplaySettings,
  type SizedFile,
} from './replay';
import type { UnreadablePath } from './read';

/** What a worker needs to build the same judge as the main thread: plain data only. */
export interface WorkerSettings {
  policy: ReplaySettings['policy'];
  /** The ids of the controls to run; the worker takes them from the registry. */
  controlIds: string[];
  now: Date;
  since?: number;
  until?: number;
  tags?: ReplaySettings['tags'];
}

export interface WorkerTask {
  index: number;
  file: string;
  bytes: number;
}

export type WorkerMessage =
  | { type: 'progress'; delta: ProgressDelta }
  | { type: 'done'; index: number; report: FileReport; delta: ProgressDelta };

function startWorker(settings: WorkerSettings): Worker {
  const entry = path.join(__dirname, `worker${path.extname(__filename)}`);
  if (entry.endsWith('.ts')) {
    // Run from the TypeScript sources (the CLI, tests): the worker compiles them through tsx as the main thread does.
    const source = `require(${JSON.stringify(require.resolve('tsx/cjs'))});require(${JSON.stringify(entry)});`;
    return new Worker(source, { eval: true, workerData: settings });
  }
  return new Worker(entry, { workerData: settings });
}

/**
 * Replays files on `jobs` worker threads, one file at a time each, largest first so a
 * big file does not start last. Reports are merged in input order, so the result is
 * the same as replayInProcess's whatever the scheduling.
 */
export function replayInWorkers(
  files: readonly SizedFile[],
  unreadable: readonly UnreadablePath[],
  settings: ReplaySettings,
  jobs: number,
  onProgress?: (delta: ProgressDelta) => void,
): Promise<ReplayResult> {
  const reports: FileReport[] = new Array(files.length);
  const queue: WorkerTask[] = files.map((f, index) => ({ index, file: f.file, bytes: f.bytes })).sort((a, b) => b.bytes - a.bytes);
  const workerSettings: WorkerSettings = {
    policy: settings.policy,
    controlIds: settings.controls.map((c) => c.id),
    now: settings.now,
    ...(settings.since !== undefined ? { since: settings.since } : {}),
    ...(settings.until !== undefined ? { until: settings.until } : {}),
    ...(settings.tags !== undefined ? { tags: settings.tags } : {}),
  };
  const merge = () => mergeReports([...unreadable.map(unreadableReport), ...reports]);
  if (files.length === 0) return Promise.resolve(merge());

  return new Promise((resolve, reject) => {
    const workers: Worker[] = [];
    let remaining = files.length;
    let settled = false;
    const stopAll = () => Promise.all(workers.map((w) => w.terminate()));
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      void stopAll().finally(() => reject(error));
    };
    for (let w = 0; w < Math.min(jobs, files.length); w += 1) {
      const worker = startWorker(workerSettings);
      workers.push(worker);
      worker.on('message', (message: WorkerMessage) => {
        onProgress?.(message.delta);
        if (message.type !== 'done') return;
        reports[message.index] = message.report;
        remaining -= 1;
        const task = queue.shift();
        if (task) worker.postMessage(task);
        else if (remaining === 0 && !settled) {
          settled = true;
          void stopAll().then(() => resolve(merge()), reject);
        }
      });
      worker.on('error', fail);
      worker.on('exit', (code) => {
        if (code !== 0) fail(new Error(`replay worker exited with code ${code}`));
      });
      const task = queue.shift();
      if (task) worker.postMessage(task);
    }
  });
}
