import { globToRegExp } from '../util/glob';
import { asArray } from '../util/json';
import { conditionClauses, isAllow, type PolicyDocument, type PolicyStatement } from './policy-document';

/**
 * What an identity policy (inline or managed) grants, read with IAM's semantics:
 * Action/NotAction and Resource/NotResource with `*` and `?` wildcards (actions
 * case-insensitive, resources case-sensitive), conditions that narrow a grant, and
 * Deny statements of the same document taking actions away.
 */

/** An action pattern (`events:Put*`, `*`) matches an action case-insensitively, as IAM does. */
export function actionMatches(pattern: string, action: string): boolean {
  return globToRegExp(pattern.toLowerCase()).test(action.toLowerCase());
}

/** A resource pattern matches an ARN as IAM does: `*` spans any characters, including `:` and `/`. */
export function resourceMatches(pattern: string, arn: string): boolean {
  return globToRegExp(pattern).test(arn);
}

const strings = (value: unknown): string[] => asArray(value).filter((v): v is string => typeof v === 'string');

function coversAction(statement: PolicyStatement, action: string): boolean {
  if (statement.Action !== undefined) return strings(statement.Action).some((p) => actionMatches(p, action));
  if (statement.NotAction !== undefined) return !strings(statement.NotAction).some((p) => actionMatches(p, action));
  return false;
}

function coversResource(statement: PolicyStatement, arn: string): boolean {
  if (statement.Resource !== undefined) return strings(statement.Resource).some((p) => resourceMatches(p, arn));
  if (statement.NotResource !== undefined) return !strings(statement.NotResource).some((p) => resourceMatches(p, arn));
  return false;
}

/**
 * Condition keys that say how a request is made, never which resource it acts on or
 * for whom: a grant limited only by them still reaches every resource.
 */
const RESOURCE_NEUTRAL_CONDITION_KEYS = new Set([
  'aws:securetransport',
  'aws:multifactorauthpresent',
  'aws:multifactorauthage',
  'aws:currenttime',
  'aws:epochtime',
  'aws:tokenissuetime',
  'aws:useragent',
]);

/** True when a statement has no condition, or only conditions that do not narrow its resources. */
export function isUnconditional(statement: PolicyStatement): boolean {
  return conditionClauses(statement.Condition).every((c) => RESOURCE_NEUTRAL_CONDITION_KEYS.has(c.key));
}

/**
 * Whether the document allows `action` on every one of `probes` (ARNs standing for
 * "any resource of the action's type"), with no narrowing condition, and no Deny of the
 * same document taking it away from all of them. A Deny limited by a condition, or to
 * some resources only, leaves the grant as broad as it was for the rest.
 */
export function allowsOnAll(document: PolicyDocument, action: string, probes: readonly string[]): PolicyStatement | undefined {
  const granting = document.Statement.find(
    (s) => isAllow(s) && isUnconditional(s) && coversAction(s, action) && probes.every((arn) => coversResource(s, arn)),
  );
  if (!granting) return undefined;
  const denied = document.Statement.some(
    (s) => isDeny(s) && coversAction(s, action) && conditionClauses(s.Condition).length === 0 && probes.some((arn) => coversResource(s, arn)),
  );
  return denied ? undefined : granting;
}

function isDeny(statement: PolicyStatement): boolean {
  return typeof statement.Effect === 'string' && statement.Effect.toLowerCase() === 'deny';
}
