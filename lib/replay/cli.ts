import path from 'node:path';
import { parseArgs } from 'node:util';
import { controlIds, controls } from '../controls/registry';
import { loadPolicyFile, PolicyFileError } from '../policy/load';
import { listInputFiles, readInputFile } from './read';
import { replay } from './replay';
import { summaryOf, toJson, toNdjson, toTable } from './output';

/** The project root: where the bundled samples and example policy live. */
const ROOT = path.resolve(__dirname, '..', '..');
export const BUNDLED_SAMPLES = path.join(ROOT, 'samples');
export const BUNDLED_POLICY = path.join(ROOT, 'policy.yml');

const FORMATS = ['table', 'json', 'ndjson'] as const;
type Format = (typeof FORMATS)[number];

export const USAGE = `Usage: drift-responder replay [PATH...] [--config FILE] [--format table|json|ndjson]

Replays recorded CloudTrail events against the policy, offline: nothing is changed in AWS.
PATH: CloudTrail S3 log files ({"Records":[...]}, .json or .json.gz), directories of them
(searched recursively), NDJSON, single records or EventBridge envelopes.
With no PATH, replays the sample events bundled with drift-responder.

  --config FILE    policy file (default: the bundled example policy.yml)
  --format FMT     table (default), json, or ndjson (one finding per line)
  -h, --help       this help

Exit status: 0 clean run, 1 some input could not be read, 2 bad usage or invalid policy.
`;

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const MAX_PROBLEMS_SHOWN = 20;

export function main(argv: readonly string[], io: Io, now: Date = new Date()): number {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help') {
    io.stdout(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command !== 'replay') {
    io.stderr(`drift-responder: unknown command "${command}"\n\n${USAGE}`);
    return 2;
  }
  let args;
  try {
    args = parseArgs({
      args: [...rest],
      allowPositionals: true,
      options: {
        config: { type: 'string' },
        format: { type: 'string', default: 'table' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    io.stderr(`drift-responder replay: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.values.help) {
    io.stdout(USAGE);
    return 0;
  }
  const format = args.values.format as Format;
  if (!FORMATS.includes(format)) {
    io.stderr(`drift-responder replay: --format must be one of ${FORMATS.join(', ')} (got "${format}")\n`);
    return 2;
  }

  const policyFile = args.values.config ?? BUNDLED_POLICY;
  let policy;
  try {
    policy = loadPolicyFile(policyFile, controlIds);
  } catch (error) {
    if (!(error instanceof PolicyFileError)) throw error;
    io.stderr(`drift-responder replay: ${error.message}\n`);
    return 2;
  }

  const paths = args.positionals.length > 0 ? args.positionals : [BUNDLED_SAMPLES];
  const { files, errors } = listInputFiles(paths);
  const result = replay(
    (function* () {
      yield* errors;
      for (const file of files) yield readInputFile(file);
    })(),
    policy,
    controls,
    now,
  );

  io.stdout(format === 'json' ? toJson(result.findings) : format === 'ndjson' ? toNdjson(result.findings) : toTable(result.findings));

  for (const problem of result.problems.slice(0, MAX_PROBLEMS_SHOWN)) {
    io.stderr(`error: ${problem.file}${problem.record > 0 ? ` record ${problem.record}` : ''}: ${problem.message}\n`);
  }
  if (result.problems.length > MAX_PROBLEMS_SHOWN) {
    io.stderr(`error: ... and ${result.problems.length - MAX_PROBLEMS_SHOWN} more problem(s)\n`);
  }
  const unreadable = result.problems.filter((p) => p.record === 0).length;
  io.stderr(
    `replayed ${result.records} record(s) from ${result.files - unreadable} of ${result.files} file(s) with policy ${path.relative(process.cwd(), policyFile) || policyFile}: ` +
      `${summaryOf(result.findings)}${result.suppressed > 0 ? `, ${result.suppressed} suppressed by exemptions` : ''}` +
      `${result.problems.length > 0 ? `; ${result.problems.length} problem(s)` : ''}\n`,
  );
  return result.problems.length > 0 ? 1 : 0;
}
