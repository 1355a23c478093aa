import { queryMap } from '../aws/wire/query';
import type { QueryService } from '../aws/wire/query-service';
import { chatNotificationOf } from './chat';
import { digestMessageOf, updateMessageOf } from './digest-format';
import { documentOf } from './document';
import { MAX_MESSAGE_BYTES, messageOf, type Alert } from './format';

export interface AlertSink {
  /** IAM actions publishing needs (the topic is KMS-encrypted). */
  readonly iamActions: readonly string[];
  publish(alert: Alert): Promise<void>;
}

/**
 * SNS's limit is 256 KiB for the whole message: every protocol's variant together, plus the
 * subject and attributes (a few hundred bytes, bounded by MAX_SUBJECT and the attribute values).
 */
export const MAX_SNS_MESSAGE_BYTES = 250 * 1024;
const DEFAULT_BYTES = 8 * 1024;
const DOCUMENT_BYTES = 40 * 1024;

function textOf(alert: Alert, maxBytes: number): string {
  const content = alert.content;
  if (maxBytes >= MAX_MESSAGE_BYTES) return alert.message;
  switch (content.kind) {
    case 'finding':
      return messageOf(content.finding, maxBytes);
    case 'update':
      return updateMessageOf(content, maxBytes);
    case 'digest':
      return digestMessageOf(content, maxBytes);
  }
}

/** Each SNS protocol's message: text for people, JSON for machines, the chat custom-notification format for chat. */
export interface SnsMessage {
  default: string;
  email: string;
  'email-json': string;
  sqs: string;
  lambda: string;
  firehose: string;
  https: string;
}

function render(alert: Alert, scale: number): SnsMessage {
  const document = documentOf(alert, Math.floor(DOCUMENT_BYTES * scale));
  const machine = JSON.stringify(document);
  return {
    // Protocols without their own key (sms, http, mobile push) get the short text.
    default: textOf(alert, Math.min(DEFAULT_BYTES, Math.floor(MAX_MESSAGE_BYTES * scale))),
    email: textOf(alert, Math.floor(MAX_MESSAGE_BYTES * scale)),
    'email-json': machine,
    sqs: machine,
    lambda: machine,
    firehose: machine,
    https: JSON.stringify(chatNotificationOf(document)),
  };
}

/**
 * The per-protocol message (SNS MessageStructure "json"), within SNS's size limit: evidence
 * and digest listings shrink, by halves, until everything fits; headers always survive.
 */
export function snsMessageOf(alert: Alert): { structure: SnsMessage; json: string } {
  let last: { structure: SnsMessage; json: string } | undefined;
  for (let scale = 1; scale >= 1 / 256; scale /= 2) {
    const structure = render(alert, scale);
    const json = JSON.stringify(structure);
    last = { structure, json };
    if (Buffer.byteLength(json) <= MAX_SNS_MESSAGE_BYTES) return last;
  }
  return last!;
}

export function snsAlertSink(sns: QueryService, topicArn: string): AlertSink {
  return {
    iamActions: ['sns:Publish', 'kms:GenerateDataKey', 'kms:Decrypt'],
    async publish(alert) {
      const attributes = { ...alert.attributes, kind: alert.content.kind };
      // Members in the model's order, as the SDK sent them; MessageAttributes is a map whose entries SNS names Name and Value.
      await sns.call('Publish', {
        Message: snsMessageOf(alert).json,
        TopicArn: topicArn,
        Subject: alert.subject,
        MessageStructure: 'json',
        MessageAttributes: queryMap(
          Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }])),
          { key: 'Name', value: 'Value' },
        ),
      });
    },
  };
}
