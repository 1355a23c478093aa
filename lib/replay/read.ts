import { closeSync, createReadStream, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { createGunzip, gunzipSync } from 'node:zlib';
import { InputFormatError, RecordSplitter, type RecordKeys } from './scan';

/** A path that could not be listed or read at all. */
export interface UnreadablePath {
  file: string;
  error: string;
}

/** Where a record sits in its file: its 1-based position, and its line in NDJSON. */
export interface RecordLocation {
  record: number;
  line?: number;
}

export interface RecordHandlers {
  /** A record parsed from JSON (its shape is not checked here). */
  record(value: unknown, at: RecordLocation): void;
  /**
   * Asked before parsing a record whose eventSource, eventName and eventTime the splitter read
   * off its text: false skips parsing it (the handler has counted it). Saves a JSON.parse for
   * each record no control handles, most of a trail.
   */
  wants?(keys: RecordKeys, at: RecordLocation): boolean;
  /** A record whose text is not JSON; reading goes on with the next record. */
  malformed(at: RecordLocation, message: string): void;
  /** Compressed bytes read from the file so far. */
  progress?(bytesRead: number): void;
}

export interface ReadOutcome {
  /** Records found (parsed or malformed). */
  records: number;
  /** Why reading stopped before the end of the file; the records before it were handled. */
  error?: string;
}

const LOG_FILE = /\.(json|jsonl|ndjson)(\.gz)?$/i;
/** 64 KiB reads and inflate chunks measured fastest for CloudTrail files (bench/). */
const CHUNK_BYTES = 64 * 1024;
/**
 * Files up to this size (decompressed) are read whole: most CloudTrail log files are, and it
 * spares the stream machinery (about a fifth of the reading cost, bench/). Larger ones stream.
 */
const WHOLE_FILE_BYTES = 8 * 1024 * 1024;

/** Files to replay: each path as given, directories walked recursively for CloudTrail log files. */
export function listInputFiles(paths: readonly string[]): { files: string[]; errors: UnreadablePath[] } {
  const files: string[] = [];
  const errors: UnreadablePath[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      // Digest files prove log integrity; they hold no events.
      else if (LOG_FILE.test(entry.name) && !full.includes('CloudTrail-Digest')) files.push(full);
    }
  };
  for (const p of paths) {
    try {
      if (statSync(p).isDirectory()) walk(p);
      else files.push(p);
    } catch (cause) {
      errors.push({ file: p, error: describeFileError(cause) });
    }
  }
  return { files, errors };
}

function describeFileError(cause: unknown): string {
  const code = (cause as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return (cause as Error).message;
}

function isGzip(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const magic = Buffer.alloc(2);
    return readSync(fd, magic, 0, 2, 0) === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

const isZlibError = (cause: unknown) => typeof (cause as NodeJS.ErrnoException).code === 'string' && (cause as NodeJS.ErrnoException).code!.startsWith('Z_');

/** The text of a small file, or undefined when it is large (or its gzip is damaged): then it is streamed. */
function readWhole(file: string, gzipped: boolean): string | undefined {
  try {
    const size = statSync(file).size;
    if (!gzipped) return size <= WHOLE_FILE_BYTES ? readFileSync(file, 'utf8') : undefined;
    // Gzip ratios of CloudTrail are 8-10x: a file this small may still be too large once inflated.
    if (size > WHOLE_FILE_BYTES) return undefined;
    return gunzipSync(readFileSync(file), { maxOutputLength: WHOLE_FILE_BYTES }).toString('utf8');
  } catch {
    // Too large inflated, or damaged: streaming reads what can be read and says what went wrong.
    return undefined;
  }
}

function recordSplitter(handlers: RecordHandlers): RecordSplitter {
  return new RecordSplitter((json, record, line, keys) => {
    const at: RecordLocation = line === undefined ? { record } : { record, line };
    if (keys && handlers.wants && !handlers.wants(keys, at)) return;
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch (cause) {
      handlers.malformed(at, `not JSON (${(cause as Error).message})`);
      return;
    }
    handlers.record(value, at);
  });
}

/**
 * Streams the records of one input file (gzipped or not: CloudTrail S3 log file, JSON
 * array, single record or envelope, NDJSON) to `handlers`: small files are read whole, larger
 * ones streamed, holding one record (and a 64 KiB chunk) at a time.
 * Problems that end the file early are returned, never thrown; the records before them
 * have been handled.
 */
export async function readRecords(file: string, handlers: RecordHandlers): Promise<ReadOutcome> {
  let gzipped: boolean;
  try {
    gzipped = isGzip(file);
  } catch (cause) {
    return { records: 0, error: describeFileError(cause) };
  }
  const whole = readWhole(file, gzipped);
  if (whole !== undefined) {
    const splitter = recordSplitter(handlers);
    try {
      splitter.push(whole);
      splitter.end();
    } catch (cause) {
      if (cause instanceof InputFormatError) return { records: splitter.records, error: cause.message };
      throw cause;
    }
    handlers.progress?.(statSync(file).size);
    return { records: splitter.records };
  }
  const raw = createReadStream(file, { highWaterMark: CHUNK_BYTES });
  const gunzip = gzipped ? createGunzip({ chunkSize: CHUNK_BYTES }) : undefined;
  if (gunzip) {
    raw.on('error', (cause) => gunzip.destroy(cause));
    raw.pipe(gunzip);
  }
  const text = gunzip ?? raw;
  text.setEncoding('utf8');
  const splitter = recordSplitter(handlers);
  try {
    for await (const chunk of text) {
      splitter.push(chunk as string);
      handlers.progress?.(raw.bytesRead);
    }
    splitter.end();
  } catch (cause) {
    const records = splitter.records;
    if (cause instanceof InputFormatError) return { records, error: cause.message };
    if (isZlibError(cause)) return { records, error: `corrupt gzip: ${(cause as Error).message} (after ${records} record(s))` };
    if ((cause as NodeJS.ErrnoException).syscall !== undefined) return { records, error: describeFileError(cause) };
    throw cause;
  } finally {
    raw.destroy();
    gunzip?.destroy();
  }
  return { records: splitter.records };
}
