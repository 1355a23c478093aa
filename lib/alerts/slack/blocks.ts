import type { AlertDocument, FindingDocument } from '../document';
import { digestLineOf } from '../digest-format';
import { FOUND_BY_SWEEP } from '../format';

/**
 * Slack Block Kit messages for incoming webhooks. The blocks sit in an attachment so the
 * message gets the severity colour bar; `text` is what notifications and screen readers show.
 * Limits (Slack's): header text 150 characters, section text 3,000, at most 10 fields of
 * 2,000 each, 10 context elements, 50 blocks.
 */
export interface SlackMessage {
  text: string;
  attachments: Array<{ color: string; blocks: SlackBlock[] }>;
}

type Text = { type: 'mrkdwn' | 'plain_text'; text: string };
export type SlackBlock =
  | { type: 'header'; text: Text }
  | { type: 'section'; text?: Text; fields?: Text[] }
  | { type: 'context'; elements: Text[] }
  | { type: 'divider' };

export const SEVERITY_COLOURS: Record<string, string> = {
  critical: '#8B0000',
  high: '#E01E5A',
  medium: '#ECB22E',
  low: '#36C5F0',
  info: '#9E9E9E',
};

const STATUS_MARKS: Record<string, string> = {
  applied: ':white_check_mark: applied',
  planned: ':memo: planned (dry-run)',
  skipped: ':fast_forward: skipped',
  failed: ':x: FAILED',
  none: ':eyes: no automatic fix',
};

/** Cut to `max` characters (code points, so no surrogate pair is split), with a visible note. */
export function cut(text: string, max: number, note = '… (truncated)'): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, Math.max(0, max - Array.from(note).length)).join('')}${note}`;
}

/** Slack's mrkdwn control characters; everything user-controlled goes through this. */
export function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const code = (text: string) => `\`${escape(text).replace(/`/g, "'")}\``;
const mrkdwn = (text: string, max = 3000): Text => ({ type: 'mrkdwn', text: cut(text, max) });
const link = (url: string, label: string) => `<${url.replace(/[<>|]/g, encodeURIComponent)}|${escape(label)}>`;

function evidenceBlock(f: FindingDocument): SlackBlock | undefined {
  const { summary: _summary, ...rest } = f.evidence;
  const parts: string[] = [];
  if (rest.truncated) parts.push(rest.excerpt ?? '');
  else {
    if (rest.statements?.length) parts.push(`offending statement(s): ${JSON.stringify(rest.statements, null, 1)}`);
    if (rest.before !== undefined) parts.push(`before: ${JSON.stringify(rest.before, null, 1)}`);
    if (rest.after !== undefined) parts.push(`after: ${JSON.stringify(rest.after, null, 1)}`);
  }
  if (parts.length === 0) return undefined;
  // Code blocks cannot contain ``` ; the fence is added after cutting so it always closes.
  const body = cut(escape(parts.join('\n').replace(/```/g, "'''")), 2900);
  return { type: 'section', text: { type: 'mrkdwn', text: `*Evidence*\n\`\`\`${body}\`\`\`` } };
}

function findingBlocks(f: FindingDocument, lead?: string): SlackBlock[] {
  const actor = [f.actor.arn ?? 'unknown principal', f.actor.type ? `(${f.actor.type})` : ''].filter(Boolean).join(' ');
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: cut(`${f.severity.toUpperCase()}: ${f.title}`, 150, '…') } },
  ];
  if (lead) blocks.push({ type: 'section', text: mrkdwn(lead) });
  if (f.foundBy === 'sweep') blocks.push({ type: 'context', elements: [mrkdwn(`Found by ${escape(FOUND_BY_SWEEP)}`)] });
  blocks.push(
    { type: 'section', text: mrkdwn(`*What:* ${escape(f.evidence.summary)}`) },
    {
      type: 'section',
      fields: [
        mrkdwn(`*Resource*\n${code(f.resource)}`, 2000),
        mrkdwn(`*Account / region*\n${escape(f.account)} / ${escape(f.region)}`, 2000),
        mrkdwn(`*Actor*\n${code(actor)}${f.actor.issuerArn && f.actor.issuerArn !== f.actor.arn ? `\nvia ${code(f.actor.issuerArn)}` : ''}`, 2000),
        mrkdwn(`*From*\n${escape(f.actor.sourceIp ?? 'unknown')}\n${escape(f.actor.userAgent ?? 'unknown')}`, 2000),
        mrkdwn(`*Event*\n${escape(f.event.name)} at ${escape(f.event.time)}`, 2000),
        mrkdwn(`*Control*\n${code(f.control)}`, 2000),
      ],
    },
    { type: 'section', text: mrkdwn(`*Response:* ${STATUS_MARKS[f.remediation.status] ?? escape(f.remediation.status)}\n${escape(f.remediation.reason)}`) },
  );
  const evidence = evidenceBlock(f);
  if (evidence) blocks.push(evidence);
  blocks.push(
    { type: 'section', text: mrkdwn(`*Next:* ${escape(f.nextStep)}`) },
    { type: 'context', elements: [mrkdwn([...f.links.map((l) => link(l.url, l.label)), `eventID ${code(f.event.id)}`].join('  ·  '))] },
  );
  return blocks;
}

export function slackMessageOf(doc: AlertDocument): SlackMessage {
  const colour = SEVERITY_COLOURS[doc.severity] ?? SEVERITY_COLOURS.info!;
  switch (doc.kind) {
    case 'finding':
      return { text: doc.subject, attachments: [{ color: colour, blocks: findingBlocks(doc.finding) }] };
    case 'update': {
      const o = doc.occurrences;
      const lead = `:repeat: *Seen ${o.count} times* since ${escape(o.firstSeen)} (${o.sinceLast} more since the last message; last ${escape(o.lastSeen)})`;
      return { text: doc.subject, attachments: [{ color: colour, blocks: findingBlocks(doc.finding, lead) }] };
    }
    case 'digest': {
      const lines = doc.findings.map((e) => `• ${code(digestLineOf(e))}`);
      // Lines are packed into sections of at most 3,000 characters; at most 40 blocks of them.
      const packed: string[] = [];
      let current = '';
      let listed = 0;
      for (const line of lines) {
        if (current && Array.from(current).length + 1 + Array.from(line).length > 2900) {
          packed.push(current);
          current = '';
        }
        if (packed.length >= 40) break;
        current = current ? `${current}\n${line}` : cut(line, 2900);
        listed += 1;
      }
      if (current) packed.push(current);
      const sections: SlackBlock[] = packed.map((text) => ({ type: 'section', text: mrkdwn(text) }));
      const unlisted = doc.total - listed;
      const title = doc.total === 1 ? '1 finding' : `${doc.total} findings`;
      return {
        text: doc.subject,
        attachments: [
          {
            color: colour,
            blocks: [
              { type: 'header', text: { type: 'plain_text', text: cut(`Alert digest: ${title}`, 150, '…') } },
              { type: 'section', text: mrkdwn(`*Window:* ${escape(doc.window.start)} to ${escape(doc.window.end)} (more than ${doc.threshold} a minute)`) },
              ...sections,
              ...(unlisted > 0 ? [{ type: 'context' as const, elements: [mrkdwn(`${unlisted} more not listed: see the email digest or the responder logs`)] }] : []),
            ],
          },
        ],
      };
    }
  }
}

/** Anything else published to the topic: CloudWatch alarm notifications, or plain text. */
export function slackMessageOfText(subject: string | undefined, message: string): SlackMessage {
  try {
    const alarm = JSON.parse(message) as { AlarmName?: string; NewStateValue?: string; NewStateReason?: string; AlarmDescription?: string };
    if (alarm && typeof alarm.AlarmName === 'string') {
      const colour = alarm.NewStateValue === 'OK' ? '#2EB67D' : SEVERITY_COLOURS.high!;
      return {
        text: subject ?? `${alarm.NewStateValue ?? ''}: ${alarm.AlarmName}`,
        attachments: [
          {
            color: colour,
            blocks: [
              { type: 'header', text: { type: 'plain_text', text: cut(`${alarm.NewStateValue ?? 'ALARM'}: ${alarm.AlarmName}`, 150, '…') } },
              { type: 'section', text: mrkdwn(escape(alarm.AlarmDescription ?? '')) },
              { type: 'context', elements: [mrkdwn(escape(alarm.NewStateReason ?? ''))] },
            ].filter((b) => b.type !== 'section' || (b as { text: Text }).text.text !== '') as SlackBlock[],
          },
        ],
      };
    }
  } catch {
    // plain text
  }
  return { text: subject ?? cut(message, 150), attachments: [{ color: SEVERITY_COLOURS.info!, blocks: [{ type: 'section', text: mrkdwn(escape(message)) }] }] };
}
