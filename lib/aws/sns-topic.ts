import type { TopicInventoryPort } from '../baseline/topics';
import type { TopicAttributesPort } from '../remediation/topic';
import { isErrorNamed } from './errors';
import type { QueryService } from './wire/query-service';
import { listOf, textOf, type XmlElement } from './wire/xml';

/** SNS's "no such topic": its wire codes (GetTopicAttributes and the like answer NotFound, ListTagsForResource ResourceNotFound). */
export const isTopicNotFound = (error: unknown) => isErrorNamed(error, 'NotFound', 'ResourceNotFound');

/** The guarded topic's attributes (the alert sink, lib/alerts/sns.ts, only publishes). */
export function snsTopicAdapter(sns: QueryService): TopicAttributesPort & TopicInventoryPort {
  return {
    async getAttributes(topicArn) {
      let result: XmlElement | undefined;
      try {
        result = await sns.call('GetTopicAttributes', { TopicArn: topicArn });
      } catch (error) {
        if (isTopicNotFound(error)) return undefined;
        throw error;
      }
      // <Attributes><entry><key>Policy</key><value>{...}</value></entry>...</Attributes>
      const attributes: Record<string, string> = {};
      for (const entry of listOf(result, 'Attributes', 'entry')) {
        const key = textOf(entry, 'key');
        if (key !== undefined) attributes[key] = textOf(entry, 'value') ?? '';
      }
      return attributes;
    },
    async setAttribute(topicArn, name, value) {
      await sns.call('SetTopicAttributes', { TopicArn: topicArn, AttributeName: name, AttributeValue: value });
    },
    async listTopicArns() {
      const arns: string[] = [];
      let nextToken: string | undefined;
      do {
        const page = await sns.call('ListTopics', nextToken ? { NextToken: nextToken } : {});
        for (const topic of listOf(page, 'Topics')) {
          const arn = textOf(topic, 'TopicArn');
          if (arn) arns.push(arn);
        }
        nextToken = textOf(page, 'NextToken') || undefined;
      } while (nextToken);
      return arns;
    },
  };
}

/** A topic's tags, as SNS ListTagsForResource lists them (`<Tags><member><Key/><Value/></member></Tags>`). */
export async function listTopicTags(sns: QueryService, topicArn: string): Promise<Array<{ Key?: string; Value?: string }>> {
  const result = await sns.call('ListTagsForResource', { ResourceArn: topicArn });
  return listOf(result, 'Tags').map((member) => ({ Key: textOf(member, 'Key'), Value: textOf(member, 'Value') }));
}
