/**
 * The synthetic benchmark input: the real records of the Invictus AWS dataset
 * (../shared/corpus/invictus-aws-dataset), repeated with fresh event ids, written as
 * gzipped CloudTrail S3 log files ({"Records":[...]}, one line) like a synced trail bucket.
 * Built once into a cache directory and reused while the corpus and the size are unchanged.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { createGzip, gzip } from 'node:zlib';

export const CORPUS = path.resolve(__dirname, '..', '..', 'shared', 'corpus', 'invictus-aws-dataset');

export interface Dataset {
  dir: string;
  files: string[];
  records: number;
  /** Decompressed size. */
  bytes: number;
  compressedBytes: number;
}

const gzipAsync = promisify(gzip);
const ID_PLACEHOLDER = '00000000-0000-4000-8000-000000000000';

/** The corpus records, each serialised once around its eventID so fresh ids cost a string join. */
export function corpusRecords(corpus = CORPUS): Array<Record<string, unknown>> {
  const dir = path.join(corpus, 'CloudTrail');
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .flatMap((name) => JSON.parse(readFileSync(path.join(dir, name), 'utf8')).Records as Array<Record<string, unknown>>);
}

function templatesOf(records: Array<Record<string, unknown>>): Array<[string, string]> {
  return records.map((record) => {
    const [before, after] = JSON.stringify({ ...record, eventID: ID_PLACEHOLDER }).split(ID_PLACEHOLDER) as [string, string];
    return [before, after];
  });
}

function cacheDir(kind: string, records: Array<Record<string, unknown>>, count: number): string {
  const digest = createHash('sha256').update(JSON.stringify(records)).digest('hex').slice(0, 12);
  return path.join(process.env.DRIFT_BENCH_CACHE ?? path.join(tmpdir(), 'drift-responder-bench'), `${kind}-${count}-${digest}`);
}

/** Not a .json name: replaying the folder never reads it. */
const metaFile = (dir: string) => path.join(dir, 'dataset-info.txt');

function describe(dir: string): Dataset {
  return JSON.parse(readFileSync(metaFile(dir), 'utf8')) as Dataset;
}

/** `count` records in log files of `perFile` records, under AWSLogs/<account>/CloudTrail/<region>/<date>/. */
export async function manyFiles(count: number, perFile: number, log: (line: string) => void, corpus = CORPUS): Promise<Dataset> {
  const records = corpusRecords(corpus);
  const dir = cacheDir(`files${perFile}`, records, count);
  if (existsSync(metaFile(dir))) return describe(dir);
  rmSync(dir, { recursive: true, force: true });
  const templates = templatesOf(records);
  const files: string[] = [];
  let bytes = 0;
  let compressedBytes = 0;
  let next = 0;
  const fileCount = Math.ceil(count / perFile);
  log(`building ${count} records in ${fileCount} gzipped log files under ${dir} (once; cached)`);
  const writeOne = async (fileIndex: number, from: number, size: number) => {
    const parts: string[] = [];
    for (let r = from; r < from + size; r += 1) {
      const [before, after] = templates[r % templates.length] as [string, string];
      parts.push(before + randomUUID() + after);
    }
    const text = `{"Records":[${parts.join(',')}]}\n`;
    // One file every five minutes from 1 July 2023, as CloudTrail delivers them.
    const stamp = new Date(Date.UTC(2023, 6, 1) + fileIndex * 5 * 60 * 1000).toISOString().replace(/[-:]/g, '').slice(0, 13) + 'Z';
    const folder = path.join(dir, 'AWSLogs', '218007301253', 'CloudTrail', 'us-east-1', stamp.slice(0, 4), stamp.slice(4, 6), stamp.slice(6, 8));
    mkdirSync(folder, { recursive: true });
    const file = path.join(folder, `218007301253_CloudTrail_us-east-1_${stamp}_${String(fileIndex).padStart(6, '0')}.json.gz`);
    const compressed = await gzipAsync(text);
    writeFileSync(file, compressed);
    bytes += Buffer.byteLength(text);
    compressedBytes += compressed.length;
    files[fileIndex] = file;
  };
  // zlib runs on the libuv thread pool: a few files in flight keep every core busy.
  const inFlight = new Set<Promise<void>>();
  for (let f = 0; f < fileCount; f += 1) {
    const size = Math.min(perFile, count - next);
    const job: Promise<void> = writeOne(f, next, size).then(() => {
      inFlight.delete(job);
    });
    inFlight.add(job);
    next += size;
    if (inFlight.size >= 8) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  const dataset: Dataset = { dir, files, records: count, bytes, compressedBytes };
  writeFileSync(metaFile(dir), JSON.stringify(dataset));
  return dataset;
}

/** One gzipped log file holding all `count` records: streamed out, never held in memory whole. */
export async function oneFile(count: number, log: (line: string) => void, corpus = CORPUS): Promise<Dataset> {
  const records = corpusRecords(corpus);
  const dir = cacheDir('onefile', records, count);
  if (existsSync(metaFile(dir))) return describe(dir);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  log(`building one gzipped log file of ${count} records under ${dir} (once; cached)`);
  const templates = templatesOf(records);
  const file = path.join(dir, '218007301253_CloudTrail_us-east-1_20230710T0000Z_onefile.json.gz');
  const partial = `${file}.partial`;
  const gz = createGzip({ level: 6 });
  const out = createWriteStream(partial);
  gz.pipe(out);
  let bytes = 0;
  const write = async (text: string) => {
    bytes += Buffer.byteLength(text);
    if (!gz.write(text)) await once(gz, 'drain');
  };
  await write('{"Records":[');
  const batch = 1000;
  for (let r = 0; r < count; r += batch) {
    const parts: string[] = [];
    for (let k = r; k < Math.min(count, r + batch); k += 1) {
      const [before, after] = templates[k % templates.length] as [string, string];
      parts.push(before + randomUUID() + after);
    }
    await write((r === 0 ? '' : ',') + parts.join(','));
  }
  await write(']}\n');
  gz.end();
  await once(out, 'finish');
  renameSync(partial, file);
  const compressedBytes = statSync(file).size;
  const dataset: Dataset = { dir, files: [file], records: count, bytes, compressedBytes };
  writeFileSync(metaFile(dir), JSON.stringify(dataset));
  return dataset;
}
