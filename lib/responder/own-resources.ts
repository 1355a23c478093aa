import type { Policy } from '../policy/schema';

function list(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

/**
 * The responder's own key (DRIFT_KEY_ARN), dead-letter queues (RESPONDER_QUEUE_ARNS) and
 * alert topic (ALERT_TOPIC_ARN) are always protected, whatever the policy file says: they
 * are added to protect.keys / queues / topics, which the controls and snapshotters read.
 * ARNs hold no glob characters, so each is an exact glob.
 */
export function withOwnResourcesProtected(policy: Policy, env: NodeJS.ProcessEnv): Policy {
  const add = (globs: readonly string[], own: string[]) => [...new Set([...globs, ...own])];
  return {
    ...policy,
    protect: {
      ...policy.protect,
      keys: add(policy.protect.keys, list(env.DRIFT_KEY_ARN)),
      queues: add(policy.protect.queues, list(env.RESPONDER_QUEUE_ARNS)),
      topics: add(policy.protect.topics, list(env.ALERT_TOPIC_ARN)),
    },
  };
}
