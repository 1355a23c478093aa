/**
 * Every control id, in the registry's order, without loading the controls: the functions that
 * only validate the policy's `controls:` keys (the alert digest, the snapshot) need the ids, not
 * the 60 KB of control code. lib/controls/registry.ts stays the source of truth;
 * lib/controls/ids.test.ts fails when the two differ.
 */
export const CONTROL_IDS = [
  'bus-policy-public',
  'bus-policy-untrusted-account',
  'trail-stopped',
  'trail-deleted',
  'trail-selectors-weakened',
  'trail-config-weakened',
  'endpoint-policy-broadened',
  'responder-tampered',
  'key-disabled',
  'key-deletion-scheduled',
  'key-policy-broadened',
  'key-rotation-disabled',
  'key-grant-external',
  'bus-encryption-downgraded',
  'queue-encryption-removed',
  'queue-policy-public',
  'queue-retention-reduced',
  'queue-deleted',
  'topic-tampered',
  'bus-deleted',
  'rule-deleted',
  'rule-disabled',
  'rule-modified',
  'targets-removed',
  'target-cross-account',
  'target-untrusted-destination',
  'target-role-untrusted',
  'target-no-dlq',
  'iam-eventbridge-overgrant',
  'access-denied-burst',
] as const;
