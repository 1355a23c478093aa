import type { Change } from '../events/change';
import { busArn, busNameOf } from '../controls/bus-policy/statements';
import { keyOf, keyAccountOf } from '../controls/kms/keys';
import { param } from '../controls/params';
import { queueOf } from '../controls/queues/queues';
import { ruleRefOf } from '../controls/rules/model';
import { trailOf } from '../controls/cloudtrail/trail';
import { topicArnOf } from '../controls/topic/controls';
import type { TaggableResource } from './types';

const RULE_EVENTS = new Set(['PutRule', 'DeleteRule', 'EnableRule', 'DisableRule', 'PutTargets', 'RemoveTargets']);
const BUS_EVENTS = new Set(['PutPermission', 'RemovePermission', 'CreateEventBus', 'UpdateEventBus', 'DeleteEventBus']);

function eventBridgeResource(change: Change): TaggableResource | undefined {
  if (RULE_EVENTS.has(change.eventName)) {
    const rule = ruleRefOf(change);
    return rule && { kind: 'rule', arn: rule.arn };
  }
  if (BUS_EVENTS.has(change.eventName)) {
    const named = change.eventName.endsWith('EventBus') ? param(change.requestParameters, 'name') : param(change.requestParameters, 'eventBusName');
    return { kind: 'event-bus', arn: busArn(change, busNameOf(named)) };
  }
  return undefined;
}

/**
 * The resource a change acted on whose tags may steer the policy: a bus, rule, key, queue,
 * trail or topic of the change's own account. Uses the same readers the controls use, so a
 * finding's `resource` is exactly the ARN found here.
 */
export function taggableResourceOf(change: Change): TaggableResource | undefined {
  switch (change.eventSource) {
    case 'events.amazonaws.com':
      return eventBridgeResource(change);
    case 'kms.amazonaws.com': {
      const key = keyOf(change);
      return key && keyAccountOf(key.keyArn) === change.account ? { kind: 'key', arn: key.keyArn } : undefined;
    }
    case 'sqs.amazonaws.com': {
      const queue = queueOf(change);
      return queue && { kind: 'queue', arn: queue.arn, url: queue.url };
    }
    case 'cloudtrail.amazonaws.com': {
      const trail = trailOf(change);
      return trail && { kind: 'trail', arn: trail.arn };
    }
    case 'sns.amazonaws.com': {
      const topic = topicArnOf(change);
      return topic ? { kind: 'topic', arn: topic } : undefined;
    }
    default:
      return undefined;
  }
}

/** The kind of resource an ARN names, for resources listed by ARN alone (a tags export, the tagging API). */
export function taggableKindOfArn(arn: string): TaggableResource['kind'] | undefined {
  const [, , service, , , rest = ''] = arn.split(':');
  const resource = arn.split(':').slice(5).join(':');
  switch (service) {
    case 'events':
      return resource.startsWith('rule/') ? 'rule' : resource.startsWith('event-bus/') ? 'event-bus' : undefined;
    case 'kms':
      return resource.startsWith('key/') ? 'key' : undefined;
    case 'sqs':
      return rest !== '' && !resource.includes(':') ? 'queue' : undefined;
    case 'sns':
      // A subscription ARN has one more segment than its topic's.
      return rest !== '' && !resource.includes(':') ? 'topic' : undefined;
    case 'cloudtrail':
      return resource.startsWith('trail/') ? 'trail' : undefined;
    default:
      return undefined;
  }
}
