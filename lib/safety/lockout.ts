import { rootAdministers } from '../controls/kms/keys';
import type { RemediationPlan } from '../controls/types';
import { awsPrincipals, type PolicyDocument, type PolicyStatement } from '../iam/policy-document';
import { matchesAnyGlob } from '../util/glob';

/** A remediation was refused because it could leave the account owner without access. */
export class OwnerLockoutError extends Error {
  override readonly name = 'OwnerLockoutError';
}

export interface LockoutContext {
  /** The account that owns the resource (the finding's account). */
  account: string;
  /** IAM principals (ARN globs) whose access is never taken away automatically (policy breakGlassPrincipals). */
  breakGlassPrincipals: readonly string[];
}

const lower = (values: unknown): string[] => (Array.isArray(values) ? values : [values]).filter((v): v is string => typeof v === 'string').map((v) => v.toLowerCase());

/** A Deny that applies to the owner's root (or everyone) on key administration, unconditionally. */
function deniesOwnerKeyAdministration(statement: PolicyStatement, account: string): boolean {
  if (String(statement.Effect ?? '').toLowerCase() !== 'deny' || statement.Condition !== undefined) return false;
  const principals = awsPrincipals(statement.Principal);
  const coversRoot = principals.some((p) => p === '*' || p === account || /^arn:aws[\w-]*:iam::(\d{12}):root$/.exec(p)?.[1] === account);
  const actions = lower(statement.Action);
  return coversRoot && actions.some((a) => a === '*' || a === 'kms:*' || a === 'kms:putkeypolicy');
}

/** Why putting this key policy back could lock the owner out of the key, or undefined when it keeps root administration. */
export function keyPolicyLockoutRisk(policy: PolicyDocument, account: string): string | undefined {
  if (!rootAdministers(policy, account)) {
    return `the key policy to restore does not grant the account root (arn:aws:iam::${account}:root) kms:*: IAM could no longer manage the key`;
  }
  const denial = policy.Statement.find((s) => deniesOwnerKeyAdministration(s, account));
  if (denial) return `the key policy to restore denies the account root key administration (statement ${denial.Sid ?? 'without Sid'})`;
  return undefined;
}

/**
 * Why a remediation could lock the account owner out, or undefined when it cannot. Checked
 * right before any remediation is applied (and shown in dry-run). What each kind can do:
 *
 * - restore-key-policy: a key policy is the only authority over a KMS key; one without the
 *   account root's `kms:*` (or with a Deny on it) takes IAM out of the key for good. Refused.
 * - revoke-iam-grant: a break-glass principal (breakGlassPrincipals) keeps its grants. Refused.
 * - statement removals on buses, queues and topics only take Allow statements out of resource
 *   policies: the owner's principals keep the access their IAM policies give them, and no
 *   removal can add a Deny. Nothing to refuse.
 * - every other kind restores a setting (logging, rotation, encryption, a baseline rule or
 *   endpoint policy) or enables a key: none of them takes access away from the owner.
 */
export function ownerLockoutRisk(plan: RemediationPlan, context: LockoutContext): string | undefined {
  switch (plan.kind) {
    case 'restore-key-policy':
      return plan.policy ? keyPolicyLockoutRisk(plan.policy, context.account) : undefined;
    case 'revoke-iam-grant':
      return matchesAnyGlob(plan.principal.arn, context.breakGlassPrincipals)
        ? `${plan.principal.arn} is a break-glass principal (breakGlassPrincipals): its grants are never revoked automatically`
        : undefined;
    default:
      return undefined;
  }
}
