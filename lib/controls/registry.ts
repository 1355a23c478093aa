import { busPolicyPublic, busPolicyUntrustedAccount } from './bus-policy/controls';
import { accessDeniedBurstOver } from './access-denied/controls';
import { trailConfigWeakened, trailDeleted, trailSelectorsWeakened, trailStopped } from './cloudtrail/controls';
import { endpointPolicyBroadened } from './endpoints/controls';
import { responderTampered } from './self/controls';
import { keyDeletionScheduled, keyDisabled, keyGrantExternal, keyPolicyBroadened, keyRotationDisabled } from './kms/controls';
import { busEncryptionDowngraded } from './bus-encryption/controls';
import { queueDeleted, queueEncryptionRemoved, queuePolicyPublic, queueRetentionReduced } from './queues/controls';
import { topicTampered } from './topic/controls';
import { busDeleted, ruleDeleted, ruleDisabled, ruleModified, targetCrossAccount, targetNoDlq, targetRoleUntrusted, targetsRemoved, targetUntrustedDestination } from './rules/controls';
import { iamEventBridgeOvergrant } from './iam/overgrant';
import type { Control } from './types';

/** Every control that judges a change on its own. Order is the order findings are reported in. */
const guarded = [
  busPolicyPublic,
  busPolicyUntrustedAccount,
  trailStopped,
  trailDeleted,
  trailSelectorsWeakened,
  trailConfigWeakened,
  endpointPolicyBroadened,
  responderTampered,
  keyDisabled,
  keyDeletionScheduled,
  keyPolicyBroadened,
  keyRotationDisabled,
  keyGrantExternal,
  busEncryptionDowngraded,
  queueEncryptionRemoved,
  queuePolicyPublic,
  queueRetentionReduced,
  queueDeleted,
  topicTampered,
  busDeleted,
  ruleDeleted,
  ruleDisabled,
  ruleModified,
  targetsRemoved,
  targetCrossAccount,
  targetUntrustedDestination,
  targetRoleUntrusted,
  targetNoDlq,
  iamEventBridgeOvergrant,
] as const satisfies readonly Control[];

/** Every control the responder runs: the guarded ones, and access-denied-burst counting denials on all of their APIs. */
export const controls = [...guarded, accessDeniedBurstOver(guarded)] as const satisfies readonly Control[];

export type ControlId = (typeof controls)[number]['id'];

export const controlIds: readonly ControlId[] = controls.map((c) => c.id);

export class UnknownControlError extends Error {
  override readonly name = 'UnknownControlError';
}

export function controlById(id: string): Control {
  const control = controls.find((c) => c.id === id);
  if (!control) throw new UnknownControlError(`unknown control "${id}"; valid ids: ${controlIds.join(', ')}`);
  return control;
}
