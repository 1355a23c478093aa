import { performance } from 'node:perf_hooks';
import type { ProgressDelta } from './replay';

/** Redraws at most this often: a terminal line, not a log. */
const REDRAW_MS = 250;
const CLEAR_LINE = '\r\u001b[2K';

const grouped = (n: number) => Math.round(n).toLocaleString('en-US');

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

/**
 * One status line on a terminal (stderr): files, records, findings, records per second
 * and the time left, estimated from the bytes still to read.
 */
export function terminalProgress(write: (text: string) => void, totalFiles: number, totalBytes: number, clock: () => number = () => performance.now()) {
  const started = clock();
  let lastDrawn = -Infinity;
  const done: ProgressDelta = { bytes: 0, records: 0, findings: 0, files: 0 };
  const line = () => {
    const seconds = (clock() - started) / 1000;
    const rate = seconds > 0 ? done.records / seconds : 0;
    const bytesRate = seconds > 0 ? done.bytes / seconds : 0;
    const eta = bytesRate > 0 ? (totalBytes - done.bytes) / bytesRate : Infinity;
    return `replay: ${done.files}/${totalFiles} files, ${grouped(done.records)} records, ${grouped(done.findings)} findings, ${grouped(rate)} records/s, ETA ${duration(eta)}`;
  };
  return {
    add(delta: ProgressDelta) {
      done.bytes += delta.bytes;
      done.records += delta.records;
      done.findings += delta.findings;
      done.files += delta.files;
      const now = clock();
      if (now - lastDrawn < REDRAW_MS) return;
      lastDrawn = now;
      write(`${CLEAR_LINE}${line()}`);
    },
    /** Clears the status line so the summary starts on a clean line. */
    finish() {
      if (lastDrawn > -Infinity) write(CLEAR_LINE);
    },
  };
}
