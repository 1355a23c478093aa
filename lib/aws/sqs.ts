import { GetQueueAttributesCommand, GetQueueUrlCommand, ListQueuesCommand, SetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { QueueInventoryPort } from '../baseline/queues';
import type { QueueAttributesPort } from '../remediation/queues';
import { isErrorNamed } from './errors';

const isMissingQueue = (error: unknown) => isErrorNamed(error, 'QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue');

export function sqsAdapter(client: SQSClient): QueueAttributesPort & QueueInventoryPort {
  return {
    async getAttributes(queueUrl) {
      try {
        const { Attributes } = await client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }));
        return Attributes ?? {};
      } catch (error) {
        if (isMissingQueue(error)) return undefined;
        throw error;
      }
    },
    async setAttributes(queueUrl, attributes) {
      await client.send(new SetQueueAttributesCommand({ QueueUrl: queueUrl, Attributes: attributes }));
    },
    async listQueueUrls() {
      const urls: string[] = [];
      let NextToken: string | undefined;
      do {
        const page = await client.send(new ListQueuesCommand({ NextToken, MaxResults: 1000 }));
        urls.push(...(page.QueueUrls ?? []));
        NextToken = page.NextToken;
      } while (NextToken);
      return urls;
    },
    async urlOf(queueArn) {
      const [, , , , account, name] = queueArn.split(':');
      try {
        return (await client.send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account }))).QueueUrl;
      } catch (error) {
        if (isMissingQueue(error)) return undefined;
        throw error;
      }
    },
  };
}
