import { GetTopicAttributesCommand, ListTopicsCommand, SetTopicAttributesCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { TopicInventoryPort } from '../baseline/topics';
import type { TopicAttributesPort } from '../remediation/topic';
import { isErrorNamed } from './errors';

const isNotFound = (error: unknown) => isErrorNamed(error, 'NotFoundException', 'NotFound');

/** The guarded topic's attributes (the alert sink, lib/alerts/sns.ts, only publishes). */
export function snsTopicAdapter(client: SNSClient): TopicAttributesPort & TopicInventoryPort {
  return {
    async getAttributes(topicArn) {
      try {
        return (await client.send(new GetTopicAttributesCommand({ TopicArn: topicArn }))).Attributes ?? {};
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    async setAttribute(topicArn, name, value) {
      await client.send(new SetTopicAttributesCommand({ TopicArn: topicArn, AttributeName: name, AttributeValue: value }));
    },
    async listTopicArns() {
      const arns: string[] = [];
      let NextToken: string | undefined;
      do {
        const page = await client.send(new ListTopicsCommand({ NextToken }));
        arns.push(...(page.Topics ?? []).flatMap((t) => (t.TopicArn ? [t.TopicArn] : [])));
        NextToken = page.NextToken;
      } while (NextToken);
      return arns;
    },
  };
}
