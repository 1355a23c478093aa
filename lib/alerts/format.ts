import type { Finding } from '../controls/types';

export interface Alert {
  subject: string;
  message: string;
  /** SNS message attributes, so subscription filter policies can route by severity or control. */
  attributes: { severity: string; control: string; account: string };
}

/** SNS subjects: ASCII, no line breaks, under 100 characters. */
export const MAX_SUBJECT = 99;
/** SNS bodies may be 256 KiB; leave room for the envelope and attributes. */
export const MAX_MESSAGE_BYTES = 240 * 1024;

export function toAsciiLine(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[^\x20-\x7e]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

export function subjectOf(finding: Finding): string {
  const resourceName = finding.resource.split(/[/:]/).pop() || finding.resource;
  const subject = toAsciiLine(
    `[${finding.severity.toUpperCase()}] ${finding.control}: ${resourceName} (${finding.account} ${finding.region})`,
  );
  return subject.length <= MAX_SUBJECT ? subject : `${subject.slice(0, MAX_SUBJECT - 3)}...`;
}

function pretty(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? 'none';
}

function consoleLinks(finding: Finding): string[] {
  const region = finding.region;
  const links = [
    `CloudTrail event: https://${region}.console.aws.amazon.com/cloudtrailv2/home?region=${region}#/events/${encodeURIComponent(finding.event.id)}`,
  ];
  const bus = /:event-bus\/(.+)$/.exec(finding.resource);
  if (bus) links.unshift(`Event bus:        https://${region}.console.aws.amazon.com/events/home?region=${region}#/eventbus/${encodeURIComponent(bus[1] ?? '')}`);
  return links;
}

/** A plain-text body an on-call engineer can read in five seconds: what, who, where, what was done. */
export function messageOf(finding: Finding): string {
  const actor = finding.actor;
  const who = [actor.arn ?? 'unknown principal', actor.type ? `(${actor.type})` : '', actor.issuerArn && actor.issuerArn !== actor.arn ? `via ${actor.issuerArn}` : '']
    .filter(Boolean)
    .join(' ');
  const lines = [
    `${finding.severity.toUpperCase()}: ${finding.title}`,
    '',
    `What:       ${finding.evidence.summary}`,
    `Control:    ${finding.control}`,
    `Resource:   ${finding.resource}`,
    `Account:    ${finding.account}   Region: ${finding.region}`,
    `When:       ${finding.event.time}`,
    `Who:        ${who}`,
    `From:       ${actor.sourceIp ?? 'unknown'}   User agent: ${actor.userAgent ?? 'unknown'}`,
    `Event:      ${finding.event.name} (${finding.event.source}) eventID ${finding.event.id}`,
    `Response:   ${finding.remediation.status}: ${finding.remediation.reason}`,
  ];
  if (finding.evidence.statements?.length) {
    lines.push('', 'Offending statement(s):', pretty(finding.evidence.statements));
  }
  if (finding.evidence.before !== undefined) lines.push('', 'Before:', pretty(finding.evidence.before));
  if (finding.evidence.after !== undefined) lines.push('', 'After:', pretty(finding.evidence.after));
  lines.push('', ...consoleLinks(finding), '', '-- drift-responder');
  const text = lines.join('\n');
  if (Buffer.byteLength(text) <= MAX_MESSAGE_BYTES) return text;
  return `${Buffer.from(text).subarray(0, MAX_MESSAGE_BYTES).toString('utf8')}\n[truncated: evidence exceeded the SNS size limit; see the CloudTrail event]`;
}

export function alertOf(finding: Finding): Alert {
  return {
    subject: subjectOf(finding),
    message: messageOf(finding),
    attributes: { severity: finding.severity, control: finding.control, account: finding.account },
  };
}
