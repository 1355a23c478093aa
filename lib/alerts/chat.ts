import { createHash } from 'node:crypto';
import type { AlertDocument, FindingDocument } from './document';
import { digestLineOf } from './digest-format';
import { FOUND_BY_SWEEP } from './format';

/**
 * The custom notification format of Amazon Q Developer in chat applications (formerly AWS
 * Chatbot), which renders it in Slack, Microsoft Teams and Amazon Chime when the channel's
 * configuration subscribes the alert topic (it arrives through SNS's `https` protocol).
 * Schema: https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html
 */
export interface ChatNotification {
  version: '1.0';
  source: 'custom';
  id?: string;
  content: { textType: 'client-markdown'; title: string; description: string; nextSteps?: string[]; keywords?: string[] };
  metadata?: {
    threadId?: string;
    summary?: string;
    eventType?: string;
    relatedResources?: string[];
    additionalContext?: Record<string, string>;
  };
}

/** Chat clients show long descriptions badly (and Slack cuts sections at 3,000 characters): keep it short. */
export const MAX_CHAT_DESCRIPTION = 2800;
export const MAX_CHAT_TITLE = 250;

const SEVERITY_EMOJI: Record<string, string> = { critical: ':rotating_light:', high: ':red_circle:', medium: ':large_orange_circle:', low: ':large_blue_circle:', info: ':information_source:' };

function cutChars(text: string, max: number, note = '... (truncated)'): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - note.length).join('')}${note}`;
}

/** Inline code that cannot be closed early by a backtick inside the value. */
function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}

/** Messages about the same control and resource share a thread: the count updates land under the first alert. */
export function threadIdOf(control: string, resource: string): string {
  return createHash('sha256').update(`${control}\n${resource}`).digest('hex').slice(0, 32);
}

function findingLines(f: FindingDocument): string[] {
  const actor = [f.actor.arn ?? 'unknown principal', f.actor.type ? `(${f.actor.type})` : ''].filter(Boolean).join(' ');
  return [
    `*What:* ${f.evidence.summary}`,
    `*Resource:* ${code(f.resource)}`,
    `*Account / region:* ${f.account} / ${f.region}`,
    `*Who:* ${code(actor)} from ${f.actor.sourceIp ?? 'unknown'}`,
    `*Event:* ${f.event.name} at ${f.event.time} (eventID ${code(f.event.id)})`,
    ...(f.foundBy === 'sweep' ? [`*Found by:* ${FOUND_BY_SWEEP}`] : []),
    `*Response:* ${f.remediation.status}: ${f.remediation.reason}`,
  ];
}

export function chatNotificationOf(doc: AlertDocument): ChatNotification {
  const emoji = SEVERITY_EMOJI[doc.severity] ?? '';
  switch (doc.kind) {
    case 'finding':
    case 'update': {
      const f = doc.finding;
      const lines = findingLines(f);
      if (doc.kind === 'update') {
        lines.unshift(`*Repeats:* ${doc.occurrences.sinceLast} more since the last message, ${doc.occurrences.count} in all since ${doc.occurrences.firstSeen}`);
      }
      return {
        version: '1.0',
        source: 'custom',
        id: `${f.event.id}:${doc.kind}`,
        content: {
          textType: 'client-markdown',
          title: cutChars(`${emoji} ${f.severity.toUpperCase()}: ${f.title}${doc.kind === 'update' ? ` (seen ${doc.occurrences.count}x)` : ''}`, MAX_CHAT_TITLE),
          description: cutChars(lines.join('\n'), MAX_CHAT_DESCRIPTION),
          nextSteps: [f.nextStep, ...f.links.map((l) => `${l.label}: ${l.url}`)],
          keywords: [f.severity, f.control, f.account, f.region, f.remediation.status],
        },
        metadata: {
          threadId: threadIdOf(f.control, f.resource),
          summary: doc.subject,
          eventType: `drift-responder.${doc.kind}`,
          relatedResources: [f.resource],
          additionalContext: { control: f.control, severity: f.severity, account: f.account, region: f.region, eventId: f.event.id, remediation: f.remediation.status },
        },
      };
    }
    case 'digest': {
      const listed = doc.findings.slice(0, 20).map((e) => `- ${code(digestLineOf(e))}`);
      const more = doc.total - listed.length;
      return {
        version: '1.0',
        source: 'custom',
        id: `digest:${doc.window.start}`,
        content: {
          textType: 'client-markdown',
          title: cutChars(`${emoji} Alert storm: ${doc.total} findings in one minute`, MAX_CHAT_TITLE),
          description: cutChars(
            [`*Window:* ${doc.window.start} to ${doc.window.end} (more than ${doc.threshold} findings a minute)`, ...listed, more > 0 ? `_and ${more} more (see the email digest or the responder logs)_` : '']
              .filter(Boolean)
              .join('\n'),
            MAX_CHAT_DESCRIPTION,
          ),
          nextSteps: ['Find the common actor or deployment; every line carries its CloudTrail eventID.'],
          keywords: [doc.severity, 'digest'],
        },
        metadata: { summary: doc.subject, eventType: 'drift-responder.digest' },
      };
    }
  }
}
