import type { QueueInventoryPort } from '../baseline/queues';
import type { QueueAttributesPort } from '../remediation/queues';
import { isErrorNamed } from './errors';
import type { JsonService } from './wire/json';

// SQS speaks awsJson1_0: the queue is named by the QueueUrl input member, answers are JSON.
// A missing queue answers QueueDoesNotExist (its query-protocol code, kept for older callers,
// is AWS.SimpleQueueService.NonExistentQueue).
/** SQS's "no such queue" (JSON error type, and the query-compatible code). */
export const isMissingQueue = (error: unknown) => isErrorNamed(error, 'QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue');

export function sqsAdapter(sqs: JsonService): QueueAttributesPort & QueueInventoryPort {
  return {
    async getAttributes(queueUrl) {
      try {
        const { Attributes } = await sqs.call<{ Attributes?: Record<string, string> }>('GetQueueAttributes', { QueueUrl: queueUrl, AttributeNames: ['All'] });
        return Attributes ?? {};
      } catch (error) {
        if (isMissingQueue(error)) return undefined;
        throw error;
      }
    },
    async setAttributes(queueUrl, attributes) {
      await sqs.call('SetQueueAttributes', { QueueUrl: queueUrl, Attributes: attributes });
    },
    async listQueueUrls() {
      const urls: string[] = [];
      let NextToken: string | undefined;
      do {
        const page = await sqs.call<{ QueueUrls?: string[]; NextToken?: string }>('ListQueues', { ...(NextToken ? { NextToken } : {}), MaxResults: 1000 });
        urls.push(...(page.QueueUrls ?? []));
        NextToken = page.NextToken;
      } while (NextToken);
      return urls;
    },
    async urlOf(queueArn) {
      const [, , , , account, name] = queueArn.split(':');
      try {
        return (await sqs.call<{ QueueUrl?: string }>('GetQueueUrl', { QueueName: name, QueueOwnerAWSAccountId: account })).QueueUrl;
      } catch (error) {
        if (isMissingQueue(error)) return undefined;
        throw error;
      }
    },
  };
}
