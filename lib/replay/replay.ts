import { NO_BASELINES, type BaselineLookup } from '../baseline/types';
import { evaluateChange } from '../controls/evaluate';
import type { Control, Finding } from '../controls/types';
import type { Change } from '../events/change';
import { EventParseError } from '../events/errors';
import { isEnvelope, parseChange } from '../events/parse';
import type { Policy } from '../policy/schema';
import { decideFinding, type TaggedResource } from '../tags/finding';
import { policyForTaggedResource } from '../tags/policy';
import { taggableResourceOf } from '../tags/resources';
import type { TagReading, TagSet } from '../tags/types';
import { describePlan, remediationHeldBack } from '../responder/respond';
import { memoryBurstCounter } from '../state/burst-counter';
import { isRecord } from '../util/json';
import { readRecords, type RecordLocation, type UnreadablePath } from './read';
import type { RecordKeys } from './scan';

/** What a replay judges records against; plain data, so workers receive it as is. */
export interface ReplaySettings {
  policy: Policy;
  controls: readonly Control[];
  /** Exemptions are judged as of this time. */
  now: Date;
  /** Epoch milliseconds; records outside [since, until] are skipped and counted. */
  since?: number;
  until?: number;
  baselines?: BaselineLookup;
  /**
   * Resource tags by ARN (--tags: an export of the account's tags). A resource missing from it
   * is untagged; without it, tag rules see every resource as untagged and findings say so.
   */
  tags?: Readonly<Record<string, TagSet>>;
}

export interface Problem {
  file: string;
  /** Absent for a problem with the whole file (unreadable, or reading stopped early). */
  at?: RecordLocation;
  message: string;
}

/** Counts that add up across files. */
export interface ReplayCounts {
  files: number;
  /** Files of which not one record could be read. */
  unreadableFiles: number;
  /** Files whose reading stopped early, after some records (truncated gzip, broken JSON). */
  incompleteFiles: number;
  /** Records found in the input, malformed ones included. */
  records: number;
  outsideWindow: number;
  malformedRecords: number;
  controlFailures: number;
  suppressed: number;
  problems: number;
}

/** One file's replay, findings in record order. */
export interface FileReport {
  file: string;
  counts: ReplayCounts;
  findings: Finding[];
  /** The first problems (MAX_PROBLEMS_KEPT per file); `counts.problems` has them all. */
  problems: Problem[];
}

export interface ReplayResult {
  counts: ReplayCounts;
  /** Ordered by event time, then event id, then input order. */
  findings: Finding[];
  problems: Problem[];
}

/** Problems kept in full per file and per run; beyond that they are only counted. */
export const MAX_PROBLEMS_KEPT = 100;

export function emptyCounts(): ReplayCounts {
  return { files: 0, unreadableFiles: 0, incompleteFiles: 0, records: 0, outsideWindow: 0, malformedRecords: 0, controlFailures: 0, suppressed: 0, problems: 0 };
}

function addCounts(into: ReplayCounts, more: ReplayCounts): void {
  for (const key of Object.keys(into) as Array<keyof ReplayCounts>) into[key] += more[key];
}

/** The `eventSource eventName` pairs some control handles: the filter EventBridge applies when deployed. */
function handledEvents(controls: readonly Control[]): Set<string> {
  return new Set(controls.flatMap((c) => c.triggers.flatMap((t) => t.eventNames.map((name) => `${t.eventSource} ${name}`))));
}

const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v !== '';

/**
 * Judges records one at a time, offline. Nothing is changed in AWS: a finding whose
 * control would remediate is reported as `planned` (the live re-check a deployed
 * responder does first cannot happen here). Records of events no control handles are
 * not judged, as EventBridge would not deliver them: when the splitter read their
 * eventSource/eventName/eventTime off the text they are not even parsed, otherwise they
 * are checked for those fields only.
 */
export function recordJudge(settings: ReplaySettings) {
  const { policy, controls, now } = settings;
  const since = settings.since ?? -Infinity;
  const until = settings.until ?? Infinity;
  const windowed = settings.since !== undefined || settings.until !== undefined;
  const handled = handledEvents(controls);
  const baselines = settings.baselines ?? NO_BASELINES;
  const controlIds = controls.map((c) => c.id);
  const readingOf = (arn: string, url: string | undefined): TagReading => {
    if (!settings.tags) return { status: 'unknown', reason: 'no tags file given (--tags)' };
    return { status: 'known', tags: settings.tags[arn] ?? (url !== undefined ? settings.tags[url] : undefined) ?? {}, source: 'file' };
  };
  const taggedOf = (change: Change): TaggedResource | undefined => {
    if (policy.tags.length === 0) return undefined;
    const resource = taggableResourceOf(change);
    return resource && { resource, reading: readingOf(resource.arn, resource.url) };
  };

  const problem = (report: FileReport, at: RecordLocation | undefined, message: string) => {
    report.counts.problems += 1;
    if (report.problems.length < MAX_PROBLEMS_KEPT) report.problems.push(at ? { file: report.file, at, message } : { file: report.file, message });
  };

  /** False when the record's time is outside the window (counted), or unreadable while a window is set. */
  const inWindow = (report: FileReport, at: RecordLocation, eventTime: string): boolean => {
    if (!windowed) return true;
    const time = Date.parse(eventTime);
    if (Number.isNaN(time)) {
      report.counts.malformedRecords += 1;
      problem(report, at, `eventTime ${JSON.stringify(eventTime)} is not a date: cannot apply --since/--until`);
      return false;
    }
    if (time >= since && time <= until) return true;
    report.counts.outsideWindow += 1;
    return false;
  };

  const judge = (report: FileReport, at: RecordLocation, change: Change) => {
    const tagged = taggedOf(change);
    const evaluationPolicy = tagged ? policyForTaggedResource(policy, tagged.resource, tagged.reading, controlIds, now) : policy;
    const evaluation = evaluateChange(change, { policy: evaluationPolicy, baselines }, controls);
    for (const failure of evaluation.failures) {
      report.counts.controlFailures += 1;
      problem(report, at, `control ${failure.control} failed: ${failure.error.message}`);
    }
    for (const evaluated of evaluation.findings) {
      const decision = decideFinding(evaluated, policy, tagged, now);
      if (decision.kind === 'off') continue;
      if (decision.kind === 'suppressed') {
        report.counts.suppressed += 1;
        continue;
      }
      const finding = decision.tags ? { ...evaluated, tags: decision.tags } : evaluated;
      const held = finding.plan ? remediationHeldBack(decision.mode, change, policy) : 'no automatic remediation for this control';
      report.findings.push({
        ...finding,
        remediation: held
          ? { status: finding.plan ? 'skipped' : 'none', reason: held }
          : { status: 'planned', reason: `${decision.dryRun ? 'dry-run: ' : ''}would ${describePlan(finding.plan!)} (after re-reading live state)` },
      });
    }
  };

  return {
    problem,
    /** Before parsing: false for a record outside the window or of an event no control handles (counted here). */
    wants(report: FileReport, _at: RecordLocation, keys: RecordKeys): boolean {
      // Empty fields make a record of the wrong shape: parsing reports it.
      if (keys.eventSource === '' || keys.eventName === '' || keys.eventTime === '') return true;
      if (windowed) {
        const time = Date.parse(keys.eventTime);
        // An unreadable time is reported once the record is parsed.
        if (Number.isNaN(time)) return true;
        if (time < since || time > until) {
          report.counts.records += 1;
          report.counts.outsideWindow += 1;
          return false;
        }
      }
      if (handled.has(`${keys.eventSource} ${keys.eventName}`)) return true;
      report.counts.records += 1;
      return false;
    },
    malformed(report: FileReport, at: RecordLocation, message: string) {
      report.counts.records += 1;
      report.counts.malformedRecords += 1;
      problem(report, at, message);
    },
    record(report: FileReport, at: RecordLocation, value: unknown) {
      report.counts.records += 1;
      // The common case, cheaply: a bare record of an event no control handles.
      if (isRecord(value) && nonEmpty(value.eventTime) && nonEmpty(value.eventSource) && nonEmpty(value.eventName) && !isEnvelope(value)) {
        if (!inWindow(report, at, value.eventTime)) return;
        if (!handled.has(`${value.eventSource} ${value.eventName}`)) return;
      }
      let change: Change;
      try {
        change = parseChange(value);
      } catch (error) {
        if (!(error instanceof EventParseError)) throw error;
        report.counts.malformedRecords += 1;
        problem(report, at, error.message);
        return;
      }
      if (isEnvelope(value) && !inWindow(report, at, change.eventTime)) return;
      judge(report, at, change);
    },
  };
}

export type RecordJudge = ReturnType<typeof recordJudge>;

export function emptyReport(file: string): FileReport {
  return { file, counts: { ...emptyCounts(), files: 1 }, findings: [], problems: [] };
}

/** Replays one file, streaming: its findings, counts and problems. */
export async function replayFile(file: string, judge: RecordJudge, progress?: (bytesRead: number, report: FileReport) => void): Promise<FileReport> {
  const report = emptyReport(file);
  const outcome = await readRecords(file, {
    wants: (keys, at) => judge.wants(report, at, keys),
    record: (value, at) => judge.record(report, at, value),
    malformed: (at, message) => judge.malformed(report, at, message),
    progress: progress && ((bytesRead) => progress(bytesRead, report)),
  });
  if (outcome.error !== undefined) {
    if (outcome.records === 0) report.counts.unreadableFiles += 1;
    else report.counts.incompleteFiles += 1;
    judge.problem(report, undefined, outcome.error);
  }
  return report;
}

export function unreadableReport(path: UnreadablePath): FileReport {
  const report = emptyReport(path.file);
  report.counts.unreadableFiles = 1;
  report.counts.problems = 1;
  report.problems.push({ file: path.file, message: path.error });
  return report;
}

const timeKey = (finding: Finding) => {
  const time = Date.parse(finding.event.time);
  return Number.isNaN(time) ? Infinity : time;
};

/**
 * Combines per-file reports (in input order, whichever worker produced them) into one
 * result whose order does not depend on scheduling: findings by event time, then event
 * id, then input order. Counted findings (access-denied-burst) are decided here, in
 * that order, as the deployed counter would: one finding per key, the occurrence that
 * reaches the threshold.
 */
export function mergeReports(reports: readonly FileReport[]): ReplayResult {
  const counts = emptyCounts();
  const problems: Problem[] = [];
  const located: Array<{ finding: Finding; time: number }> = [];
  for (const report of reports) {
    addCounts(counts, report.counts);
    for (const p of report.problems) if (problems.length < MAX_PROBLEMS_KEPT) problems.push(p);
    for (const finding of report.findings) located.push({ finding, time: timeKey(finding) });
  }
  // Array.prototype.sort is stable: equal keys keep input order (file, record, control).
  located.sort((a, b) => a.time - b.time || (a.finding.event.id < b.finding.event.id ? -1 : a.finding.event.id > b.finding.event.id ? 1 : 0));
  // Counted findings (access-denied-burst) alert once per key and window, as deployed.
  const bursts = memoryBurstCounter();
  const findings = located.map((l) => l.finding).filter((f) => !f.burst || bursts.recordNow(f.burst, f.event.id));
  return { counts, findings, problems };
}

/** Replays files in this thread, one after another (small inputs, tests, `--jobs 1`). */
export async function replayInProcess(
  files: readonly SizedFile[],
  unreadable: readonly UnreadablePath[],
  settings: ReplaySettings,
  onProgress?: (progress: ProgressDelta) => void,
): Promise<ReplayResult> {
  const judge = recordJudge(settings);
  const reports = unreadable.map(unreadableReport);
  for (const { file, bytes } of files) {
    const tracker = progressTracker(onProgress);
    const report = await replayFile(file, judge, tracker.update);
    tracker.done(report, bytes);
    reports.push(report);
  }
  return mergeReports(reports);
}

/** An input file and its size on disk (for progress and scheduling). */
export interface SizedFile {
  file: string;
  bytes: number;
}

/** What changed since the last progress report. */
export interface ProgressDelta {
  bytes: number;
  records: number;
  findings: number;
  files: number;
}

/** Turns a file's running totals into deltas, so several files (and workers) can add up. */
export function progressTracker(onProgress?: (delta: ProgressDelta) => void) {
  let bytes = 0;
  let records = 0;
  let findings = 0;
  const send = (bytesRead: number, report: FileReport, files: number) => {
    onProgress?.({ bytes: bytesRead - bytes, records: report.counts.records - records, findings: report.findings.length - findings, files });
    bytes = bytesRead;
    records = report.counts.records;
    findings = report.findings.length;
  };
  return {
    update: onProgress && ((bytesRead: number, report: FileReport) => send(bytesRead, report, 0)),
    /** The file is finished: its whole size counts as read, whatever the last chunk reported. */
    done: (report: FileReport, fileBytes: number) => send(Math.max(fileBytes, bytes), report, 1),
  };
}
