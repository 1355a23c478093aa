import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { isRecord } from '../util/json';

/** One input file's records, or why it could not be read. */
export interface InputFile {
  file: string;
  records: unknown[];
  error?: string;
}

const LOG_FILE = /\.(json|jsonl|ndjson)(\.gz)?$/i;

export class InputPathError extends Error {
  override readonly name = 'InputPathError';
}

/** Files to replay: each path as given, directories walked recursively for CloudTrail log files. */
export function listInputFiles(paths: readonly string[]): { files: string[]; errors: InputFile[] } {
  const files: string[] = [];
  const errors: InputFile[] = [];
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
      errors.push({ file: p, records: [], error: (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (cause as Error).message });
    }
  }
  return { files, errors };
}

/** The records of a CloudTrail log file, a JSON array, a single record or envelope, or NDJSON. */
export function recordsOf(text: string): unknown[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  let whole: unknown;
  try {
    whole = JSON.parse(trimmed);
  } catch (wholeError) {
    const lines = trimmed.split(/\r?\n/);
    return lines.flatMap((line, index) => {
      if (line.trim() === '') return [];
      try {
        return [JSON.parse(line)];
      } catch (cause) {
        // A document whose first line is not JSON on its own is one (broken) JSON text, not NDJSON.
        if (index === 0) throw new InputPathError(`not valid JSON (${(wholeError as Error).message})`);
        throw new InputPathError(`line ${index + 1} is not JSON (${(cause as Error).message})`);
      }
    });
  }
  if (Array.isArray(whole)) return whole;
  if (isRecord(whole) && Array.isArray(whole.Records)) return whole.Records;
  return [whole];
}

function decompress(bytes: Buffer): Buffer {
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (cause) {
    throw new InputPathError(`corrupt gzip: ${(cause as Error).message}`, { cause });
  }
}

export function readInputFile(file: string, read: (f: string) => Buffer = readFileSync): InputFile {
  try {
    return { file, records: recordsOf(decompress(read(file)).toString('utf8')) };
  } catch (cause) {
    return { file, records: [], error: (cause as Error).message };
  }
}
