import type { Change } from '../../events/change';
import type { Policy } from '../../policy/schema';
import { isActorIn } from '../../policy/decide';
import { matchesAnyGlob } from '../../util/glob';
import { canonicalJson, isRecord, parseMaybeJson } from '../../util/json';
import { busNameOf } from '../bus-policy/statements';

/**
 * A rule target exactly as EventBridge returns it (ListTargetsByRule) and takes it back
 * (PutTargets): Id, Arn, RoleArn, Input, InputPath, InputTransformer, RetryPolicy,
 * DeadLetterConfig and the service-specific parameters, kept verbatim.
 */
export type RuleTarget = { Id: string; Arn: string } & Record<string, unknown>;

/** Baseline kind `events-rule`: a rule with its targets, keyed by the rule ARN. */
export interface RuleDefinition {
  name: string;
  eventBusName: string;
  arn: string;
  eventPattern?: string;
  scheduleExpression?: string;
  state: string;
  description?: string;
  roleArn?: string;
  targets: RuleTarget[];
}

/** Baseline kind `events-bus`: a custom bus, its policy and every rule on it (what goes with a deleted bus). */
export interface BusDefinition {
  name: string;
  arn: string;
  description?: string;
  kmsKeyIdentifier?: string;
  deadLetterConfig?: { Arn?: string };
  policy?: string;
  rules: RuleDefinition[];
}

export const RULE_KIND = 'events-rule';
export const BUS_KIND = 'events-bus';

/** A request parameter whatever its casing (CloudTrail lower-cases the first letter; replays vary). */
export function param(params: unknown, name: string): unknown {
  if (!isRecord(params)) return undefined;
  const key = Object.keys(params).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : params[key];
}

export function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** `arn:aws:events:r:a:rule/name` on the default bus, `rule/bus/name` on a custom bus. */
export function ruleArnOf(region: string, account: string, busName: string, name: string): string {
  return `arn:aws:events:${region}:${account}:rule/${busName === 'default' ? '' : `${busName}/`}${name}`;
}

export function busArnOf(region: string, account: string, busName: string): string {
  return `arn:aws:events:${region}:${account}:event-bus/${busName}`;
}

/** Rule name, bus and ARN from a rule ARN (either form). */
export function parseRuleArn(arn: string): { region: string; account: string; busName: string; name: string } | undefined {
  const match = /^arn:[^:]+:events:([^:]*):(\d{12}):rule\/(?:([^/]+)\/)?([^/]+)$/.exec(arn);
  if (!match) return undefined;
  return { region: match[1] as string, account: match[2] as string, busName: match[3] ?? 'default', name: match[4] as string };
}

export function parseBusArn(arn: string): { region: string; account: string; busName: string } | undefined {
  const match = /^arn:[^:]+:events:([^:]*):(\d{12}):event-bus\/(.+)$/.exec(arn);
  return match ? { region: match[1] as string, account: match[2] as string, busName: match[3] as string } : undefined;
}

export interface RuleRef {
  name: string;
  busName: string;
  arn: string;
}

/**
 * The rule a change is about: `name` (PutRule, DeleteRule, EnableRule, DisableRule) or `rule`
 * (PutTargets, RemoveTargets), on `eventBusName` (a name or an ARN; absent = default).
 */
export function ruleRefOf(change: Change): RuleRef | undefined {
  const params = change.requestParameters;
  const name = text(param(params, 'rule')) ?? text(param(params, 'name'));
  if (!name) return undefined;
  const busName = busNameOf(param(params, 'eventBusName'));
  const returned = text(param(change.responseElements, 'ruleArn'));
  return { name, busName, arn: returned ?? ruleArnOf(change.region, change.account, busName, name) };
}

/** protect.rules globs match the rule name or its ARN (the responder's own rules are added by the wiring). */
export function isProtectedRule(ref: Pick<RuleRef, 'name' | 'arn'>, policy: Policy): boolean {
  return matchesAnyGlob(ref.name, policy.protect.rules) || matchesAnyGlob(ref.arn, policy.protect.rules);
}

/** protect.buses globs match the bus name or its ARN. The default bus cannot be deleted. */
export function isProtectedBus(busName: string, arn: string, policy: Policy): boolean {
  return matchesAnyGlob(busName, policy.protect.buses) || matchesAnyGlob(arn, policy.protect.buses);
}

/** A change by a trusted principal is approved drift: it moves the baseline and is not a finding. */
export function isApproved(change: Change, policy: Policy): boolean {
  return isActorIn(change.actor, policy.trustedPrincipals);
}

/** One target of a PutTargets request, keys as EventBridge names them (first letter upper-case). */
function pascalKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(pascalKeys);
  if (!isRecord(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.charAt(0).toUpperCase() + k.slice(1), pascalKeys(v)]));
}

/**
 * The targets a PutTargets request sets. CloudTrail records `targets[]` with lower-camel keys
 * (`arn`, `id`, `roleArn`, `deadLetterConfig`, `retryPolicy`, ...); nested maps such as
 * inputTransformer.inputPathsMap hold user keys, which are kept as they are.
 */
/** A request value as text: never throws (String() does on an object whose toString is not callable). */
function textOf(value: unknown): string {
  return typeof value === 'string' ? value : canonicalJson(value);
}

export function requestedTargets(change: Change): RuleTarget[] {
  const raw = parseMaybeJson(param(change.requestParameters, 'targets'));
  if (!Array.isArray(raw)) return [];
  return raw.filter(isRecord).map((t) => {
    const target = pascalKeys({ ...t, inputTransformer: undefined }) as Record<string, unknown>;
    delete target.InputTransformer;
    const transformer = param(t, 'inputTransformer');
    if (isRecord(transformer)) {
      target.InputTransformer = {
        ...(param(transformer, 'inputPathsMap') !== undefined ? { InputPathsMap: param(transformer, 'inputPathsMap') } : {}),
        InputTemplate: param(transformer, 'inputTemplate'),
      };
    }
    return { ...target, Id: textOf(param(t, 'id') ?? ''), Arn: textOf(param(t, 'arn') ?? '') } as RuleTarget;
  });
}

/** The ids a RemoveTargets request removes. */
export function removedTargetIds(change: Change): string[] {
  const raw = parseMaybeJson(param(change.requestParameters, 'ids'));
  return (Array.isArray(raw) ? raw : [raw]).filter((id): id is string => typeof id === 'string' && id !== '');
}

/** The definition a PutRule request writes, in the baseline's terms (empty strings are "not set"). */
export function requestedRule(change: Change, ref: RuleRef): Omit<RuleDefinition, 'targets'> {
  const params = change.requestParameters;
  const pattern = param(params, 'eventPattern');
  return {
    name: ref.name,
    eventBusName: ref.busName,
    arn: ref.arn,
    eventPattern: typeof pattern === 'string' ? text(pattern) : isRecord(pattern) ? JSON.stringify(pattern) : undefined,
    scheduleExpression: text(param(params, 'scheduleExpression')),
    state: text(param(params, 'state')) ?? 'ENABLED',
    description: text(param(params, 'description')),
    roleArn: text(param(params, 'roleArn')),
  };
}

/** Patterns compare as JSON (key order and spacing do not matter). */
export function samePattern(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return canonicalJson(parseMaybeJson(a)) === canonicalJson(parseMaybeJson(b));
}

/** What a rule's definition differs in from its baseline: the settings rule-modified guards. */
export function ruleDifferences(baseline: Omit<RuleDefinition, 'targets'>, actual: Omit<RuleDefinition, 'targets'>): string[] {
  const out: string[] = [];
  if (!samePattern(baseline.eventPattern, actual.eventPattern)) out.push('eventPattern');
  if ((baseline.scheduleExpression ?? '') !== (actual.scheduleExpression ?? '')) out.push('scheduleExpression');
  if (baseline.state !== actual.state) out.push('state');
  if ((baseline.roleArn ?? '') !== (actual.roleArn ?? '')) out.push('roleArn');
  return out;
}

/** Targets compare field by field (as JSON, key order aside). */
export function sameTarget(a: RuleTarget | undefined, b: RuleTarget | undefined): boolean {
  return a !== undefined && b !== undefined && canonicalJson(a) === canonicalJson(b);
}

/** The 12-digit account in an ARN, if it names one. */
export function arnAccount(arn: string): string | undefined {
  const account = arn.split(':')[4];
  return account && /^\d{12}$/.test(account) ? account : undefined;
}

export function isTrustedAccount(account: string, change: Change, policy: Policy): boolean {
  return account === change.account || policy.trustedAccounts.includes(account);
}
