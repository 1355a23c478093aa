// A replay worker thread: judges the files the main thread hands it, one at a time.
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { controls } from '../controls/registry';
import type { WorkerMessage, WorkerSettings, WorkerTask } from './parallel';
import { progressTracker, recordJudge, replayFile, type ProgressDelta } from './replay';

/** Progress is batched: one message per interval keeps the main thread idle. */
const PROGRESS_INTERVAL_MS = 100;

const settings = workerData as WorkerSettings;
const judge = recordJudge({
  policy: settings.policy,
  controls: controls.filter((c) => settings.controlIds.includes(c.id)),
  now: settings.now,
  since: settings.since,
  until: settings.until,
  tags: settings.tags,
});
const port = parentPort!;

let pending: ProgressDelta = { bytes: 0, records: 0, findings: 0, files: 0 };
let lastSent = performance.now();
const take = (): ProgressDelta => {
  const delta = pending;
  pending = { bytes: 0, records: 0, findings: 0, files: 0 };
  lastSent = performance.now();
  return delta;
};

async function run(task: WorkerTask): Promise<void> {
  const tracker = progressTracker((delta) => {
    pending.bytes += delta.bytes;
    pending.records += delta.records;
    pending.findings += delta.findings;
    pending.files += delta.files;
    if (performance.now() - lastSent >= PROGRESS_INTERVAL_MS) port.postMessage({ type: 'progress', delta: take() } satisfies WorkerMessage);
  });
  const report = await replayFile(task.file, judge, tracker.update);
  tracker.done(report, task.bytes);
  port.postMessage({ type: 'done', index: task.index, report, delta: take() } satisfies WorkerMessage);
}

port.on('message', (task: WorkerTask) => {
  run(task).catch((error: unknown) => {
    // A bug, not bad input (that is reported per file): fail the run loudly.
    setImmediate(() => {
      throw error;
    });
  });
});
