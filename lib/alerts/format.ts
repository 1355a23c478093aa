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

const TRUNCATION_NOTE = '\n[truncated: evidence exceeded the SNS size limit; see the CloudTrail event]';
const MAX_LINE = 1000;

function capLine(line: string): string {
  return line.length <= MAX_LINE ? line : `${line.slice(0, MAX_LINE - 3)}...`;
}

/** The longest prefix of text within maxBytes of UTF-8 that does not split a character. */
export function cutUtf8(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let end = Math.max(0, maxBytes);
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end -= 1; // back off continuation bytes
  return bytes.subarray(0, end).toString('utf8');
}

/**
 * A plain-text body an on-call engineer can read in five seconds: what, who, where,
 * what was done. The header always survives; only the evidence is cut to fit SNS.
 */
export function messageOf(finding: Finding): string {
  const actor = finding.actor;
  const who = [actor.arn ?? 'unknown principal', actor.type ? `(${actor.type})` : '', actor.issuerArn && actor.issuerArn !== actor.arn ? `via ${actor.issuerArn}` : '']
    .filter(Boolean)
    .join(' ');
  const header = [
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
    '',
    ...consoleLinks(finding),
  ]
    .map(capLine)
    .join('\n');
  const evidence: string[] = [];
  if (finding.evidence.statements?.length) evidence.push('', 'Offending statement(s):', pretty(finding.evidence.statements));
  if (finding.evidence.before !== undefined) evidence.push('', 'Before:', pretty(finding.evidence.before));
  if (finding.evidence.after !== undefined) evidence.push('', 'After:', pretty(finding.evidence.after));
  const whole = [header, ...evidence, '', '-- drift-responder'].join('\n');
  if (Buffer.byteLength(whole) <= MAX_MESSAGE_BYTES) return whole;
  const room = MAX_MESSAGE_BYTES - Buffer.byteLength(header) - Buffer.byteLength(TRUNCATION_NOTE);
  return `${header}${cutUtf8(evidence.join('\n'), room)}${TRUNCATION_NOTE}`;
}

export function alertOf(finding: Finding): Alert {
  return {
    subject: subjectOf(finding),
    message: messageOf(finding),
    attributes: { severity: finding.severity, control: finding.control, account: finding.account },
  };
}
