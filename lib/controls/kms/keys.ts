import type { Change } from '../../events/change';
import { asArray, isRecord } from '../../util/json';
import { awsPrincipals, isAllow, type PolicyDocument, type PolicyStatement } from '../../iam/policy-document';
import type { Policy } from '../../policy/schema';
import { exposureOf, type TrustContext } from '../bus-policy/statements';
import { param, textParam } from '../params';
import { globNaming, isNamedBy } from '../protected-resources';
import type { EvaluationContext } from '../types';
import { KMS_KEY_BASELINE, type KmsKeyDefinition, type KmsKeyState } from './types';

export const KMS_SOURCE = 'kms.amazonaws.com';

export interface KeyRef {
  keyId: string;
  keyArn: string;
}

const KEY_ARN = /^arn:(aws[\w-]*):kms:([^:]+):(\d+):key\/(.+)$/;

/**
 * The key a KMS call acted on. keyId is a key id or a key ARN; the record's
 * `resources` (eventVersion 1.05+) and responseElements.keyId carry the ARN when
 * the request named the key by id.
 */
export function keyOf(change: Change): KeyRef | undefined {
  const requested = textParam(change.requestParameters, 'keyId');
  const resourceArn = asArray(change.record.resources as unknown)
    .filter(isRecord)
    .map((r) => (typeof r.ARN === 'string' ? r.ARN : typeof r.arn === 'string' ? r.arn : ''))
    .find((arn) => KEY_ARN.test(arn));
  const responseArn = textParam(change.responseElements, 'keyId');
  const arn = [requested, resourceArn, responseArn].find((v): v is string => v !== undefined && KEY_ARN.test(v));
  if (arn) return { keyArn: arn, keyId: KEY_ARN.exec(arn)?.[4] ?? arn };
  if (!requested || requested.startsWith('alias/') || requested.startsWith('arn:')) return undefined;
  return { keyId: requested, keyArn: `arn:aws:kms:${change.region}:${change.account}:key/${requested}` };
}

/** The key's account, from its ARN: keys of other accounts are not ours to guard or fix. */
export function keyAccountOf(keyArn: string): string | undefined {
  return KEY_ARN.exec(keyArn)?.[3];
}

export function keyBaselineOf(context: EvaluationContext, keyArn: string): KmsKeyDefinition | undefined {
  const baseline = context.baselines.get(keyArn);
  return baseline?.kind === KMS_KEY_BASELINE ? (baseline.definition as KmsKeyDefinition) : undefined;
}

/**
 * Why a key is protected, or [] when it is not: a `protect.keys` glob names its id, ARN
 * or one of its aliases, or a protected bus, queue, trail or topic is encrypted with it.
 * Aliases and users come from the key's baseline (resolved live when it was captured).
 * The responder's own key is in `protect.keys` of the deployed policy (wiring adds it).
 */
export function keyProtection(key: { keyId: string; arn: string; aliases?: readonly string[]; usedBy?: readonly string[] }, policy: Policy): string[] {
  const reasons: string[] = [];
  const aliasArns = (key.aliases ?? []).map((a) => key.arn.replace(/:key\/.+$/, `:${a}`));
  const glob = globNaming([key.keyId, key.arn, ...(key.aliases ?? []), ...aliasArns], policy.protect.keys);
  if (glob !== undefined) reasons.push(`protect.keys "${glob}"`);
  for (const user of key.usedBy ?? []) {
    const service = user.split(':')[2];
    const globs =
      service === 'sqs' ? policy.protect.queues : service === 'events' ? policy.protect.buses : service === 'cloudtrail' ? policy.protect.trails : service === 'sns' ? policy.protect.topics : [];
    if (isNamedBy([user], globs)) reasons.push(`encrypts protected ${user}`);
  }
  return reasons;
}

/** The protected key a change acted on, with why it is protected; undefined when it is not protected or not ours. */
export function protectedKeyOf(change: Change, context: EvaluationContext): (KeyRef & { reasons: string[]; baseline?: KmsKeyDefinition }) | undefined {
  const key = keyOf(change);
  if (!key || keyAccountOf(key.keyArn) !== change.account) return undefined;
  const baseline = keyBaselineOf(context, key.keyArn);
  const reasons = keyProtection({ keyId: key.keyId, arn: key.keyArn, aliases: baseline?.aliases, usedBy: baseline?.usedBy }, context.policy);
  return reasons.length > 0 ? { ...key, reasons, baseline } : undefined;
}

/** Automatic rotation exists only for symmetric encryption keys with KMS-generated material outside custom key stores. */
export function rotationApplies(key: Pick<KmsKeyState, 'keySpec' | 'keyUsage' | 'origin' | 'customKeyStoreId'>): boolean {
  return (
    (key.keySpec ?? 'SYMMETRIC_DEFAULT') === 'SYMMETRIC_DEFAULT' &&
    (key.keyUsage ?? 'ENCRYPT_DECRYPT') === 'ENCRYPT_DECRYPT' &&
    (key.origin ?? 'AWS_KMS') === 'AWS_KMS' &&
    !key.customKeyStoreId
  );
}

function actionsOf(statement: PolicyStatement): string[] {
  return asArray(statement.Action as unknown).filter((a): a is string => typeof a === 'string').map((a) => a.toLowerCase());
}

/**
 * The account root administers the key: an Allow statement for `arn:aws:iam::<account>:root`
 * (or the bare account id) with `kms:*`. Without it IAM policies no longer apply to the key,
 * so only principals the key policy names can ever manage it again.
 */
export function rootAdministers(policy: PolicyDocument, account: string): boolean {
  return policy.Statement.some(
    (s) =>
      isAllow(s) &&
      s.NotAction === undefined &&
      awsPrincipals(s.Principal).some((p) => p === account || /^arn:aws[\w-]*:iam::(\d{12}):root$/.exec(p)?.[1] === account) &&
      actionsOf(s).some((a) => a === 'kms:*' || a === '*'),
  );
}

export interface KeyPolicyProblems {
  public: PolicyStatement[];
  untrusted: PolicyStatement[];
  outsiders: string[];
  rootAdminDropped: boolean;
}

export function keyPolicyProblems(policy: PolicyDocument, trust: TrustContext): KeyPolicyProblems {
  const exposures = policy.Statement.map((s) => [s, exposureOf(s, trust)] as const);
  const untrusted = exposures.filter(([, e]) => !e.public && e.untrusted.length > 0);
  return {
    public: exposures.filter(([, e]) => e.public).map(([s]) => s),
    untrusted: untrusted.map(([s]) => s),
    outsiders: [...new Set(untrusted.flatMap(([, e]) => e.untrusted))],
    rootAdminDropped: !rootAdministers(policy, trust.account),
  };
}

export function isBroadened(problems: KeyPolicyProblems): boolean {
  return problems.public.length > 0 || problems.untrusted.length > 0 || problems.rootAdminDropped;
}

/** PutKeyPolicy's bypassPolicyLockoutSafetyCheck, a boolean or a "true" string. */
export function bypassesLockoutCheck(change: Change): boolean {
  const value = param(change.requestParameters, 'bypassPolicyLockoutSafetyCheck');
  return value === true || (typeof value === 'string' && value.toLowerCase() === 'true');
}
