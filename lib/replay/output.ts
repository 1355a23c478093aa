import type { Finding, Severity } from '../controls/types';
import { SEVERITIES } from '../controls/types';
import type { Problem, ReplayResult } from './replay';

/** The flat shape of a finding in json/ndjson output; field names are a stable contract. */
export function findingRecord(finding: Finding) {
  return {
    control: finding.control,
    severity: finding.severity,
    eventId: finding.event.id,
    eventName: finding.event.name,
    eventSource: finding.event.source,
    eventTime: finding.event.time,
    resource: finding.resource,
    account: finding.account,
    region: finding.region,
    title: finding.title,
    summary: finding.evidence.summary,
    actor: finding.actor,
    evidence: finding.evidence,
    remediation: finding.remediation,
    // The tags that decided (protected, exempt, stricter mode), when the policy has tag rules.
    ...(finding.tags ? { tags: finding.tags } : {}),
  };
}

export function toNdjson(findings: readonly Finding[]): string {
  return findings.map((f) => `${JSON.stringify(findingRecord(f))}\n`).join('');
}

/** `--format json`: one document with the summary, every finding, and the first problems. */
export function toJson(result: ReplayResult, summary: ReplaySummary): string {
  return `${JSON.stringify({ summary, findings: result.findings.map(findingRecord), problems: result.problems.map(problemRecord) }, null, 2)}\n`;
}

export function problemRecord(problem: Problem) {
  return { file: problem.file, ...(problem.at ?? {}), message: problem.message };
}

/** `error: FILE record 12 (line 12): ...`, or `error: FILE: ...` for the whole file. */
export function problemLine(problem: Problem): string {
  const at = problem.at ? ` record ${problem.at.record}${problem.at.line !== undefined ? ` (line ${problem.at.line})` : ''}` : '';
  return `error: ${problem.file}${at}: ${problem.message}`;
}

function shorten(text: string, width: number): string {
  return text.length <= width ? text : `...${text.slice(text.length - width + 3)}`;
}

export function toTable(findings: readonly Finding[]): string {
  if (findings.length === 0) return 'No findings.\n';
  const header = ['TIME', 'SEVERITY', 'CONTROL', 'EVENT', 'RESOURCE', 'ACTOR', 'RESPONSE'];
  const rows = findings.map((f) => [
    f.event.time,
    f.severity.toUpperCase(),
    f.control,
    f.event.name,
    shorten(f.resource, 60),
    shorten(f.actor.arn ?? 'unknown', 50),
    f.remediation.status,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return `${[line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')}\n`;
}

export function summaryOf(findings: readonly Finding[]): string {
  const counts = SEVERITIES.map((s) => [s, findings.filter((f) => f.severity === s).length] as const).filter(([, n]) => n > 0);
  return counts.length === 0 ? 'no findings' : `${findings.length} finding(s): ${counts.map(([s, n]) => `${n} ${s}`).join(', ')}`;
}

export type SeverityCounts = Record<Severity, number>;

/** What a replay covered and found: part of the json and html reports, and printed on stderr. */
export interface ReplaySummary {
  policy: string;
  controls: string[];
  window: { since?: string; until?: string };
  files: { total: number; read: number; unreadable: number; incomplete: number };
  records: { total: number; outsideWindow: number; malformed: number };
  findings: { total: number; suppressed: number; bySeverity: SeverityCounts; byControl: Record<string, SeverityCounts> };
  problems: { total: number; controlFailures: number };
  failOn?: { severity: Severity; findings: number };
}

const zeroSeverities = (): SeverityCounts => Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as SeverityCounts;

export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

export function replaySummary(
  result: ReplayResult,
  meta: { policy: string; controls: readonly string[]; since?: string; until?: string; failOn?: Severity },
): ReplaySummary {
  const { counts } = result;
  const bySeverity = zeroSeverities();
  const byControl: Record<string, SeverityCounts> = {};
  for (const finding of result.findings) {
    bySeverity[finding.severity] += 1;
    (byControl[finding.control] ??= zeroSeverities())[finding.severity] += 1;
  }
  return {
    policy: meta.policy,
    controls: [...meta.controls],
    window: { ...(meta.since ? { since: meta.since } : {}), ...(meta.until ? { until: meta.until } : {}) },
    files: {
      total: counts.files,
      read: counts.files - counts.unreadableFiles,
      unreadable: counts.unreadableFiles,
      incomplete: counts.incompleteFiles,
    },
    records: { total: counts.records, outsideWindow: counts.outsideWindow, malformed: counts.malformedRecords },
    findings: { total: result.findings.length, suppressed: counts.suppressed, bySeverity, byControl },
    problems: { total: counts.problems, controlFailures: counts.controlFailures },
    ...(meta.failOn
      ? { failOn: { severity: meta.failOn, findings: result.findings.filter((f) => severityRank(f.severity) <= severityRank(meta.failOn!)).length } }
      : {}),
  };
}

/** Findings per control and severity, as a table (stderr for table and ndjson output). */
export function summaryTable(summary: ReplaySummary): string {
  const controls = Object.keys(summary.findings.byControl).sort();
  if (controls.length === 0) return '';
  const header = ['CONTROL', ...SEVERITIES.map((s) => s.toUpperCase()), 'TOTAL'];
  const row = (name: string, counts: SeverityCounts) => [name, ...SEVERITIES.map((s) => String(counts[s])), String(SEVERITIES.reduce((n, s) => n + counts[s], 0))];
  const rows = [...controls.map((c) => row(c, summary.findings.byControl[c]!)), row('all controls', summary.findings.bySeverity)];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}
