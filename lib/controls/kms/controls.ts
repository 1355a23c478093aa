import type { Change } from '../../events/change';
import { canonicalJson } from '../../util/json';
import { parsePolicyDocument, type PolicyDocument } from '../../iam/policy-document';
import { trustOf } from '../bus-policy/statements';
import { param, textParam } from '../params';
import type { Control, EvaluationContext, FindingDraft, LiveState } from '../types';
import {
  bypassesLockoutCheck,
  isBroadened,
  keyOf,
  KMS_SOURCE,
  keyPolicyProblems,
  protectedKeyOf,
  rotationApplies,
  type KeyPolicyProblems,
} from './keys';

const PENDING_DELETION = ['PendingDeletion', 'PendingReplicaDeletion'];

/** The key's baseline: protection through aliases and encrypted resources is recorded there. */
function keyBaselineResource(change: Change): string[] {
  const key = keyOf(change);
  return key ? [key.keyArn] : [];
}

function protectedBy(reasons: string[]): string {
  return `protected by ${reasons.join(', ')}`;
}

function liveKey(live: LiveState) {
  return live.kind === 'kms-key' ? live.key : undefined;
}

export const keyDisabled = {
  id: 'key-disabled',
  title: 'Protected KMS key disabled',
  severity: 'high',
  triggers: [{ eventSource: KMS_SOURCE, eventNames: ['DisableKey'] }],
  remediation: 'enable-key',
  baselineResources: keyBaselineResource,
  evaluate(change, context) {
    const key = protectedKeyOf(change, context);
    if (!key) return [];
    return [
      {
        resource: key.keyArn,
        title: 'KMS key disabled: everything encrypted with it can no longer be read or written',
        evidence: { summary: `DisableKey on ${key.keyId} (${protectedBy(key.reasons)})`, before: { KeyState: 'Enabled' }, after: { KeyState: 'Disabled' } },
        plan: { kind: 'enable-key', keyArn: key.keyArn },
      },
    ];
  },
  recheck: (plan, live) => (liveKey(live)?.keyState === 'Disabled' ? plan : undefined),
} as const satisfies Control;

export const keyDeletionScheduled = {
  id: 'key-deletion-scheduled',
  title: 'Protected KMS key scheduled for deletion',
  severity: 'critical',
  triggers: [{ eventSource: KMS_SOURCE, eventNames: ['ScheduleKeyDeletion'] }],
  remediation: 'cancel-key-deletion',
  baselineResources: keyBaselineResource,
  evaluate(change, context) {
    const key = protectedKeyOf(change, context);
    if (!key) return [];
    const days = param(change.requestParameters, 'pendingWindowInDays');
    const deletionDate = textParam(change.responseElements, 'deletionDate');
    // A key disabled on purpose before someone scheduled its deletion stays disabled.
    const enableAfterCancel = key.baseline?.keyState !== 'Disabled';
    return [
      {
        resource: key.keyArn,
        title: 'KMS key scheduled for deletion: once deleted, data encrypted with it is lost for good',
        evidence: {
          summary: `ScheduleKeyDeletion on ${key.keyId}${typeof days === 'number' || typeof days === 'string' ? ` with a ${days}-day window` : ''}${deletionDate ? ` (deletion on ${deletionDate})` : ''}; the key is unusable until the deletion is cancelled and the key re-enabled (${protectedBy(key.reasons)})`,
          after: { KeyState: textParam(change.responseElements, 'keyState') ?? 'PendingDeletion', ...(deletionDate ? { DeletionDate: deletionDate } : {}) },
        },
        plan: { kind: 'cancel-key-deletion', keyArn: key.keyArn, enableAfterCancel },
      },
    ];
  },
  /** Still pending deletion; or already cancelled by someone but left Disabled, which still needs EnableKey. */
  recheck(plan, live) {
    const state = liveKey(live)?.keyState;
    if (plan.kind !== 'cancel-key-deletion' || state === undefined) return undefined;
    if (PENDING_DELETION.includes(state)) return plan;
    return state === 'Disabled' && plan.enableAfterCancel ? plan : undefined;
  },
} as const satisfies Control;

function describeProblems(problems: KeyPolicyProblems, bypass: boolean): string[] {
  const parts: string[] = [];
  if (problems.public.length > 0) parts.push(`${problems.public.length} statement(s) allow any AWS principal with no condition restricting it to the organization or trusted accounts`);
  if (problems.outsiders.length > 0) parts.push(`grants ${problems.outsiders.join(', ')}, not in trustedAccounts/organizationId`);
  if (problems.rootAdminDropped) parts.push('the account root no longer administers the key (kms:* for arn:aws:iam::<account>:root): IAM policies stop applying to it');
  if (bypass) parts.push('bypassPolicyLockoutSafetyCheck was set: KMS did not check that the caller can still manage the key');
  return parts;
}

/**
 * A baseline policy is restored only if it is itself safe: not public, no untrusted
 * account, the account root still administering the key. Restoring it must never lock
 * the owner out (and the restore never bypasses KMS's lockout safety check).
 */
function restorable(baselinePolicy: PolicyDocument | undefined, change: Change, context: EvaluationContext): { policy?: PolicyDocument; noBaseline?: string } {
  if (!baselinePolicy) return { noBaseline: 'no baseline of this key policy is stored: nothing to restore (the snapshot function captures protected keys)' };
  const problems = keyPolicyProblems(baselinePolicy, trustOf(change, context.policy));
  if (isBroadened(problems)) {
    return { noBaseline: `the baseline key policy is itself not safe to restore (${describeProblems(problems, false).join('; ')})` };
  }
  return { policy: baselinePolicy };
}

export const keyPolicyBroadened = {
  id: 'key-policy-broadened',
  title: 'Protected KMS key policy broadened',
  severity: 'critical',
  triggers: [{ eventSource: KMS_SOURCE, eventNames: ['PutKeyPolicy'] }],
  remediation: 'restore-key-policy',
  baselineResources: keyBaselineResource,
  evaluate(change, context): FindingDraft[] {
    const key = protectedKeyOf(change, context);
    const written = param(change.requestParameters, 'policy');
    if (!key || written === undefined || written === null || written === '') return [];
    const policy = parsePolicyDocument(written);
    const problems = keyPolicyProblems(policy, trustOf(change, context.policy));
    const bypass = bypassesLockoutCheck(change);
    if (!isBroadened(problems) && !bypass) return [];
    const baseline = restorable(key.baseline?.policy, change, context);
    return [
      {
        resource: key.keyArn,
        title: 'KMS key policy broadened',
        evidence: {
          summary: `PutKeyPolicy on ${key.keyId}: ${describeProblems(problems, bypass).join('; ')} (${protectedBy(key.reasons)})`,
          statements: [...problems.public, ...problems.untrusted],
          before: key.baseline?.policy,
          after: policy,
        },
        plan: { kind: 'restore-key-policy', keyArn: key.keyArn, ...baseline, bypassedLockoutCheck: bypass },
      },
    ];
  },
  /**
   * Acts while the live policy differs from the baseline and is still broadened (or was
   * written past the lockout check); a policy someone already fixed is left alone.
   */
  recheck(plan, live, change, context) {
    if (plan.kind !== 'restore-key-policy' || live.kind !== 'kms-key-policy' || !live.policy) return undefined;
    if (plan.policy && canonicalJson(plan.policy) === canonicalJson(live.policy)) return undefined;
    const stillBroadened = isBroadened(keyPolicyProblems(live.policy, trustOf(change, context.policy)));
    return stillBroadened || (plan.bypassedLockoutCheck && plan.policy) ? plan : undefined;
  },
} as const satisfies Control;

export const keyRotationDisabled = {
  id: 'key-rotation-disabled',
  title: 'Automatic rotation turned off for a protected KMS key',
  severity: 'medium',
  triggers: [{ eventSource: KMS_SOURCE, eventNames: ['DisableKeyRotation'] }],
  remediation: 'enable-key-rotation',
  baselineResources: keyBaselineResource,
  /**
   * KMS refuses DisableKeyRotation for keys without rotation (asymmetric, HMAC, imported
   * material, custom key stores), so a successful call names a key where it applies; a
   * baseline saying otherwise wins, and the live key is checked again before acting.
   */
  evaluate(change, context) {
    const key = protectedKeyOf(change, context);
    if (!key || (key.baseline && !rotationApplies(key.baseline))) return [];
    return [
      {
        resource: key.keyArn,
        title: 'KMS key rotation disabled',
        evidence: { summary: `DisableKeyRotation on ${key.keyId}: its key material is no longer rotated yearly (${protectedBy(key.reasons)})`, before: { KeyRotationEnabled: true }, after: { KeyRotationEnabled: false } },
        plan: { kind: 'enable-key-rotation', keyArn: key.keyArn },
      },
    ];
  },
  recheck(plan, live) {
    const key = liveKey(live);
    if (!key || !rotationApplies(key) || key.rotationEnabled !== false || PENDING_DELETION.includes(key.keyState)) return undefined;
    return plan;
  },
} as const satisfies Control;

/**
 * The account a grantee principal belongs to: an IAM ARN, an account id, or the
 * `<account>:aws:...` form AWS services use. Service principals (`dynamodb.us-west-2.amazonaws.com`)
 * are AWS acting for this account; anything else (a bare principal id) cannot be placed.
 */
export function granteeAccountOf(grantee: string): string | 'service' | undefined {
  if (/\.amazonaws\.com(\.cn)?$/.test(grantee)) return 'service';
  const arn = /^arn:aws[\w-]*:(iam|sts)::(\d{12}):/.exec(grantee);
  if (arn) return arn[2];
  return /^(\d{12})(:|$)/.exec(grantee)?.[1];
}

export const keyGrantExternal = {
  id: 'key-grant-external',
  title: 'KMS grant to a principal outside the account',
  severity: 'high',
  triggers: [{ eventSource: KMS_SOURCE, eventNames: ['CreateGrant'] }],
  remediation: 'revoke-grant',
  baselineResources: keyBaselineResource,
  evaluate(change, context) {
    const key = protectedKeyOf(change, context);
    const grantee = textParam(change.requestParameters, 'granteePrincipal');
    if (!key || !grantee) return [];
    const account = granteeAccountOf(grantee);
    if (account === undefined || account === 'service' || account === change.account || context.policy.trustedAccounts.includes(account)) return [];
    const grantId = textParam(change.responseElements, 'grantId');
    const operations = param(change.requestParameters, 'operations');
    return [
      {
        resource: key.keyArn,
        title: `KMS grant gives account ${account} use of the key`,
        evidence: {
          summary: `CreateGrant on ${key.keyId} to ${grantee} (account ${account}, not in trustedAccounts)${Array.isArray(operations) ? ` for ${operations.join(', ')}` : ''}${grantId ? `; grant ${grantId}` : ''} (${protectedBy(key.reasons)})`,
          after: change.requestParameters,
        },
        ...(grantId ? { plan: { kind: 'revoke-grant' as const, keyArn: key.keyArn, grantId, grantee } } : {}),
      },
    ];
  },
  recheck: (plan, live) => (live.kind === 'kms-grant' && live.exists ? plan : undefined),
} as const satisfies Control;
