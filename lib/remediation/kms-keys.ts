import type { CancelKeyDeletionPlan, EnableKeyPlan, EnableKeyRotationPlan, KmsKeyState, RestoreKeyPolicyPlan, RevokeGrantPlan } from '../controls/kms/types';
import type { LiveState } from '../controls/types';
import type { PolicyDocument } from '../iam/policy-document';
import { NoBaselineError } from './no-baseline';
import { keyPolicyLockoutRisk, OwnerLockoutError } from '../safety/lockout';
import type { RemediationResult, Remediator } from './types';

/** The slice of KMS the key remediations need. */
export interface KmsKeysPort {
  /** The key as DescribeKey shows it (with its rotation status where rotation applies), or undefined when it does not exist. */
  describeKey(keyArn: string): Promise<KmsKeyState | undefined>;
  enableKey(keyArn: string): Promise<void>;
  cancelKeyDeletion(keyArn: string): Promise<void>;
  enableKeyRotation(keyArn: string): Promise<void>;
  getKeyPolicy(keyArn: string): Promise<PolicyDocument | undefined>;
  /** PutKeyPolicy with the lockout safety check on. */
  putKeyPolicy(keyArn: string, policy: PolicyDocument): Promise<void>;
  grantExists(keyArn: string, grantId: string): Promise<boolean>;
  /** Resolves quietly when the grant is already gone. */
  revokeGrant(keyArn: string, grantId: string): Promise<void>;
}

const state = (live: LiveState) => (live.kind === 'kms-key' ? live.key : undefined);
const stateOnly = (key: KmsKeyState | undefined) => (key ? { KeyState: key.keyState, ...(key.rotationEnabled !== undefined ? { KeyRotationEnabled: key.rotationEnabled } : {}) } : null);

export function enableKeyRemediator(port: KmsKeysPort): Remediator<EnableKeyPlan> {
  return {
    kind: 'enable-key',
    iamActions: ['kms:DescribeKey', 'kms:EnableKey'],
    async readLive(plan) {
      return { kind: 'kms-key', keyArn: plan.keyArn, key: await port.describeKey(plan.keyArn) };
    },
    async apply(plan, live): Promise<RemediationResult> {
      await port.enableKey(plan.keyArn);
      return { before: stateOnly(state(live)), after: stateOnly(await port.describeKey(plan.keyArn)), actions: [`EnableKey ${plan.keyArn}`] };
    },
  };
}

/** CancelKeyDeletion leaves the key Disabled; EnableKey then makes it usable again (unless it was disabled before). */
export function cancelKeyDeletionRemediator(port: KmsKeysPort): Remediator<CancelKeyDeletionPlan> {
  return {
    kind: 'cancel-key-deletion',
    iamActions: ['kms:DescribeKey', 'kms:CancelKeyDeletion', 'kms:EnableKey'],
    async readLive(plan) {
      return { kind: 'kms-key', keyArn: plan.keyArn, key: await port.describeKey(plan.keyArn) };
    },
    async apply(plan, live): Promise<RemediationResult> {
      const actions: string[] = [];
      const before = state(live);
      if (before && before.keyState.startsWith('Pending')) {
        await port.cancelKeyDeletion(plan.keyArn);
        actions.push(`CancelKeyDeletion ${plan.keyArn}`);
      }
      const cancelled = await port.describeKey(plan.keyArn);
      if (plan.enableAfterCancel && cancelled?.keyState === 'Disabled') {
        await port.enableKey(plan.keyArn);
        actions.push(`EnableKey ${plan.keyArn}`);
      }
      const after = await port.describeKey(plan.keyArn);
      return { before: stateOnly(before), after: stateOnly(after), actions };
    },
  };
}

export function restoreKeyPolicyRemediator(port: KmsKeysPort): Remediator<RestoreKeyPolicyPlan> {
  return {
    kind: 'restore-key-policy',
    iamActions: ['kms:GetKeyPolicy', 'kms:PutKeyPolicy'],
    async readLive(plan) {
      return { kind: 'kms-key-policy', keyArn: plan.keyArn, policy: await port.getKeyPolicy(plan.keyArn) };
    },
    async apply(plan, live): Promise<RemediationResult> {
      if (!plan.policy) throw new NoBaselineError(`${plan.keyArn}: ${plan.noBaseline ?? 'no baseline key policy'}`);
      // Never put a policy that takes the key away from the account (checked here too, whoever made the plan).
      const lockout = keyPolicyLockoutRisk(plan.policy, plan.keyArn.split(':')[4] ?? '');
      if (lockout) throw new OwnerLockoutError(`${plan.keyArn}: ${lockout}`);
      await port.putKeyPolicy(plan.keyArn, plan.policy);
      return {
        before: live.kind === 'kms-key-policy' ? live.policy : undefined,
        after: await port.getKeyPolicy(plan.keyArn),
        actions: [`PutKeyPolicy ${plan.keyArn} Policy=<baseline policy> BypassPolicyLockoutSafetyCheck=false`],
      };
    },
  };
}

export function enableKeyRotationRemediator(port: KmsKeysPort): Remediator<EnableKeyRotationPlan> {
  return {
    kind: 'enable-key-rotation',
    iamActions: ['kms:DescribeKey', 'kms:GetKeyRotationStatus', 'kms:EnableKeyRotation'],
    async readLive(plan) {
      return { kind: 'kms-key', keyArn: plan.keyArn, key: await port.describeKey(plan.keyArn) };
    },
    async apply(plan, live): Promise<RemediationResult> {
      await port.enableKeyRotation(plan.keyArn);
      return { before: stateOnly(state(live)), after: stateOnly(await port.describeKey(plan.keyArn)), actions: [`EnableKeyRotation ${plan.keyArn}`] };
    },
  };
}

export function revokeGrantRemediator(port: KmsKeysPort): Remediator<RevokeGrantPlan> {
  return {
    kind: 'revoke-grant',
    iamActions: ['kms:ListGrants', 'kms:RevokeGrant'],
    async readLive(plan) {
      return { kind: 'kms-grant', keyArn: plan.keyArn, grantId: plan.grantId, exists: await port.grantExists(plan.keyArn, plan.grantId) };
    },
    async apply(plan): Promise<RemediationResult> {
      await port.revokeGrant(plan.keyArn, plan.grantId);
      const exists = await port.grantExists(plan.keyArn, plan.grantId);
      return { before: { grantId: plan.grantId, grantee: plan.grantee, exists: true }, after: { grantId: plan.grantId, exists }, actions: [`RevokeGrant ${plan.grantId} on ${plan.keyArn}`] };
    },
  };
}

export function kmsRemediators(port: KmsKeysPort) {
  return [enableKeyRemediator(port), cancelKeyDeletionRemediator(port), restoreKeyPolicyRemediator(port), enableKeyRotationRemediator(port), revokeGrantRemediator(port)];
}
