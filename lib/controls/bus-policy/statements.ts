import type { Change } from '../../events/change';
import {
  accountOf,
  awsPrincipals,
  conditionClauses,
  isAllow,
  isLikeOperator,
  isRestrictingOperator,
  parsePolicyDocument,
  type PolicyStatement,
} from '../../iam/policy-document';
import { canonicalJson, isRecord } from '../../util/json';

export interface TrustContext {
  /** The bus owner's account: always trusted. */
  account: string;
  trustedAccounts: readonly string[];
  organizationId?: string;
}

/** Who, beyond trusted accounts and the organization, a statement lets in. */
export interface Exposure {
  /** Anyone (Principal `*` or NotPrincipal) with no condition narrowing it. */
  public: boolean;
  /** Accounts and organizations outside the policy that the statement names. */
  untrusted: string[];
}

const ORG_KEYS = ['aws:principalorgid', 'aws:sourceorgid'];
const ORG_PATH_KEYS = ['aws:principalorgpaths', 'aws:sourceorgpaths'];
// kms:CallerAccount restricts key policies (the AWS managed key pattern: Principal * limited to
// the caller's account); aws:SourceOwner is SNS's legacy account key (its default topic policy).
const ACCOUNT_KEYS = ['aws:principalaccount', 'aws:sourceaccount', 'aws:resourceaccount', 'kms:calleraccount', 'aws:sourceowner'];
const ARN_KEYS = ['aws:principalarn', 'aws:sourcearn'];

function isTrustedAccount(account: string, trust: TrustContext): boolean {
  return account === trust.account || trust.trustedAccounts.includes(account);
}

/** For one value of a restricting condition: the untrusted identity it admits, '' if trusted, '*' if anyone. */
function admittedBy(key: string, value: string, like: boolean, trust: TrustContext): string {
  const wild = like && /[*?]/.test(value);
  if (ORG_KEYS.includes(key)) {
    if (wild) return '*';
    return trust.organizationId && value.toLowerCase() === trust.organizationId.toLowerCase() ? '' : value;
  }
  if (ORG_PATH_KEYS.includes(key)) {
    const org = value.split('/')[0] ?? '';
    if (like && /[*?]/.test(org)) return '*';
    return trust.organizationId && org.toLowerCase() === trust.organizationId.toLowerCase() ? '' : org;
  }
  if (ACCOUNT_KEYS.includes(key)) {
    if (wild) return '*';
    return isTrustedAccount(value, trust) ? '' : value;
  }
  if (ARN_KEYS.includes(key)) {
    const account = accountOf(value);
    if (!account) return '*';
    return isTrustedAccount(account, trust) ? '' : account;
  }
  return '*';
}

/**
 * How far a statement opens a resource. Deny statements grant nothing. Conditions
 * are ANDed: one restricting clause limited to trusted identities makes the grant
 * trusted whatever the principal says; values within a clause are ORed.
 */
export function exposureOf(statement: PolicyStatement, trust: TrustContext): Exposure {
  if (!isAllow(statement)) return { public: false, untrusted: [] };

  const principals =
    statement.NotPrincipal !== undefined ? ['*'] : awsPrincipals(statement.Principal);
  const principalAdmits = principals.map((p) => {
    if (p === '*') return '*';
    const account = accountOf(p);
    if (!account) return /\*/.test(p) ? '*' : '';
    return isTrustedAccount(account, trust) ? '' : account;
  });
  if (principalAdmits.every((a) => a === '')) return { public: false, untrusted: [] };

  const restricting = conditionClauses(statement.Condition).filter(
    (c) =>
      isRestrictingOperator(c.operator) &&
      [...ORG_KEYS, ...ORG_PATH_KEYS, ...ACCOUNT_KEYS, ...ARN_KEYS].includes(c.key),
  );
  const clauseAdmits = restricting.map((c) =>
    c.values.map((v) => admittedBy(c.key, v, isLikeOperator(c.operator), trust)),
  );
  const narrowing = clauseAdmits.filter((admits) => !admits.includes('*'));
  if (narrowing.some((admits) => admits.every((a) => a === ''))) return { public: false, untrusted: [] };

  if (narrowing.length > 0) {
    // Principal * limited by a condition to named outsiders: untrusted, not public.
    const named = narrowing.flat().filter((a) => a !== '');
    return { public: false, untrusted: [...new Set(named)] };
  }
  if (principalAdmits.includes('*')) return { public: true, untrusted: [] };
  return { public: false, untrusted: [...new Set(principalAdmits.filter((a) => a !== ''))] };
}

/** The statements a bus-policy change writes, and the bus it writes them to. */
export interface BusPolicyChange {
  busName: string;
  /** `statement` for the legacy PutPermission form (one statement added), `policy` when the whole policy is set. */
  form: 'statement' | 'policy';
  statements: PolicyStatement[];
}

/** The bus name from a name or an ARN (arn:aws:events:r:a:event-bus/name). */
export function busNameOf(nameOrArn: unknown): string {
  if (typeof nameOrArn !== 'string' || nameOrArn === '') return 'default';
  const match = /:event-bus\/(.+)$/.exec(nameOrArn);
  return match?.[1] ?? nameOrArn;
}

export function busArn(change: Change, busName: string): string {
  return `arn:aws:events:${change.region}:${change.account}:event-bus/${busName}`;
}

function param(params: Record<string, unknown>, name: string): unknown {
  const key = Object.keys(params).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : params[key];
}

/** A request value as text: never throws (String() does on an object whose toString is not callable). */
function textOf(value: unknown): string {
  return typeof value === 'string' ? value : canonicalJson(value);
}

/**
 * The legacy PutPermission form as the statement EventBridge stores:
 * principal an account id or `*`, an optional single condition (Type/Key/Value).
 */
function legacyStatement(params: Record<string, unknown>, resource: string): PolicyStatement {
  const principal = param(params, 'principal');
  const statement: PolicyStatement = {
    Sid: textOf(param(params, 'statementId') ?? ''),
    Effect: 'Allow',
    Principal:
      principal === '*' || principal === undefined
        ? '*'
        : { AWS: /^\d{12}$/.test(textOf(principal)) ? `arn:aws:iam::${textOf(principal)}:root` : textOf(principal) },
    Action: param(params, 'action') ?? 'events:PutEvents',
    Resource: resource,
  };
  const condition = param(params, 'condition');
  if (isRecord(condition)) {
    const type = textOf(param(condition, 'type') ?? 'StringEquals');
    const key = textOf(param(condition, 'key') ?? '');
    statement.Condition = { [type]: { [key]: param(condition, 'value') } };
  }
  return statement;
}

/** Reads the bus-policy statements a PutPermission, CreateEventBus or UpdateEventBus writes, if any. */
export function busPolicyChangeOf(change: Change): BusPolicyChange | undefined {
  const params = change.requestParameters;
  const busName = busNameOf(
    change.eventName === 'PutPermission' ? param(params, 'eventBusName') : param(params, 'name'),
  );
  const policy = param(params, 'policy');
  if (policy !== undefined && policy !== null && policy !== '') {
    return { busName, form: 'policy', statements: parsePolicyDocument(policy).Statement };
  }
  if (change.eventName === 'PutPermission' && param(params, 'statementId') !== undefined) {
    return { busName, form: 'statement', statements: [legacyStatement(params, busArn(change, busName))] };
  }
  return undefined;
}

export function trustOf(change: Change, policy: { trustedAccounts: readonly string[]; organizationId?: string }): TrustContext {
  return { account: change.account, trustedAccounts: policy.trustedAccounts, organizationId: policy.organizationId };
}
