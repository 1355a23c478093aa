import type { BusDefinition, RuleDefinition, RuleTarget } from '../controls/rules/model';
import { NEEDS_BASELINE, type RemoveTargetsPlan, type RestoreBusPlan, type RestoreRulePlan } from '../controls/rules/plans';
import type { LiveState } from '../controls/types';
import type { Remediator, RemediationResult } from './types';
import { describeTags } from '../tags/policy';

/** The slice of EventBridge the rule remediations and the rules snapshotter need. */
export interface EventRulesPort {
  /** The rule with its targets, or undefined when it does not exist. */
  getRule(busName: string, name: string): Promise<RuleDefinition | undefined>;
  /** Creates or updates a rule; `tags` apply when it is created (PutRule leaves an existing rule's tags as they are). */
  putRule(rule: Omit<RuleDefinition, 'targets'>, tags?: Readonly<Record<string, string>>): Promise<void>;
  enableRule(busName: string, name: string): Promise<void>;
  /** Creates or replaces targets by Id, exactly as given; throws when EventBridge rejects any. */
  putTargets(busName: string, name: string, targets: readonly RuleTarget[]): Promise<void>;
  removeTargets(busName: string, name: string, ids: readonly string[]): Promise<void>;
  /** A custom bus (without its rules), or undefined when it does not exist. */
  getBus(busName: string): Promise<Omit<BusDefinition, 'rules'> | undefined>;
  createBus(bus: Omit<BusDefinition, 'rules'>, tags?: Readonly<Record<string, string>>): Promise<void>;
  putBusPolicy(busName: string, policy: string): Promise<void>;
  listBuses(): AsyncIterable<{ name: string; arn: string }>;
  listRules(busName: string): AsyncIterable<Omit<RuleDefinition, 'targets'>>;
}

/** A restore was planned but there is nothing to restore from. */
export class BaselineMissingError extends Error {
  override readonly name = 'BaselineMissingError';
}

const RULE_READ = ['events:DescribeRule', 'events:ListTargetsByRule'];

async function restoreRule(port: EventRulesPort, baseline: RuleDefinition, aspects: readonly string[], targetIds?: readonly string[], tags?: Readonly<Record<string, string>>): Promise<string[]> {
  const actions: string[] = [];
  const { targets, ...definition } = baseline;
  if (aspects.includes('definition')) {
    await port.putRule(definition, tags);
    actions.push(`PutRule ${baseline.name} (bus ${baseline.eventBusName}) with the baseline definition (state ${baseline.state})${tags ? ` and tags ${describeTags(tags)}` : ''}`);
  }
  if (aspects.includes('state') && !aspects.includes('definition')) {
    await port.enableRule(baseline.eventBusName, baseline.name);
    actions.push(`EnableRule ${baseline.name} (bus ${baseline.eventBusName})`);
  }
  if (aspects.includes('targets')) {
    const wanted = targetIds ? targets.filter((t) => targetIds.includes(t.Id)) : targets;
    if (wanted.length > 0) {
      await port.putTargets(baseline.eventBusName, baseline.name, wanted);
      actions.push(`PutTargets ${baseline.name}: ${wanted.map((t) => t.Id).join(', ')} as in the baseline`);
    }
  }
  return actions;
}

export function restoreRuleRemediator(port: EventRulesPort): Remediator<RestoreRulePlan> {
  return {
    kind: 'restore-rule',
    // PutRule and PutTargets with a RoleArn need iam:PassRole on that role.
    // TagResource: a recreated rule gets back the tags its baseline recorded (tag on create).
    iamActions: [...RULE_READ, 'events:PutRule', 'events:EnableRule', 'events:PutTargets', 'events:TagResource', 'iam:PassRole'],
    async readLive(plan): Promise<LiveState> {
      return { kind: 'events-rule', ruleArn: plan.ruleArn, rule: await port.getRule(plan.eventBusName, plan.name) };
    },
    async apply(plan, live): Promise<RemediationResult> {
      if (!plan.baseline) throw new BaselineMissingError(`cannot restore rule ${plan.name}: ${NEEDS_BASELINE}`);
      const before = live.kind === 'events-rule' ? live.rule ?? null : null;
      const actions = await restoreRule(port, plan.baseline, plan.aspects, plan.targetIds, plan.tags);
      return { before, after: (await port.getRule(plan.eventBusName, plan.name)) ?? null, actions };
    },
  };
}

export function removeTargetsRemediator(port: EventRulesPort): Remediator<RemoveTargetsPlan> {
  return {
    kind: 'remove-targets',
    iamActions: [...RULE_READ, 'events:RemoveTargets'],
    async readLive(plan): Promise<LiveState> {
      return { kind: 'events-rule', ruleArn: plan.ruleArn, rule: await port.getRule(plan.eventBusName, plan.name) };
    },
    async apply(plan, live): Promise<RemediationResult> {
      const ids = plan.targets.map((t) => t.Id);
      await port.removeTargets(plan.eventBusName, plan.name, ids);
      return {
        before: live.kind === 'events-rule' ? live.rule?.targets ?? null : null,
        after: (await port.getRule(plan.eventBusName, plan.name))?.targets ?? null,
        actions: [`RemoveTargets ${plan.name} (bus ${plan.eventBusName}) Ids=${ids.join(',')}`],
      };
    },
  };
}

export function restoreBusRemediator(port: EventRulesPort): Remediator<RestoreBusPlan> {
  return {
    kind: 'restore-bus',
    iamActions: ['events:DescribeEventBus', 'events:CreateEventBus', 'events:TagResource', 'events:PutPermission', ...RULE_READ, 'events:PutRule', 'events:PutTargets', 'iam:PassRole'],
    async readLive(plan): Promise<LiveState> {
      return { kind: 'events-bus', busArn: plan.busArn, exists: (await port.getBus(plan.busName)) !== undefined };
    },
    async apply(plan): Promise<RemediationResult> {
      if (!plan.baseline) throw new BaselineMissingError(`cannot recreate bus ${plan.busName}: ${NEEDS_BASELINE}`);
      const { rules, policy, ...bus } = plan.baseline;
      await port.createBus(bus, plan.tags);
      const actions = [`CreateEventBus ${bus.name}${plan.tags ? ` with tags ${describeTags(plan.tags)}` : ''}`];
      if (policy) {
        await port.putBusPolicy(bus.name, policy);
        actions.push(`PutPermission ${bus.name} Policy=<baseline policy>`);
      }
      for (const rule of rules) actions.push(...(await restoreRule(port, rule, ['definition', 'targets'])));
      return { before: null, after: { bus: await port.getBus(bus.name), rules: rules.map((r) => r.name) }, actions };
    },
  };
}
