import { protectedQueueOf } from '../controls/queues/queues';
import { GUARDED_QUEUE_ATTRIBUTES, SQS_QUEUE_BASELINE, type SqsQueueDefinition } from '../controls/queues/types';
import { isNamedBy } from '../controls/protected-resources';
import { NO_BASELINES, type Baseline } from './types';
import type { Snapshotter } from './snapshotter';

/** What capturing queues reads from SQS. */
export interface QueueInventoryPort {
  getAttributes(queueUrl: string): Promise<Record<string, string> | undefined>;
  listQueueUrls(): Promise<string[]>;
  /** The URL of a queue ARN, or undefined when the queue does not exist. */
  urlOf(queueArn: string): Promise<string | undefined>;
}

export function queueSnapshotter(sqs: QueueInventoryPort, now: () => Date = () => new Date()): Snapshotter {
  const baselineOf = (url: string, attributes: Record<string, string>): Baseline | undefined => {
    if (!attributes.QueueArn) return undefined;
    const definition: SqsQueueDefinition = {
      url,
      attributes: Object.fromEntries(GUARDED_QUEUE_ATTRIBUTES.flatMap((name) => (attributes[name] !== undefined ? [[name, attributes[name]]] : []))),
    };
    return { resource: attributes.QueueArn, kind: SQS_QUEUE_BASELINE, definition, capturedAt: now().toISOString(), source: 'snapshot' };
  };
  return {
    kind: SQS_QUEUE_BASELINE,
    iamActions: ['sqs:ListQueues', 'sqs:GetQueueUrl', 'sqs:GetQueueAttributes'],
    touchedBy(change, policy) {
      if (change.eventSource !== 'sqs.amazonaws.com' || change.eventName !== 'SetQueueAttributes') return [];
      const queue = protectedQueueOf(change, { policy, baselines: NO_BASELINES });
      return queue ? [queue.arn] : [];
    },
    async capture(resource) {
      const url = await sqs.urlOf(resource);
      const attributes = url ? await sqs.getAttributes(url) : undefined;
      return url && attributes ? baselineOf(url, attributes) : undefined;
    },
    async *captureAll(policy) {
      for (const url of await sqs.listQueueUrls()) {
        const name = url.split('/').pop() ?? url;
        if (!isNamedBy([url, name], policy.protect.queues)) {
          // A glob may name the queue by ARN only: the ARN needs its attributes.
          if (!policy.protect.queues.some((g) => g.startsWith('arn:'))) continue;
        }
        const attributes = await sqs.getAttributes(url);
        if (!attributes || !isNamedBy([url, name, attributes.QueueArn], policy.protect.queues)) continue;
        const baseline = baselineOf(url, attributes);
        if (baseline) yield baseline;
      }
    },
  };
}
