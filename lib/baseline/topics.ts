import { topicArnOf } from '../controls/topic/controls';
import { SNS_TOPIC_BASELINE, type SnsTopicDefinition } from '../controls/topic/types';
import { isNamedBy } from '../controls/protected-resources';
import type { Baseline } from './types';
import type { Snapshotter } from './snapshotter';

/** What capturing topics reads from SNS. */
export interface TopicInventoryPort {
  getAttributes(topicArn: string): Promise<Record<string, string> | undefined>;
  listTopicArns(): Promise<string[]>;
}

export function topicSnapshotter(sns: TopicInventoryPort, now: () => Date = () => new Date()): Snapshotter {
  async function capture(topicArn: string): Promise<Baseline | undefined> {
    const attributes = await sns.getAttributes(topicArn);
    if (!attributes) return undefined;
    const definition: SnsTopicDefinition = {
      attributes: { ...(attributes.Policy ? { Policy: attributes.Policy } : {}), ...(attributes.KmsMasterKeyId ? { KmsMasterKeyId: attributes.KmsMasterKeyId } : {}) },
    };
    return { resource: topicArn, kind: SNS_TOPIC_BASELINE, definition, capturedAt: now().toISOString(), source: 'snapshot' };
  }
  return {
    kind: SNS_TOPIC_BASELINE,
    iamActions: ['sns:ListTopics', 'sns:GetTopicAttributes'],
    touchedBy(change, policy) {
      if (change.eventSource !== 'sns.amazonaws.com' || change.eventName !== 'SetTopicAttributes') return [];
      const topicArn = topicArnOf(change);
      return topicArn && isNamedBy([topicArn], policy.protect.topics) ? [topicArn] : [];
    },
    capture,
    async *captureAll(policy) {
      for (const topicArn of await sns.listTopicArns()) {
        if (!isNamedBy([topicArn], policy.protect.topics)) continue;
        const baseline = await capture(topicArn);
        if (baseline) yield baseline;
      }
    },
  };
}
