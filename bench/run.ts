/**
 * `npm run bench`: the performance figures of the README, side by side, on one input.
 * Not a test: it asserts nothing and fails on nothing; it prints what it measured next
 * to the targets of issue 7. Environment: BENCH_RECORDS (default 1000000), BENCH_ROUNDS
 * (default 3: each throughput figure is the median of that many interleaved runs),
 * DRIFT_BENCH_CACHE (where the synthetic input is built once).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { deflateRawSync } from 'node:zlib';
import { build } from 'esbuild';
import { NO_BASELINES } from '../lib/baseline/types';
import { evaluateChange, handles } from '../lib/controls/evaluate';
import { controlIds, controls } from '../lib/controls/registry';
import { parseChange } from '../lib/events/parse';
import { loadPolicyFile } from '../lib/policy/load';
import { CORPUS, corpusRecords, manyFiles, oneFile } from './dataset';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'bin', 'drift-responder.cjs');
const RECORDS = Number(process.env.BENCH_RECORDS ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const COLD_RUNS = 15;
const TIME = '/usr/bin/time';

const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const kb = (bytes: number) => `${fmt(bytes / 1024, 1)} KB`;

interface Row {
  metric: string;
  measured: string;
  target: string;
  verdict: string;
}
const rows: Row[] = [];
const row = (metric: string, measured: string, target = '', verdict = '') => {
  rows.push({ metric, measured, target, verdict });
  log(`${metric}: ${measured}${verdict ? ` (${verdict})` : ''}`);
};
const verdict = (ok: boolean, miss: string) => (ok ? 'met' : `MISSED: ${miss}`);

interface Run {
  seconds: number;
  maxRssKb?: number;
  stdout: string;
  status: number | null;
  stderr: string;
}

/** Runs a command, timing it; with /usr/bin/time (when present) also its peak resident memory. */
function timed(command: string, args: string[], options: { shell?: boolean } = {}): Run {
  const useTime = existsSync(TIME) && !options.shell;
  const started = performance.now();
  const result = useTime
    ? spawnSync(TIME, ['-f', 'maxrss=%M', command, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 })
    : spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 30, shell: options.shell ?? false });
  const seconds = (performance.now() - started) / 1000;
  const rss = /maxrss=(\d+)/.exec(result.stderr ?? '');
  return { seconds, maxRssKb: rss ? Number(rss[1]) : undefined, stdout: result.stdout ?? '', status: result.status, stderr: result.stderr ?? '' };
}

/** `eventSource eventName` pairs the controls handle: what jq selects, like EventBridge. */
function handledPairs(): Record<string, true> {
  return Object.fromEntries(controls.flatMap((c) => c.triggers.flatMap((t) => t.eventNames.map((n) => [`${t.eventSource} ${n}`, true] as const))));
}

async function throughput(): Promise<void> {
  if (!existsSync(path.join(CORPUS, 'CloudTrail'))) {
    row('replay throughput', `skipped: the corpus ${CORPUS} is absent (the synthetic input repeats its records)`);
    return;
  }
  const set = await manyFiles(RECORDS, 1000, log);
  const input = path.join(set.dir, 'AWSLogs');
  const jobs = Math.min(availableParallelism(), set.files.length);
  row('input', `${fmt(set.records)} records in ${fmt(set.files.length)} gzipped log files: ${fmt(set.bytes / 1e6)} MB of JSON, ${fmt(set.compressedBytes / 1e6)} MB gzipped`);
  row('machine', `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; load average at start ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}`);

  const jq = existsSync('/usr/bin/jq') ? '/usr/bin/jq' : undefined;
  const pairsFile = path.join(mkdtempSync(path.join(tmpdir(), 'bench-jq-')), 'pairs.json');
  writeFileSync(pairsFile, JSON.stringify(handledPairs()));
  const jqCommand = `find ${JSON.stringify(input)} -name '*.json.gz' -print0 | sort -z | xargs -0 zcat | ${jq} -c --slurpfile w ${JSON.stringify(pairsFile)} '.Records[] | select($w[0][.eventSource + " " + .eventName])' | wc -l`;

  const replay: Run[] = [];
  const bare: Run[] = [];
  const jqRuns: Run[] = [];
  for (let round = 1; round <= ROUNDS; round += 1) {
    log(`throughput round ${round}/${ROUNDS}`);
    replay.push(timed(process.execPath, [CLI, 'replay', input, '--format', 'ndjson', '--jobs', String(jobs)]));
    bare.push(timed(process.execPath, [path.join(__dirname, 'bare-parse.cjs'), input, String(jobs)]));
    if (jq) jqRuns.push(timed(jqCommand, [], { shell: true }));
  }
  const replayFindings = replay[0]!.stdout.split('\n').filter(Boolean).length;
  if (replay.some((r) => r.status !== 0)) log(`replay exited ${replay.map((r) => r.status).join(',')}: ${replay[0]!.stderr.slice(-500)}`);
  rmSync(path.dirname(pairsFile), { recursive: true, force: true });
  const rate = (runs: Run[]) => RECORDS / median(runs.map((r) => r.seconds));
  const replayRate = rate(replay);
  const bareRate = rate(bare);
  row(
    `replay, ${jobs} worker thread(s) (node bin/drift-responder.cjs replay DIR --format ndjson)`,
    `${fmt(replayRate)} records/s (median of ${ROUNDS}: ${replay.map((r) => r.seconds.toFixed(1)).join(' / ')} s; ${fmt(replayFindings)} findings)`,
  );
  row(
    `bare read + gunzip + JSON.parse, ${jobs} thread(s) (node bench/bare-parse.cjs)`,
    `${fmt(bareRate)} records/s (${bare.map((r) => r.seconds.toFixed(1)).join(' / ')} s)`,
  );
  row('replay / bare parse', `${fmt((replayRate / bareRate) * 100)} %`, '>= 70 %', verdict(replayRate / bareRate >= 0.7, `${fmt((0.7 - replayRate / bareRate) * 100)} points short`));
  if (jq) {
    const jqRate = rate(jqRuns);
    row(`jq 1.6 selecting the handled events (zcat piped to jq, ${fmt(Number(jqRuns[0]!.stdout.trim()))} selected)`, `${fmt(jqRate)} records/s (${jqRuns.map((r) => r.seconds.toFixed(1)).join(' / ')} s)`);
    row('replay / jq', `${fmt(replayRate / jqRate, 1)} x`, '> 1 x', verdict(replayRate > jqRate, 'slower than jq'));
  } else {
    row('jq', 'skipped: /usr/bin/jq is not installed');
  }
  const rss = replay.map((r) => r.maxRssKb).filter((v): v is number => v !== undefined);
  if (rss.length > 0) {
    const peak = Math.max(...rss) / 1024;
    row(`peak RSS, replay of ${fmt(set.bytes / 1e9, 2)} GB in ${fmt(set.files.length)} files, ${jobs} workers`, `${fmt(peak)} MB`, '< 256 MB', verdict(peak < 256, `${fmt(peak - 256)} MB over`));
  }

  const single = await oneFile(RECORDS, log);
  const one = timed(process.execPath, [CLI, 'replay', single.files[0]!, '--format', 'ndjson']);
  const onePeak = (one.maxRssKb ?? 0) / 1024;
  row(
    `replay of ONE ${fmt(single.bytes / 1e9, 2)} GB log file (${fmt(single.compressedBytes / 1e6)} MB gzipped)`,
    `${fmt(RECORDS / one.seconds)} records/s; peak RSS ${one.maxRssKb ? `${fmt(onePeak)} MB` : 'n/a'}`,
    '< 256 MB',
    one.maxRssKb ? verdict(onePeak < 256, `${fmt(onePeak - 256)} MB over`) : '',
  );
}

/** The environment each function gets from the packaged template, intrinsic functions replaced by placeholders. */
function functionsOf(template: any): Array<{ name: string; handler: string; env: Record<string, string> }> {
  return Object.entries<any>(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
    .map(([name, r]) => ({
      name,
      handler: r.Properties.Handler as string,
      env: Object.fromEntries(
        Object.entries<any>(r.Properties.Environment?.Variables ?? {}).map(([k, v]) => [k, typeof v === 'string' ? v : `arn:aws:sns:us-east-1:123456789012:bench-${k.toLowerCase()}`]),
      ),
    }));
}

interface ColdTarget {
  readonly name: string;
  readonly file: string;
  env: Record<string, string>;
}

interface ColdRuns {
  processMs: number[];
  requireMs: number[];
  error?: string;
}

/**
 * The cold loads themselves run in a small separate process (`bench/cold-runner.cjs`), not in
 * this one: spawning from a large parent (this benchmark holds hundreds of MB) adds its own
 * milliseconds to every spawn, which would flatter every ratio. Round after round, the empty
 * handler then each target once, so a change in the shared machine's load moves the empty
 * handler and the targets alike, and each ratio compares medians taken over the same minutes.
 */
function coldLoads(empty: string, targets: ColdTarget[]): { empty: ColdRuns; runs: Map<string, ColdRuns> } {
  // A variable the stage leaves unset (an optional integration): a placeholder, found by loading once.
  for (const target of targets) {
    for (let tries = 0; tries < 5; tries += 1) {
      const once = runCold([target], 1)[0]!;
      const missing = /environment variable (\w+)/.exec(once.error ?? '')?.[1];
      if (!missing || (target.env[missing] ?? '') !== '') break;
      target.env[missing] = `bench-placeholder-${missing.toLowerCase()}`;
    }
  }
  const [emptyRuns, ...runs] = runCold([{ name: 'empty handler', file: empty, env: {} }, ...targets], COLD_RUNS);
  return { empty: emptyRuns!, runs: new Map(targets.map((t, i) => [t.name, runs[i]!])) };
}

function runCold(targets: ColdTarget[], rounds: number): ColdRuns[] {
  const result = spawnSync(process.execPath, [path.join(ROOT, 'bench', 'cold-runner.cjs')], {
    input: JSON.stringify({ rounds, targets: targets.map((t) => ({ file: t.file, env: { PATH: process.env.PATH, ...t.env } })) }),
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`bench/cold-runner.cjs failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as ColdRuns[];
}

async function bundles(): Promise<void> {
  const out = mkdtempSync(path.join(tmpdir(), 'bench-package-'));
  log('packaging the stack (npx serverless package --stage ci --package <tmp>)');
  const packOnce = () => spawnSync('npx', ['serverless', 'package', '--stage', 'ci', '--package', out], { cwd: ROOT, encoding: 'utf8' });
  // serverless-esbuild works in the shared .esbuild/ folder: a concurrent package (a stack test) can break one run.
  let pack = packOnce();
  for (let attempt = 2; pack.status !== 0 && attempt <= 3; attempt += 1) {
    log(`serverless package failed (status ${pack.status}, signal ${pack.signal}); attempt ${attempt}`);
    pack = packOnce();
  }
  if (pack.status !== 0) {
    row('bundle size', `skipped: serverless package failed 3 times: ${`${pack.stdout}\n${pack.stderr}`.trim().split('\n').slice(-5).join(' / ')}`);
    rmSync(out, { recursive: true, force: true });
    return;
  }
  const zips = readdirSync(out).filter((f) => f.endsWith('.zip'));
  for (const zip of zips) row(`deployment artifact ${zip}`, kb(statSync(path.join(out, zip)).size));
  const template = JSON.parse(readFileSync(path.join(out, 'cloudformation-template-update-stack.json'), 'utf8'));
  // package.individually: each function's zip holds its own bundle and policy.json; unpack them side by side.
  const unpacked = path.join(out, 'unpacked');
  for (const zip of zips) execFileSync('unzip', ['-q', '-o', path.join(out, zip), '-d', unpacked]);
  const policy = readFileSync(path.join(unpacked, 'policy.json'));
  const empty = path.join(out, 'empty-handler.js');
  writeFileSync(empty, 'exports.handler = async () => ({});\n');
  const targets: ColdTarget[] = [];
  for (const fn of functionsOf(template)) {
    const file = path.join(unpacked, `${fn.handler.slice(0, fn.handler.lastIndexOf('.'))}.js`);
    const code = readFileSync(file);
    const zipName = zips.find((z) => z === `${fn.name.replace(/LambdaFunction$/, '').replace(/^./, (c) => c.toLowerCase())}.zip`);
    const zipped = zipName ? statSync(path.join(out, zipName)).size : deflateRawSync(code, { level: 9 }).length + deflateRawSync(policy, { level: 9 }).length;
    row(`bundle ${fn.handler} (deployed zip: own bundle + policy.json)`, `${kb(zipped)} (${kb(code.length)} minified)`, '< 150 KB', verdict(zipped < 150 * 1024, `${kb(zipped - 150 * 1024)} over`));
    targets.push({ name: `cold start ${fn.handler}`, file, env: { ...fn.env, LAMBDA_TASK_ROOT: unpacked, AWS_REGION: 'us-east-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } });
  }
  const references = await referenceBundles(out);
  const measured = coldLoads(empty, [...targets, ...references.map((r) => r.target)]);
  const emptyProcess = median(measured.empty.processMs);
  row(`cold start, empty handler (median of ${COLD_RUNS} fresh node processes, interleaved with the rows below)`, `${fmt(emptyProcess, 1)} ms process, ${fmt(median(measured.empty.requireMs), 2)} ms require`);
  for (const target of targets) {
    const runs = measured.runs.get(target.name)!;
    if (runs.error) {
      row(target.name, `failed to load: ${runs.error}`);
      continue;
    }
    const ratio = median(runs.processMs) / emptyProcess;
    row(`${target.name} (median of ${COLD_RUNS})`, `${fmt(median(runs.processMs), 1)} ms process (${fmt(ratio, 2)} x empty), ${fmt(median(runs.requireMs), 1)} ms require`, '<= 2 x empty', verdict(ratio <= 2, `${fmt(ratio, 2)} x`));
  }
  for (const reference of references) {
    const runs = measured.runs.get(reference.target.name)!;
    const ratio = median(runs.processMs) / emptyProcess;
    row(
      reference.target.name,
      `${reference.size}; ${runs.error ? `failed to load: ${runs.error}` : `${fmt(median(runs.processMs), 1)} ms process (${fmt(ratio, 2)} x empty), ${fmt(median(runs.requireMs), 1)} ms require`}`,
    );
  }
  rmSync(out, { recursive: true, force: true });
}

/**
 * Where the limits are: what any signed HTTPS call to AWS loads, the smallest function that
 * calls AWS through our own client (lib/aws/wire) and the same through SDK v3 (why the functions
 * do not use it), built with the functions' own esbuild options.
 */
async function referenceBundles(out: string): Promise<Array<{ target: ColdTarget; size: string }>> {
  const entries = {
    'node:https + node:crypto only (what any signed AWS call loads)': `import { request } from 'node:https';
import { createHmac } from 'node:crypto';
export const handler = async () => [typeof request, typeof createHmac];`,
    'our own client (lib/aws/wire), one SNS Publish: what the functions use': `import { wireConfig } from ${JSON.stringify(path.join(ROOT, 'lib/aws/wire/client'))};
import { snsService } from ${JSON.stringify(path.join(ROOT, 'lib/aws/wire/services'))};
const sns = snsService(wireConfig());
export const handler = async () => sns.call('Publish', { TopicArn: process.env.TOPIC, Message: 'x' });`,
    'one SDK v3 client (SNS Publish)': `import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
const sns = new SNSClient({});
export const handler = async () => sns.send(new PublishCommand({ TopicArn: process.env.TOPIC, Message: 'x' }));`,
  };
  const { functionBuildOptions } = require(path.join(ROOT, 'scripts', 'esbuild-options.cjs'));
  const references: Array<{ target: ColdTarget; size: string }> = [];
  for (const [name, source] of Object.entries(entries)) {
    const dir = mkdtempSync(path.join(out, 'reference-'));
    const entry = path.join(dir, 'entry.mjs');
    writeFileSync(entry, source);
    const file = path.join(dir, 'reference.js');
    await build({ ...functionBuildOptions(), entryPoints: [entry], outfile: file, absWorkingDir: ROOT, nodePaths: [path.join(ROOT, 'node_modules')], logLevel: 'error' });
    const code = readFileSync(file);
    references.push({
      target: { name: `reference: ${name}, same build`, file, env: { AWS_REGION: 'us-east-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } },
      size: `${kb(deflateRawSync(code, { level: 9 }).length)} zipped (${kb(code.length)} minified)`,
    });
  }
  return references;
}

function latency(): void {
  const policy = loadPolicyFile(path.join(ROOT, 'policy.yml'), controlIds);
  const samples = JSON.parse(readFileSync(path.join(ROOT, 'samples', 'cloudtrail-sample.json'), 'utf8')).Records as Array<Record<string, any>>;
  const records = [...(existsSync(path.join(CORPUS, 'CloudTrail')) ? corpusRecords() : []), ...samples];
  // As EventBridge delivers them to the handler.
  const envelopes = records.map((r) => ({
    version: '0',
    id: r.eventID,
    'detail-type': 'AWS API Call via CloudTrail',
    source: `aws.${String(r.eventSource).split('.')[0]}`,
    account: r.recipientAccountId ?? '123456789012',
    time: r.eventTime,
    region: r.awsRegion ?? 'us-east-1',
    resources: [],
    detail: r,
  }));
  const context = { policy, baselines: NO_BASELINES };
  const handled = envelopes.filter((e) => controls.some((c) => handles(c, parseChange(e))));
  const measure = (events: typeof envelopes) => {
    const passes = 20;
    const samplesUs: number[] = [];
    for (let pass = 0; pass < passes + 5; pass += 1) {
      for (const event of events) {
        const started = performance.now();
        evaluateChange(parseChange(event), context, controls);
        if (pass >= 5) samplesUs.push((performance.now() - started) * 1000);
      }
    }
    return samplesUs.sort((a, b) => a - b);
  };
  for (const [name, events] of [
    [`all ${fmt(envelopes.length)} corpus records`, envelopes],
    [`the ${fmt(handled.length)} records some control handles (what EventBridge delivers)`, handled],
  ] as const) {
    const sorted = measure(events);
    const p99 = percentile(sorted, 99);
    row(
      `warm pure path (parse envelope + all ${controls.length} controls), ${name}`,
      `p50 ${fmt(percentile(sorted, 50), 1)} µs, p99 ${fmt(p99, 1)} µs, max ${fmt(sorted[sorted.length - 1]!, 0)} µs`,
      'p99 < 1 ms',
      verdict(p99 < 1000, `${fmt(p99 - 1000)} µs over`),
    );
  }
}

function table(): string {
  const header: Row = { metric: 'measure', measured: 'measured', target: 'target', verdict: 'verdict' };
  const all = [header, ...rows];
  const w = (k: keyof Row) => Math.max(...all.map((r) => r[k].length));
  const line = (r: Row) => `| ${r.metric.padEnd(w('metric'))} | ${r.measured.padEnd(w('measured'))} | ${r.target.padEnd(w('target'))} | ${r.verdict.padEnd(w('verdict'))} |`;
  const rule = `|${'-'.repeat(w('metric') + 2)}|${'-'.repeat(w('measured') + 2)}|${'-'.repeat(w('target') + 2)}|${'-'.repeat(w('verdict') + 2)}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const want = (part: string) => only.length === 0 || only.includes(part);
  if (want('latency')) latency();
  if (want('bundle')) await bundles();
  if (want('throughput')) await throughput();
  process.stdout.write(`${table()}\n`);
}

main().catch((error) => {
  process.stderr.write(`bench failed: ${error?.stack ?? error}\n`);
  process.exitCode = 1;
});
