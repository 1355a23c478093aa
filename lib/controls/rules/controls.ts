import type { Baseline } from '../../baseline/types';
import type { Change } from '../../events/change';
import type { Policy } from '../../policy/schema';
import { matchesAnyGlob } from '../../util/glob';
import { param, text } from './model';
import type { Control, EvaluationContext, FindingDraft, LiveState, RemediationPlan } from '../types';
import {
  arnAccount,
  BUS_KIND,
  busArnOf,
  isApproved,
  isProtectedBus,
  isProtectedRule,
  isTrustedAccount,
  removedTargetIds,
  requestedRule,
  requestedTargets,
  ruleDifferences,
  ruleRefOf,
  RULE_KIND,
  sameTarget,
  type BusDefinition,
  type RuleDefinition,
  type RuleRef,
  type RuleTarget,
} from './model';
import { NEEDS_BASELINE, type RestoreRulePlan, type RuleAspect } from './plans';
import { busNameOf } from '../bus-policy/statements';

const EVENTS = 'events.amazonaws.com';

function ruleBaseline(context: EvaluationContext, arn: string): RuleDefinition | undefined {
  const baseline: Baseline | undefined = context.baselines.get(arn);
  return baseline?.kind === RULE_KIND ? (baseline.definition as RuleDefinition) : undefined;
}

/** The protected rule an untrusted change is about (trusted changes are approved drift). */
function protectedRuleOf(change: Change, policy: Policy): RuleRef | undefined {
  const ref = ruleRefOf(change);
  if (!ref || !isProtectedRule(ref, policy) || isApproved(change, policy)) return undefined;
  return ref;
}

const ruleBaselineResources = (change: Change, policy: Policy) => {
  const ref = ruleRefOf(change);
  return ref && isProtectedRule(ref, policy) ? [ref.arn] : [];
};

function restorePlan(ref: RuleRef, aspects: RuleAspect[], baseline: RuleDefinition | undefined, targetIds?: string[], tags?: Readonly<Record<string, string>>): RestoreRulePlan {
  return { kind: 'restore-rule', ruleArn: ref.arn, name: ref.name, eventBusName: ref.busName, aspects, baseline, ...(targetIds ? { targetIds } : {}), ...(tags ? { tags: { ...tags } } : {}) };
}

const tagsOf = (tags: Readonly<Record<string, string>> | undefined) => (tags ? { tags: { ...tags } } : {});

const noBaselineNote = (baseline: unknown) => (baseline ? '' : `; it cannot be restored yet: ${NEEDS_BASELINE}`);

function baselineTargets(plan: RestoreRulePlan): RuleTarget[] {
  const all = plan.baseline?.targets ?? [];
  return plan.targetIds ? all.filter((t) => plan.targetIds?.includes(t.Id)) : all;
}

/**
 * Narrows a restore to what live state still lacks: a rule that already matches its baseline
 * in the restored aspects needs nothing (someone restored it). Without a baseline nothing can
 * be compared: the plan stands and applying it reports that a baseline is needed.
 */
function recheckRestore(plan: RemediationPlan, live: LiveState): RemediationPlan | undefined {
  if (plan.kind !== 'restore-rule' || live.kind !== 'events-rule' || !plan.baseline) return plan;
  const rule = live.rule;
  if (!rule) {
    // Deleted since: the whole rule has to come back whatever the finding was about.
    return { ...plan, aspects: ['definition', 'targets'] };
  }
  const aspects = plan.aspects.filter((aspect) => {
    if (aspect === 'definition') return ruleDifferences(plan.baseline as RuleDefinition, rule).length > 0;
    if (aspect === 'state') return rule.state !== plan.baseline?.state;
    return baselineTargets(plan).some((t) => !sameTarget(t, rule.targets.find((l) => l.Id === t.Id)));
  });
  return aspects.length > 0 ? { ...plan, aspects } : undefined;
}

export const ruleDeleted = {
  id: 'rule-deleted',
  title: 'Protected rule deleted',
  severity: 'high',
  triggers: [{ eventSource: EVENTS, eventNames: ['DeleteRule'] }],
  remediation: 'restore-rule',
  baselineResources: ruleBaselineResources,
  evaluate(change, context) {
    const ref = protectedRuleOf(change, context.policy);
    if (!ref) return [];
    const baseline = ruleBaseline(context, ref.arn);
    return [
      {
        resource: ref.arn,
        title: `protected rule ${ref.name} deleted`,
        evidence: {
          summary: `rule ${ref.name} on bus ${ref.busName} was deleted${baseline ? ` (baseline: ${baseline.targets.length} target(s))` : ''}${noBaselineNote(baseline)}`,
          before: baseline,
          after: null,
        },
        plan: restorePlan(ref, ['definition', 'targets'], baseline, undefined, context.baselines.get(ref.arn)?.tags),
      },
    ];
  },
  recheck: recheckRestore,
} as const satisfies Control;

export const ruleDisabled = {
  id: 'rule-disabled',
  title: 'Protected rule disabled',
  severity: 'high',
  triggers: [{ eventSource: EVENTS, eventNames: ['DisableRule'] }],
  remediation: 'restore-rule',
  baselineResources: ruleBaselineResources,
  evaluate(change, context) {
    const ref = protectedRuleOf(change, context.policy);
    if (!ref) return [];
    const baseline = ruleBaseline(context, ref.arn);
    if (baseline && baseline.state === 'DISABLED') return []; // disabled in its baseline too: nothing drifted
    return [
      {
        resource: ref.arn,
        title: `protected rule ${ref.name} disabled`,
        evidence: { summary: `rule ${ref.name} on bus ${ref.busName} was disabled${noBaselineNote(baseline)}`, before: { state: baseline?.state ?? 'ENABLED' }, after: { state: 'DISABLED' } },
        plan: restorePlan(ref, ['state'], baseline),
      },
    ];
  },
  recheck: recheckRestore,
} as const satisfies Control;

export const ruleModified = {
  id: 'rule-modified',
  title: 'Protected rule changed',
  severity: 'high',
  triggers: [{ eventSource: EVENTS, eventNames: ['PutRule'] }],
  remediation: 'restore-rule',
  baselineResources: ruleBaselineResources,
  evaluate(change, context) {
    const ref = protectedRuleOf(change, context.policy);
    if (!ref) return [];
    const baseline = ruleBaseline(context, ref.arn);
    const written = requestedRule(change, ref);
    const changed = baseline ? ruleDifferences(baseline, written) : [];
    if (baseline && changed.length === 0) return [];
    const pick = (d: Partial<RuleDefinition>) => ({ eventPattern: d.eventPattern, scheduleExpression: d.scheduleExpression, state: d.state, roleArn: d.roleArn });
    return [
      {
        resource: ref.arn,
        title: baseline ? `protected rule ${ref.name} changed: ${changed.join(', ')}` : `protected rule ${ref.name} written with no baseline to compare`,
        evidence: {
          summary: baseline
            ? `PutRule changed ${changed.join(', ')} of rule ${ref.name} on bus ${ref.busName} away from its baseline`
            : `PutRule wrote rule ${ref.name} on bus ${ref.busName}${noBaselineNote(baseline)}`,
          before: baseline ? pick(baseline) : undefined,
          after: pick(written),
        },
        plan: restorePlan(ref, ['definition'], baseline),
      },
    ];
  },
  recheck: recheckRestore,
} as const satisfies Control;

export const targetsRemoved = {
  id: 'targets-removed',
  title: 'Targets removed from a protected rule',
  severity: 'high',
  triggers: [{ eventSource: EVENTS, eventNames: ['RemoveTargets'] }],
  remediation: 'restore-rule',
  baselineResources: ruleBaselineResources,
  evaluate(change, context) {
    const ref = protectedRuleOf(change, context.policy);
    if (!ref) return [];
    const ids = removedTargetIds(change);
    const baseline = ruleBaseline(context, ref.arn);
    // Removing a target the baseline does not have (one added without approval) is not drift.
    const restorable = baseline ? ids.filter((id) => baseline.targets.some((t) => t.Id === id)) : ids;
    if (restorable.length === 0) return [];
    return [
      {
        resource: ref.arn,
        title: `${restorable.length} target(s) removed from protected rule ${ref.name}`,
        evidence: {
          summary: `RemoveTargets removed ${restorable.join(', ')} from rule ${ref.name} on bus ${ref.busName}${noBaselineNote(baseline)}`,
          before: baseline?.targets.filter((t) => restorable.includes(t.Id)),
          after: null,
        },
        plan: restorePlan(ref, ['targets'], baseline, restorable),
      },
    ];
  },
  recheck: recheckRestore,
} as const satisfies Control;

export const targetCrossAccount = {
  id: 'target-cross-account',
  title: 'Rule target in an untrusted account',
  severity: 'high',
  triggers: [{ eventSource: EVENTS, eventNames: ['PutTargets'] }],
  remediation: 'remove-targets',
  evaluate(change, context) {
    const ref = ruleRefOf(change);
    if (!ref) return [];
    const outside = requestedTargets(change).filter((t) => {
      const account = arnAccount(t.Arn);
      return account !== undefined && !isTrustedAccount(account, change, context.policy);
    });
    if (outside.length === 0) return [];
    const accounts = [...new Set(outside.map((t) => arnAccount(t.Arn)))];
    return [
      {
        resource: ref.arn,
        title: `rule ${ref.name} sends events to untrusted account ${accounts.join(', ')}`,
        evidence: {
          summary: `PutTargets added ${outside.map((t) => `${t.Id} -> ${t.Arn}`).join(', ')} to rule ${ref.name}; ${accounts.join(', ')} is neither this account nor in trustedAccounts`,
          after: outside,
        },
        plan: { kind: 'remove-targets', ruleArn: ref.arn, name: ref.name, eventBusName: ref.busName, targets: outside },
      },
    ];
  },
  /** Only targets still on the rule with the same untrusted ARN are removed. */
  recheck(plan, live) {
    if (plan.kind !== 'remove-targets' || live.kind !== 'events-rule' || !live.rule) return undefined;
    const rule = live.rule;
    const still = plan.targets.filter((t) => rule.targets.some((l) => l.Id === t.Id && l.Arn === t.Arn));
    return still.length > 0 ? { ...plan, targets: still } : undefined;
  },
} as const satisfies Control;

/** The host of an https endpoint (API destination InvocationEndpoint, OAuth AuthorizationEndpoint). */
export function hostOf(endpoint: string): string | undefined {
  try {
    return new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint) ? endpoint : `https://${endpoint}`).hostname.toLowerCase() || undefined;
  } catch {
    return undefined;
  }
}

/** allowedDestinations holds host names (globs allowed, e.g. *.example.com), matched case-insensitively. */
function isAllowedHost(host: string, policy: Policy): boolean {
  return matchesAnyGlob(host, policy.allowedDestinations.map((h) => h.toLowerCase()));
}

function destinationEndpoint(change: Change): { endpoint: string; name: string; what: string } | undefined {
  const params = change.requestParameters;
  const name = text(param(params, 'name')) ?? '(unnamed)';
  if (change.eventName === 'CreateConnection') {
    const oauth = param(param(params, 'authParameters'), 'oAuthParameters');
    const endpoint = text(param(oauth, 'authorizationEndpoint'));
    return endpoint ? { endpoint, name, what: `connection ${name} OAuth authorization endpoint` } : undefined;
  }
  const endpoint = text(param(params, 'invocationEndpoint'));
  return endpoint ? { endpoint, name, what: `API destination ${name}` } : undefined;
}

export const targetUntrustedDestination = {
  id: 'target-untrusted-destination',
  title: 'API destination or connection to a host not allowed',
  severity: 'high',
  triggers: [{ eventSource: EVENTS, eventNames: ['CreateApiDestination', 'UpdateApiDestination', 'CreateConnection'] }],
  evaluate(change, context) {
    const found = destinationEndpoint(change);
    if (!found) return [];
    const host = hostOf(found.endpoint);
    if (host && isAllowedHost(host, context.policy)) return [];
    const kind = change.eventName === 'CreateConnection' ? 'connection' : 'api-destination';
    const arn = text(param(change.responseElements, kind === 'connection' ? 'connectionArn' : 'apiDestinationArn'))
      ?? `arn:aws:events:${change.region}:${change.account}:${kind}/${found.name}`;
    return [
      {
        resource: arn,
        title: `${found.what} points at ${host ?? found.endpoint}, not in allowedDestinations`,
        evidence: {
          summary: `${change.eventName} set ${found.what} to ${found.endpoint}; host ${host ?? '(unreadable)'} is not in allowedDestinations (${context.policy.allowedDestinations.join(', ') || 'empty'})`,
          after: { endpoint: found.endpoint },
        },
      },
    ];
  },
} as const satisfies Control;

export const targetRoleUntrusted = {
  id: 'target-role-untrusted',
  title: 'Rule or target role outside trusted accounts',
  severity: 'high',
  triggers: [{ eventSource: EVENTS, eventNames: ['PutRule', 'PutTargets'] }],
  evaluate(change, context) {
    const ref = ruleRefOf(change);
    if (!ref) return [];
    const roles =
      change.eventName === 'PutRule'
        ? [{ where: 'the rule', roleArn: text(param(change.requestParameters, 'roleArn')) }]
        : requestedTargets(change).map((t) => ({ where: `target ${t.Id}`, roleArn: text(t.RoleArn) }));
    const untrusted = roles.filter((r): r is { where: string; roleArn: string } => {
      if (!r.roleArn) return false;
      const account = arnAccount(r.roleArn);
      return account === undefined || !isTrustedAccount(account, change, context.policy);
    });
    if (untrusted.length === 0) return [];
    return [
      {
        resource: ref.arn,
        title: `rule ${ref.name} passes role ${untrusted.map((r) => r.roleArn).join(', ')} from an untrusted account`,
        evidence: {
          summary: `${change.eventName} on rule ${ref.name} passes ${untrusted.map((r) => `${r.roleArn} (${r.where})`).join(', ')}: the role's account is neither this one nor in trustedAccounts`,
          after: untrusted,
        },
      },
    ];
  },
} as const satisfies Control;

/** A retry count of 0 given as a number or (in some records) a string. */
function retriesOff(target: RuleTarget): boolean {
  const retry = target.RetryPolicy as Record<string, unknown> | undefined;
  const attempts = retry ? param(retry, 'maximumRetryAttempts') : undefined;
  return attempts !== undefined && Number(attempts) === 0;
}

export const targetNoDlq = {
  id: 'target-no-dlq',
  title: 'Protected rule target without a dead-letter queue',
  severity: 'medium',
  triggers: [{ eventSource: EVENTS, eventNames: ['PutTargets'] }],
  evaluate(change, context) {
    const ref = ruleRefOf(change);
    if (!ref || !isProtectedRule(ref, context.policy)) return [];
    const weak = requestedTargets(change).filter((t) => !text(param(t.DeadLetterConfig, 'arn')) || retriesOff(t));
    if (weak.length === 0) return [];
    return [
      {
        resource: ref.arn,
        title: `protected rule ${ref.name}: ${weak.length} target(s) can lose events`,
        evidence: {
          summary: weak
            .map((t) => `${t.Id} (${t.Arn}): ${[!text(param(t.DeadLetterConfig, 'arn')) ? 'no DeadLetterConfig' : '', retriesOff(t) ? 'retries set to 0' : ''].filter(Boolean).join(', ')}`)
            .join('; '),
          after: weak,
        },
      },
    ];
  },
} as const satisfies Control;

function busBaseline(context: EvaluationContext, arn: string): BusDefinition | undefined {
  const baseline = context.baselines.get(arn);
  return baseline?.kind === BUS_KIND ? (baseline.definition as BusDefinition) : undefined;
}

function deletedBus(change: Change, policy: Policy): { busName: string; arn: string } | undefined {
  const busName = busNameOf(param(change.requestParameters, 'name'));
  if (busName === 'default') return undefined;
  const arn = busArnOf(change.region, change.account, busName);
  return isProtectedBus(busName, arn, policy) ? { busName, arn } : undefined;
}

export const busDeleted = {
  id: 'bus-deleted',
  title: 'Protected event bus deleted',
  severity: 'critical',
  triggers: [{ eventSource: EVENTS, eventNames: ['DeleteEventBus'] }],
  remediation: 'restore-bus',
  baselineResources: (change, policy) => {
    const bus = deletedBus(change, policy);
    return bus ? [bus.arn] : [];
  },
  evaluate(change, context) {
    const bus = deletedBus(change, context.policy);
    if (!bus || isApproved(change, context.policy)) return [];
    const baseline = busBaseline(context, bus.arn);
    const lost = baseline?.rules.map((r) => `${r.name} -> ${r.targets.map((t) => t.Arn).join(', ') || 'no targets'}`) ?? [];
    return [
      {
        resource: bus.arn,
        title: `protected event bus ${bus.busName} deleted${baseline ? ` with ${baseline.rules.length} rule(s)` : ''}`,
        evidence: {
          summary: baseline
            ? `bus ${bus.busName} was deleted; its rules and targets went with it: ${lost.join('; ') || 'none'}`
            : `bus ${bus.busName} was deleted; which rules went with it is unknown: ${NEEDS_BASELINE}`,
          before: baseline,
          after: null,
        },
        plan: { kind: 'restore-bus', busArn: bus.arn, busName: bus.busName, baseline, ...tagsOf(context.baselines.get(bus.arn)?.tags) },
      },
    ];
  },
  /** A bus someone already recreated is left alone. */
  recheck(plan, live) {
    if (plan.kind !== 'restore-bus' || live.kind !== 'events-bus') return undefined;
    return live.exists ? undefined : plan;
  },
} as const satisfies Control;
