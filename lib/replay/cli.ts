import { statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { controlById, controlIds, controls, UnknownControlError } from '../controls/registry';
import { SEVERITIES, type Control, type Severity } from '../controls/types';
import { loadTagsFile, TagsFileError } from '../tags/file';
import type { TagSet } from '../tags/types';
import { loadPolicyFile, PolicyFileError } from '../policy/load';
import { toHtml } from './html';
import { problemLine, replaySummary, summaryOf, summaryTable, toJson, toNdjson, toTable } from './output';
import { replayInWorkers } from './parallel';
import { terminalProgress } from './progress';
import { listInputFiles } from './read';
import { replayInProcess, type ReplayResult, type SizedFile } from './replay';

/** The project root: where the bundled samples and example policy live. */
const ROOT = path.resolve(__dirname, '..', '..');
export const BUNDLED_SAMPLES = path.join(ROOT, 'samples');
export const BUNDLED_POLICY = path.join(ROOT, 'policy.yml');

const FORMATS = ['table', 'json', 'ndjson', 'html'] as const;
type Format = (typeof FORMATS)[number];

/** Exit statuses; a stable contract for scripts and CI. */
export const EXIT = { clean: 0, inputProblems: 1, usage: 2, failOn: 3 } as const;

/** Below this much input, starting worker threads costs more than it saves. */
const PARALLEL_MIN_BYTES = 16 * 1024 * 1024;

export const USAGE = `Usage: drift-responder replay [PATH...] [options]

Replays recorded CloudTrail events against the policy, offline: nothing is changed in AWS.
PATH: CloudTrail S3 log files ({"Records":[...]}, .json or .json.gz), directories of them
(searched recursively), NDJSON, single records or EventBridge envelopes. Files are streamed:
memory stays bounded whatever their size. With no PATH, replays the bundled sample events.

  --config FILE        policy file (default: the bundled example policy.yml)
  --tags FILE          resource tags for the policy's tag rules: the JSON output of
                       \`aws resourcegroupstaggingapi get-resources\`, or {"<ARN>": {"Key": "Value"}};
                       without it, resources are judged as untagged (and findings say so)
  --format FMT         table (default), json, ndjson (one finding per line), or html
  --out FILE           write the result to FILE instead of stdout
  --since TIME         skip records before TIME (YYYY-MM-DD or ISO 8601 with a zone)
  --until TIME         skip records after TIME (a date alone means the end of that day, UTC)
  --control ID         run only this control (repeatable)
  --fail-on SEVERITY   exit 3 if a finding is at or above SEVERITY (${SEVERITIES.join(', ')})
  --jobs N             worker threads (default: one per core for large inputs)
  -h, --help           this help

Findings are ordered by event time, then event id. Progress goes to stderr on a terminal;
the summary goes to stderr (and into the json and html reports).
Exit status: 0 clean run, 1 some input could not be read (files or records), 2 bad usage or
invalid policy, 3 a finding at or above --fail-on (takes precedence over 1).

drift-responder sweep --help: the reconciliation sweep of live state in an account (or an emulator).
`;

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** stderr is a terminal: show progress there. */
  isTerminal?: boolean;
}

const MAX_PROBLEMS_SHOWN = 20;
const DAY_MS = 24 * 60 * 60 * 1000;

class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A --since/--until value: a date (UTC) or a timestamp with a zone; `endOfDay` widens a date to its last millisecond. */
export function parseTime(option: string, value: string, endOfDay: boolean): number {
  const date = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const stamp = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value);
  const time = Date.parse(date ? `${value}T00:00:00Z` : value);
  if ((!date && !stamp) || Number.isNaN(time) || (date && new Date(time).toISOString().slice(0, 10) !== value)) {
    throw new UsageError(`${option} must be a date (YYYY-MM-DD) or an ISO 8601 time with a zone, like 2024-03-31T18:00:00Z (got "${value}")`);
  }
  return date && endOfDay ? time + DAY_MS - 1 : time;
}

function selectedControls(ids: readonly string[]): readonly Control[] {
  if (ids.length === 0) return controls;
  const wanted = ids.map((id) => {
    try {
      return controlById(id);
    } catch (error) {
      if (error instanceof UnknownControlError) throw new UsageError(`--control: ${error.message}`);
      throw error;
    }
  });
  // Registry order, so findings of one event keep the order they have without the filter.
  return controls.filter((c) => wanted.includes(c));
}

function sized(files: readonly string[]): SizedFile[] {
  return files.map((file) => {
    try {
      return { file, bytes: statSync(file).size };
    } catch {
      // Reading it will report why.
      return { file, bytes: 0 };
    }
  });
}

export async function main(argv: readonly string[], io: Io, now: Date = new Date()): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help') {
    io.stdout(USAGE);
    return command === undefined ? EXIT.usage : EXIT.clean;
  }
  // The reconciliation sweep of live state (lib/sweep/cli.ts), loaded only when asked for: replay needs no AWS client.
  if (command === 'sweep') return (require('../sweep/cli') as typeof import('../sweep/cli')).sweepMain(rest, io);
  if (command !== 'replay') {
    io.stderr(`drift-responder: unknown command "${command}"\n\n${USAGE}`);
    return EXIT.usage;
  }
  let args;
  try {
    args = parseArgs({
      args: [...rest],
      allowPositionals: true,
      options: {
        config: { type: 'string' },
        tags: { type: 'string' },
        format: { type: 'string', default: 'table' },
        out: { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        control: { type: 'string', multiple: true, default: [] },
        'fail-on': { type: 'string' },
        jobs: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    io.stderr(`drift-responder replay: ${(error as Error).message}\n\n${USAGE}`);
    return EXIT.usage;
  }
  const { values } = args;
  if (values.help) {
    io.stdout(USAGE);
    return EXIT.clean;
  }

  let format: Format;
  let since: number | undefined;
  let until: number | undefined;
  let failOn: Severity | undefined;
  let selected: readonly Control[];
  let jobs: number | undefined;
  try {
    format = values.format as Format;
    if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')} (got "${values.format}")`);
    since = values.since === undefined ? undefined : parseTime('--since', values.since, false);
    until = values.until === undefined ? undefined : parseTime('--until', values.until, true);
    if (since !== undefined && until !== undefined && since > until) throw new UsageError('--since is after --until');
    if (values['fail-on'] !== undefined) {
      if (!(SEVERITIES as readonly string[]).includes(values['fail-on'])) {
        throw new UsageError(`--fail-on must be one of ${SEVERITIES.join(', ')} (got "${values['fail-on']}")`);
      }
      failOn = values['fail-on'] as Severity;
    }
    selected = selectedControls(values.control);
    if (values.jobs !== undefined) {
      jobs = Number(values.jobs);
      if (!/^\d+$/.test(values.jobs) || jobs < 1) throw new UsageError(`--jobs must be a whole number of at least 1 (got "${values.jobs}")`);
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`drift-responder replay: ${error.message}\n`);
    return EXIT.usage;
  }

  const policyFile = values.config ?? BUNDLED_POLICY;
  let policy;
  try {
    policy = loadPolicyFile(policyFile, controlIds);
  } catch (error) {
    if (!(error instanceof PolicyFileError)) throw error;
    io.stderr(`drift-responder replay: ${error.message}\n`);
    return EXIT.usage;
  }

  let tags: Record<string, TagSet> | undefined;
  try {
    tags = values.tags === undefined ? undefined : loadTagsFile(values.tags);
  } catch (error) {
    if (!(error instanceof TagsFileError)) throw error;
    io.stderr(`drift-responder replay: ${error.message}\n`);
    return EXIT.usage;
  }
  if (policy.tags.length > 0 && tags === undefined) {
    io.stderr(`note: the policy has ${policy.tags.length} tag rule(s) and no --tags file was given: every resource is judged as untagged\n`);
  }

  const paths = args.positionals.length > 0 ? args.positionals : [BUNDLED_SAMPLES];
  const listing = listInputFiles(paths);
  const files = sized(listing.files);
  const totalBytes = files.reduce((sum, f) => sum + f.bytes, 0);
  const workers = jobs ?? (files.length > 1 && totalBytes >= PARALLEL_MIN_BYTES ? Math.min(availableParallelism(), files.length) : 1);
  const progress = io.isTerminal ? terminalProgress(io.stderr, files.length, totalBytes) : undefined;
  const settings = { policy, controls: selected, now, since, until, ...(tags ? { tags } : {}) };
  let result: ReplayResult;
  try {
    result =
      workers > 1
        ? await replayInWorkers(files, listing.errors, settings, workers, progress?.add)
        : await replayInProcess(files, listing.errors, settings, progress?.add);
  } finally {
    progress?.finish();
  }

  const policyName = path.relative(process.cwd(), policyFile) || policyFile;
  const summary = replaySummary(result, {
    policy: policyName,
    controls: selected.map((c) => c.id),
    since: values.since,
    until: values.until,
    failOn,
  });
  const output =
    format === 'json'
      ? toJson(result, summary)
      : format === 'ndjson'
        ? toNdjson(result.findings)
        : format === 'html'
          ? toHtml(result, summary)
          : toTable(result.findings);
  if (values.out !== undefined) writeFileSync(values.out, output);
  else io.stdout(output);

  for (const problem of result.problems.slice(0, MAX_PROBLEMS_SHOWN)) io.stderr(`${problemLine(problem)}\n`);
  if (result.counts.problems > MAX_PROBLEMS_SHOWN) {
    io.stderr(`error: ... and ${result.counts.problems - MAX_PROBLEMS_SHOWN} more problem(s)\n`);
  }
  io.stderr(summaryTable(summary));
  const { counts } = result;
  const problems = [
    counts.unreadableFiles > 0 && `${counts.unreadableFiles} unreadable file(s)`,
    counts.incompleteFiles > 0 && `${counts.incompleteFiles} file(s) read only in part`,
    counts.malformedRecords > 0 && `${counts.malformedRecords} malformed record(s)`,
    counts.controlFailures > 0 && `${counts.controlFailures} control failure(s)`,
  ].filter(Boolean);
  io.stderr(
    `replayed ${counts.records} record(s) from ${counts.files - counts.unreadableFiles} of ${counts.files} file(s) with policy ${policyName}: ` +
      `${summaryOf(result.findings)}${counts.suppressed > 0 ? `, ${counts.suppressed} suppressed by exemptions` : ''}` +
      `${counts.outsideWindow > 0 ? `, ${counts.outsideWindow} record(s) outside --since/--until skipped` : ''}` +
      `${counts.problems > 0 ? `; ${counts.problems} problem(s): ${problems.join(', ')}` : ''}\n`,
  );
  if (summary.failOn && summary.failOn.findings > 0) {
    io.stderr(`--fail-on ${summary.failOn.severity}: ${summary.failOn.findings} finding(s) at or above it\n`);
    return EXIT.failOn;
  }
  return counts.problems > 0 ? EXIT.inputProblems : EXIT.clean;
}
