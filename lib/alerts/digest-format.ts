import { SEVERITIES, type Finding, type Severity } from '../controls/types';
import { actorLine, capLine, fitWithNote, MAX_MESSAGE_BYTES, nextStepOf, resourceNameOf, subjectLine, type Alert } from './format';

/** A repeat of a finding already alerted within the dedup window: one message with the count. */
export interface UpdateContent {
  kind: 'update';
  /** The latest occurrence. */
  finding: Finding;
  /** Occurrences in the window so far, the first alert included. */
  count: number;
  /** Occurrences since the last message about it (the first alert or the previous update). */
  sinceLast: number;
  firstSeen: string;
  lastSeen: string;
  windowEnds: string;
}

/** One line of a digest: enough to find the event again (eventID) and see what was done. */
export interface DigestEntry {
  control: string;
  severity: Severity;
  title: string;
  resource: string;
  account: string;
  region: string;
  eventName: string;
  eventId: string;
  eventTime: string;
  actor: string;
  remediation: { status: string; reason: string };
}

/** Findings held back during a storm (more than the threshold in one minute), sent as one message. */
export interface DigestContent {
  kind: 'digest';
  /** `storm`: findings beyond the per-minute threshold; `repeats`: too many count updates for one message each. */
  reason: 'storm' | 'repeats';
  window: { start: string; end: string };
  threshold: number;
  /** Findings in the window beyond the threshold: all of them, even those the message cannot list. */
  total: number;
  entries: DigestEntry[];
}

const FIELD = 300;

export function digestEntryOf(finding: Finding): DigestEntry {
  return {
    control: finding.control,
    severity: finding.severity,
    title: capLine(finding.title, FIELD),
    resource: capLine(finding.resource, FIELD),
    account: finding.account,
    region: finding.region,
    eventName: finding.event.name,
    eventId: finding.event.id,
    eventTime: finding.event.time,
    actor: capLine(finding.actor.arn ?? 'unknown principal', FIELD),
    remediation: { status: finding.remediation.status, reason: capLine(finding.remediation.reason, FIELD) },
  };
}

export function highestSeverity(severities: Iterable<Severity>): Severity {
  let best = SEVERITIES.length - 1;
  for (const s of severities) best = Math.min(best, SEVERITIES.indexOf(s));
  return SEVERITIES[best] ?? 'info';
}

export function countBy<T>(items: readonly T[], key: (item: T) => string): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

export function updateSubjectOf(content: UpdateContent): string {
  const f = content.finding;
  return subjectLine(`[${f.severity.toUpperCase()}] ${f.control}: ${resourceNameOf(f.resource)} seen ${content.count}x (${f.account} ${f.region})`);
}

export function updateMessageOf(content: UpdateContent, maxBytes = MAX_MESSAGE_BYTES): string {
  const f = content.finding;
  const lines = [
    `${f.severity.toUpperCase()}: ${f.title} - seen ${content.count} times`,
    '',
    `Repeats:    ${content.sinceLast} more since the last message (${content.count} in all since ${content.firstSeen}; last ${content.lastSeen})`,
    `What:       ${f.evidence.summary}`,
    `Control:    ${f.control}`,
    `Resource:   ${f.resource}`,
    `Account:    ${f.account}   Region: ${f.region}`,
    `Last by:    ${actorLine(f)}`,
    `Last event: ${f.event.name} (${f.event.source}) eventID ${f.event.id} at ${f.event.time}`,
    `Response:   ${f.remediation.status}: ${f.remediation.reason}`,
    `Next:       ${nextStepOf(f)}`,
    '',
    `One alert per control and resource every dedup window (policy alerts.dedupWindowMinutes); this window ends ${content.windowEnds}.`,
  ].map((line) => capLine(line));
  return fitWithNote(lines.join('\n'), '\n\n-- drift-responder', maxBytes);
}

export function updateAlertOf(content: UpdateContent): Alert {
  const f = content.finding;
  return {
    subject: updateSubjectOf(content),
    message: updateMessageOf(content),
    attributes: { severity: f.severity, control: f.control, account: f.account },
    content,
  };
}

export function digestSeverity(content: DigestContent): Severity {
  return highestSeverity(content.entries.map((e) => e.severity));
}

function accountsOf(content: DigestContent): string {
  const accounts = countBy(content.entries, (e) => `${e.account} ${e.region}`).map(([k]) => k);
  return accounts.length === 1 ? (accounts[0] ?? '') : `${accounts.length} accounts/regions`;
}

export function digestSubjectOf(content: DigestContent): string {
  const what = content.reason === 'storm' ? `${content.total} findings in one minute` : `${content.total} findings repeated`;
  return subjectLine(`[${digestSeverity(content).toUpperCase()}] drift-responder digest: ${what} (${accountsOf(content)})`);
}

export function digestLineOf(e: DigestEntry): string {
  return capLine(`${e.eventTime}  ${e.severity.toUpperCase().padEnd(8)}  ${e.control}  ${e.resource}  ${e.eventName} ${e.eventId}  by ${e.actor}  -> ${e.remediation.status}`, 600);
}

/** How to list every finding of the window, including those the message had no room for. */
export function logsQueryOf(content: DigestContent): string {
  return `CloudWatch Logs Insights on the responder's log group, ${content.window.start} to ${content.window.end}: fields @timestamp, control, severity, resource, eventId, remediation.status | filter message = "finding" | sort @timestamp asc`;
}

/**
 * The digest as text: totals first (by severity, control, actor), then one line per finding as
 * far as `maxBytes` allows, and a note saying how many more there are and where to find them.
 */
export function digestMessageOf(content: DigestContent, maxBytes = MAX_MESSAGE_BYTES): string {
  const bySeverity = SEVERITIES.map((s) => [s, content.entries.filter((e) => e.severity === s).length] as const).filter(([, n]) => n > 0);
  const head = [
    content.reason === 'storm'
      ? `ALERT STORM: ${content.total} findings between ${content.window.start} and ${content.window.end}, beyond the ${content.threshold} a minute sent one by one; here they are in one message.`
      : `REPEATS: ${content.total} findings already alerted happened again between ${content.window.start} and ${content.window.end}; one message instead of ${content.total} count updates.`,
    '',
    `By severity: ${bySeverity.map(([s, n]) => `${s} ${n}`).join(', ')}`,
    `By control:  ${countBy(content.entries, (e) => e.control).map(([c, n]) => `${c} ${n}`).join(', ')}`,
    `By actor:    ${countBy(content.entries, (e) => e.actor).slice(0, 5).map(([a, n]) => `${a} ${n}`).join(', ')}`,
    `Response:    ${countBy(content.entries, (e) => e.remediation.status).map(([s, n]) => `${s} ${n}`).join(', ')}`,
    `Next:        Find the common actor or deployment above; every finding below carries its CloudTrail eventID. All ${content.total}: ${logsQueryOf(content)}`,
    '',
    'Findings:',
  ]
    .map((line) => capLine(line, 2000))
    .join('\n');
  const ordered = [...content.entries].sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) || a.eventTime.localeCompare(b.eventTime));
  const footer = '\n\n-- drift-responder';
  let body = '';
  let listed = 0;
  for (const entry of ordered) {
    const line = `\n${digestLineOf(entry)}`;
    const more = content.total - listed - 1;
    const reserve = more > 0 ? Buffer.byteLength(moreNote(more)) : 0;
    if (Buffer.byteLength(head) + Buffer.byteLength(body) + Buffer.byteLength(line) + reserve + Buffer.byteLength(footer) > maxBytes) break;
    body += line;
    listed += 1;
  }
  const unlisted = content.total - listed;
  return `${head}${body}${unlisted > 0 ? moreNote(unlisted) : ''}${footer}`;
}

function moreNote(count: number): string {
  return `\n[${count} more finding(s) not listed here: see the logs query above]`;
}

export function digestAlertOf(content: DigestContent): Alert {
  const first = content.entries[0];
  return {
    subject: digestSubjectOf(content),
    message: digestMessageOf(content),
    attributes: { severity: digestSeverity(content), control: 'digest', account: first?.account ?? 'unknown' },
    content,
  };
}
