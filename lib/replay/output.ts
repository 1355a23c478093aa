import type { Finding } from '../controls/types';
import { SEVERITIES } from '../controls/types';

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
  };
}

export function toNdjson(findings: readonly Finding[]): string {
  return findings.map((f) => `${JSON.stringify(findingRecord(f))}\n`).join('');
}

export function toJson(findings: readonly Finding[]): string {
  return `${JSON.stringify(findings.map(findingRecord), null, 2)}\n`;
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
