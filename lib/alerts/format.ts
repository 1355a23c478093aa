import type { Finding } from '../controls/types';
import type { DigestContent, UpdateContent } from './digest-format';

/** What an alert is about; each protocol (email, machines, chat, Slack) renders it its own way. */
export type AlertContent = { kind: 'finding'; finding: Finding } | UpdateContent | DigestContent;

export interface Alert {
  subject: string;
  /** The plain-text body (email, and the fallback for protocols without a format of their own). */
  message: string;
  /** SNS message attributes, so subscription filter policies can route by severity or control. */
  attributes: { severity: string; control: string; account: string };
  content: AlertContent;
}

/** SNS subjects: ASCII, no line breaks, under 100 characters. */
export const MAX_SUBJECT = 99;
/**
 * The email body's share of the SNS message. SNS allows 256 KiB for the whole message, and a
 * per-protocol message carries the email text, the machine JSON (three times: email-json, sqs,
 * lambda) and the chat payload; lib/alerts/sns.ts shrinks all of them further if needed.
 */
export const MAX_MESSAGE_BYTES = 64 * 1024;

export function toAsciiLine(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[^\x20-\x7e]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** An ASCII subject line under 100 characters, cut with "..." when longer. */
export function subjectLine(text: string): string {
  const subject = toAsciiLine(text);
  return subject.length <= MAX_SUBJECT ? subject : `${subject.slice(0, MAX_SUBJECT - 3)}...`;
}

export function resourceNameOf(resource: string): string {
  return resource.split(/[/:]/).pop() || resource;
}

/** What the subject says before the control when the remediation needs a person: it failed, or it stopped in a loop. */
function remediationFlagOf(finding: Finding): string {
  if (finding.remediationLoop) return 'REMEDIATION LOOP ';
  return finding.remediation?.status === 'failed' ? 'remediation failed: ' : '';
}

export function subjectOf(finding: Finding): string {
  return subjectLine(`[${finding.severity.toUpperCase()}] ${remediationFlagOf(finding)}${finding.control}: ${resourceNameOf(finding.resource)} (${finding.account} ${finding.region})`);
}

export function pretty(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? 'none';
}

export interface Link {
  label: string;
  url: string;
}

const CONSOLE_PAGES: Array<[RegExp, string, (region: string, name: string) => string]> = [
  [/:event-bus\/(.+)$/, 'Event bus', (region, name) => `events/home?region=${region}#/eventbus/${encodeURIComponent(name)}`],
  [/:rule\/(?:[^/]+\/)?([^/]+)$/, 'Rule', (region, name) => `events/home?region=${region}#/rules/${encodeURIComponent(name)}`],
  [/^arn:[^:]+:kms:[^:]*:[^:]*:key\/(.+)$/, 'KMS key', (region, id) => `kms/home?region=${region}#/kms/keys/${encodeURIComponent(id)}`],
  [/^arn:[^:]+:cloudtrail:[^:]*:[^:]*:trail\/(.+)$/, 'Trail', (region, name) => `cloudtrailv2/home?region=${region}#/trails/${encodeURIComponent(name)}`],
  [/^arn:[^:]+:sns:[^:]*:[^:]*:(.+)$/, 'Topic', (region, name) => `sns/v3/home?region=${region}#/topic/${encodeURIComponent(name)}`],
];

/** The console pages to open: the resource (when its type has a page) and the CloudTrail event. */
export function linksOf(finding: Finding): Link[] {
  const region = finding.region;
  const base = `https://${region}.console.aws.amazon.com`;
  const links: Link[] = [];
  for (const [pattern, label, page] of CONSOLE_PAGES) {
    const match = pattern.exec(finding.resource);
    if (match) {
      links.push({ label, url: `${base}/${page(region, match[1] ?? '')}` });
      break;
    }
  }
  // A drift the sweep found in live state has no CloudTrail event to open.
  if (finding.foundBy !== 'sweep') links.push({ label: 'CloudTrail event', url: `${base}/cloudtrailv2/home?region=${region}#/events/${encodeURIComponent(finding.event.id)}` });
  return links;
}

/** What the reader should do now, given what the responder already did. One sentence or two. */
export function nextStepOf(finding: Finding): string {
  switch (finding.remediation.status) {
    case 'applied':
      return 'Already undone by the responder. If the change was intended, make it again as a trusted principal (policy: trustedPrincipals) or add an exemption; Before/After show exactly what was changed back.';
    case 'planned':
      return `Dry-run: nothing was changed. Revert the change by hand if it was not approved, or let the responder do it: set controls.${finding.control}.dryRun: false in the policy.`;
    case 'failed':
      return 'The automatic fix FAILED: revert the change by hand now, then check the responder logs for the error.';
    case 'skipped':
      return 'Nothing was changed. Confirm with the actor that the change was approved; if not, revert it by hand.';
    case 'none':
      return 'No automatic fix for this control: confirm with the actor that the change was approved; if not, revert it by hand.';
  }
}

/** How an alert says a finding came from the reconciliation sweep (lib/sweep/) rather than from a CloudTrail event. */
export const FOUND_BY_SWEEP = 'the reconciliation sweep, in live state: no CloudTrail event reported this drift (the event name is what would have reported it)';

export function actorLine(finding: Finding): string {
  const actor = finding.actor;
  return [actor.arn ?? 'unknown principal', actor.type ? `(${actor.type})` : '', actor.issuerArn && actor.issuerArn !== actor.arn ? `via ${actor.issuerArn}` : '']
    .filter(Boolean)
    .join(' ');
}

const TRUNCATION_NOTE = '\n[truncated: evidence exceeded the SNS size limit; see the CloudTrail event]';
const MAX_LINE = 1000;

export function capLine(line: string, max = MAX_LINE): string {
  if (line.length <= max) return line;
  // Do not leave half of a surrogate pair at the cut.
  const cut = line.slice(0, max - 3).replace(/[\uD800-\uDBFF]$/, '');
  return `${cut}...`;
}

/** The longest prefix of text within maxBytes of UTF-8 that does not split a character. */
export function cutUtf8(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let end = Math.max(0, maxBytes);
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end -= 1; // back off continuation bytes
  return bytes.subarray(0, end).toString('utf8');
}

/** Fits text into maxBytes: whole when it fits, else cut on a character boundary with the note appended. */
export function fitWithNote(head: string, tail: string, maxBytes: number, note = TRUNCATION_NOTE): string {
  const whole = `${head}${tail}`;
  if (Buffer.byteLength(whole) <= maxBytes) return whole;
  const room = Math.max(0, maxBytes - Buffer.byteLength(head) - Buffer.byteLength(note));
  return `${head}${cutUtf8(tail, room)}${note}`;
}

/**
 * A plain-text body an on-call engineer can read in five seconds: what, who, where, what was
 * done and what to do next. The header always survives; only the evidence is cut to fit.
 */
export function messageOf(finding: Finding, maxBytes = MAX_MESSAGE_BYTES): string {
  const actor = finding.actor;
  const header = [
    `${finding.severity.toUpperCase()}: ${finding.title}`,
    '',
    `What:       ${finding.evidence.summary}`,
    `Control:    ${finding.control}`,
    `Resource:   ${finding.resource}`,
    `Account:    ${finding.account}   Region: ${finding.region}`,
    `When:       ${finding.event.time}`,
    `Who:        ${actorLine(finding)}`,
    `From:       ${actor.sourceIp ?? 'unknown'}   User agent: ${actor.userAgent ?? 'unknown'}`,
    `Event:      ${finding.event.name} (${finding.event.source}) eventID ${finding.event.id}`,
    ...(finding.foundBy === 'sweep' ? [`Found by:   ${FOUND_BY_SWEEP}`] : []),
    `Response:   ${finding.remediation.status}: ${finding.remediation.reason}`,
    ...(finding.tags && finding.tags.decisions.length > 0 ? [`Tags:       ${finding.tags.decisions.join('; ')}`] : []),
    `Next:       ${nextStepOf(finding)}`,
    '',
    ...linksOf(finding).map((link) => `${`${link.label}:`.padEnd(18)}${link.url}`),
  ]
    .map((line) => capLine(line))
    .join('\n');
  const evidence: string[] = [];
  if (finding.evidence.statements?.length) evidence.push('', 'Offending statement(s):', pretty(finding.evidence.statements));
  if (finding.evidence.before !== undefined) evidence.push('', 'Before:', pretty(finding.evidence.before));
  if (finding.evidence.after !== undefined) evidence.push('', 'After:', pretty(finding.evidence.after));
  const whole = [header, ...evidence, '', '-- drift-responder'].join('\n');
  if (Buffer.byteLength(whole) <= maxBytes) return whole;
  return fitWithNote(header, evidence.join('\n'), maxBytes);
}

export function alertOf(finding: Finding): Alert {
  return {
    subject: subjectOf(finding),
    message: messageOf(finding),
    attributes: { severity: finding.severity, control: finding.control, account: finding.account },
    content: { kind: 'finding', finding },
  };
}
