import { asArray, isRecord, parseMaybeJson } from '../util/json';

/**
 * A resource-policy statement as AWS stores it. Fields keep their original
 * values (so a remediation can write back exactly what it read); the helpers
 * below read them with IAM's semantics: principals as string or array, effect
 * and condition keys case-insensitive.
 */
export interface PolicyStatement {
  Sid?: string;
  Effect?: string;
  Principal?: unknown;
  NotPrincipal?: unknown;
  Action?: unknown;
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
  Condition?: unknown;
  [key: string]: unknown;
}

export interface PolicyDocument {
  Version?: string;
  Id?: string;
  Statement: PolicyStatement[];
  [key: string]: unknown;
}

export class PolicyDocumentError extends Error {
  override readonly name = 'PolicyDocumentError';
}

/** Accepts a policy as a JSON string or an object; a single statement object is allowed, as in IAM. */
export function parsePolicyDocument(value: unknown): PolicyDocument {
  const parsed = parseMaybeJson(value);
  if (!isRecord(parsed)) {
    throw new PolicyDocumentError(`policy is not a JSON object (got ${typeof parsed})`);
  }
  const statements = asArray(parsed.Statement as unknown);
  if (statements.length === 0 && parsed.Statement === undefined) {
    throw new PolicyDocumentError('policy has no Statement');
  }
  for (const [index, statement] of statements.entries()) {
    if (!isRecord(statement)) throw new PolicyDocumentError(`Statement[${index}] is not an object`);
  }
  return { ...parsed, Statement: statements as PolicyStatement[] };
}

export function isAllow(statement: PolicyStatement): boolean {
  return typeof statement.Effect === 'string' && statement.Effect.toLowerCase() === 'allow';
}

/** The AWS principals a statement names: `*`, account ids, ARNs. Service/Federated principals are not accounts. */
export function awsPrincipals(principal: unknown): string[] {
  if (principal === '*') return ['*'];
  if (typeof principal === 'string') return [principal];
  if (!isRecord(principal)) return [];
  const out: string[] = [];
  for (const [type, value] of Object.entries(principal)) {
    if (type.toLowerCase() !== 'aws') continue;
    for (const entry of asArray(value)) if (typeof entry === 'string') out.push(entry.trim());
  }
  return out;
}

export function isWildcardPrincipal(principal: unknown): boolean {
  return awsPrincipals(principal).includes('*');
}

/** The 12-digit account of an account id or an ARN (arn:aws:iam::111122223333:root, ...), or undefined. */
export function accountOf(principalOrArn: string): string | undefined {
  if (/^\d{12}$/.test(principalOrArn)) return principalOrArn;
  const parts = principalOrArn.split(':');
  if (parts[0] === 'arn' && parts.length >= 6 && /^\d{12}$/.test(parts[4] ?? '')) return parts[4];
  return undefined;
}

export interface ConditionClause {
  /** Operator as written, e.g. `StringEquals`, `ForAnyValue:StringLike`. */
  operator: string;
  /** Condition key lower-cased: IAM condition keys are case-insensitive. */
  key: string;
  values: string[];
}

export function conditionClauses(condition: unknown): ConditionClause[] {
  const parsed = parseMaybeJson(condition);
  if (!isRecord(parsed)) return [];
  const clauses: ConditionClause[] = [];
  for (const [operator, block] of Object.entries(parsed)) {
    if (!isRecord(block)) continue;
    for (const [key, raw] of Object.entries(block)) {
      const values = asArray(raw).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
      clauses.push({ operator, key: key.toLowerCase(), values });
    }
  }
  return clauses;
}

/**
 * Operators that, on a single-valued key, restrict the request to the listed values.
 * `...IfExists` is excluded on purpose: a request without the key passes it, so it
 * restricts nothing for an anonymous or cross-organization caller. Negated operators
 * (`StringNotEquals`) allow everything else, so they never narrow a grant.
 */
export function isRestrictingOperator(operator: string): boolean {
  const bare = operator.toLowerCase().replace(/^forallvalues:|^foranyvalue:/, '');
  if (operator.toLowerCase().startsWith('forallvalues:')) return false; // true when the key is absent
  return ['stringequals', 'stringequalsignorecase', 'stringlike', 'arnequals', 'arnlike'].includes(bare);
}

export function isLikeOperator(operator: string): boolean {
  return /like$/i.test(operator);
}
