import type { JsonService } from '../../aws/wire/json';
import { errorFields, type Logger } from '../../util/log';
import { parseAlertDocument } from '../document';
import { slackMessageOf, slackMessageOfText, type SlackMessage } from './blocks';
import { postToSlack, type PostOptions } from './webhook';

export class SlackConfigurationError extends Error {
  override readonly name = 'SlackConfigurationError';
}

/** The SNS → Lambda event, as much of it as the notifier reads. */
export interface SnsEvent {
  Records: Array<{ Sns: { Message: string; Subject?: string | null; MessageId?: string } }>;
}

/** Where the webhook URL lives. Never an environment variable or the repo: it is a credential. */
export interface WebhookUrlSource {
  readonly iamActions: readonly string[];
  url(): Promise<string>;
}

/** An SSM Parameter Store SecureString, read once per container (a failed read is retried next time). */
export function ssmWebhookUrl(ssm: JsonService, parameterName: string): WebhookUrlSource {
  let cached: Promise<string> | undefined;
  return {
    iamActions: ['ssm:GetParameter'],
    url() {
      cached ??= (async () => {
        const out = await ssm.call<{ Parameter?: { Value?: string } }>('GetParameter', { Name: parameterName, WithDecryption: true });
        return validWebhookUrl(out.Parameter?.Value, parameterName);
      })().catch((error: unknown) => {
        cached = undefined;
        throw error;
      });
      return cached;
    },
  };
}

export function validWebhookUrl(value: string | undefined, source: string): string {
  let url: URL;
  try {
    url = new URL((value ?? '').trim());
  } catch {
    throw new SlackConfigurationError(`${source} does not hold a URL`);
  }
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost';
  if (url.protocol !== 'https:' && !(loopback && url.protocol === 'http:')) {
    throw new SlackConfigurationError(`${source} must hold an https:// webhook URL`);
  }
  return url.toString();
}

export interface NotifierDeps {
  webhook: WebhookUrlSource;
  log: Logger;
  post?: PostOptions;
}

/** The Slack message for one SNS record: an alert document, or an alarm / plain-text message. */
export function slackMessageOfRecord(record: SnsEvent['Records'][number]): SlackMessage {
  const doc = parseAlertDocument(record.Sns.Message);
  return doc ? slackMessageOf(doc) : slackMessageOfText(record.Sns.Subject ?? undefined, record.Sns.Message);
}

/**
 * Posts each record to Slack. A message Slack rejects (4xx) or that cannot be delivered within
 * the retries fails the invocation, which (with no Lambda retries configured) sends the
 * event straight to the notifier's dead-letter queue. The URL is never logged.
 */
export async function notifySlack(event: SnsEvent, deps: NotifierDeps): Promise<{ posted: number }> {
  const url = await deps.webhook.url();
  let posted = 0;
  const failures: unknown[] = [];
  for (const record of event.Records) {
    const message = slackMessageOfRecord(record);
    try {
      const { attempts } = await postToSlack(url, message, {
        ...deps.post,
        onRetry: (info) => deps.log.warn('slack delivery retried', { messageId: record.Sns.MessageId, ...info }),
      });
      deps.log.info('posted to slack', { messageId: record.Sns.MessageId, attempts });
      posted += 1;
    } catch (error) {
      deps.log.error('slack delivery failed: the event goes to the dead-letter queue', {
        messageId: record.Sns.MessageId,
        subject: record.Sns.Subject,
        ...(error as { status?: number }).status !== undefined ? { status: (error as { status: number }).status, body: (error as { body?: string }).body } : {},
        ...errorFields(error),
      });
      failures.push(error);
    }
  }
  if (failures.length > 0) throw failures[0];
  return { posted };
}
