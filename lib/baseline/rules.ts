import { busNameOf } from '../controls/bus-policy/statements';
import {
  BUS_KIND,
  busArnOf,
  isProtectedBus,
  isProtectedRule,
  param,
  parseBusArn,
  parseRuleArn,
  ruleRefOf,
  RULE_KIND,
  type BusDefinition,
  type RuleDefinition,
} from '../controls/rules/model';
import type { Change } from '../events/change';
import type { Policy } from '../policy/schema';
import type { EventRulesPort } from '../remediation/rules';
import type { Snapshotter } from './snapshotter';
import type { Baseline } from './types';

const RULE_EVENTS = ['PutRule', 'DeleteRule', 'EnableRule', 'DisableRule', 'PutTargets', 'RemoveTargets'];
const BUS_EVENTS = ['CreateEventBus', 'UpdateEventBus', 'DeleteEventBus', 'PutPermission', 'RemovePermission'];

/**
 * Baselines of EventBridge rules (kind `events-rule`: definition and targets, for every rule
 * protect.rules names, on every bus) and of protected custom buses (kind `events-bus`: the
 * bus, its policy and all its rules, what a deleted bus takes with it).
 */
export function rulesSnapshotter(port: EventRulesPort, now: () => Date = () => new Date()): Snapshotter {
  const baseline = (resource: string, kind: string, definition: unknown): Baseline => ({
    resource,
    kind,
    definition,
    capturedAt: now().toISOString(),
    source: 'snapshot',
  });

  async function busDefinition(busName: string): Promise<BusDefinition | undefined> {
    const bus = await port.getBus(busName);
    if (!bus) return undefined;
    const rules: RuleDefinition[] = [];
    for await (const rule of port.listRules(busName)) {
      const full = await port.getRule(busName, rule.name);
      if (full) rules.push(full);
    }
    return { ...bus, rules };
  }

  return {
    kind: 'eventbridge',
    iamActions: ['events:ListEventBuses', 'events:ListRules', 'events:DescribeRule', 'events:ListTargetsByRule', 'events:DescribeEventBus'],

    touchedBy(change: Change, policy: Policy): string[] {
      if (change.eventSource !== 'events.amazonaws.com') return [];
      const touched: string[] = [];
      let busName: string | undefined;
      if (RULE_EVENTS.includes(change.eventName)) {
        const ref = ruleRefOf(change);
        if (!ref) return [];
        if (isProtectedRule(ref, policy)) touched.push(ref.arn);
        busName = ref.busName;
      } else if (BUS_EVENTS.includes(change.eventName)) {
        busName = busNameOf(change.eventName.endsWith('Permission') ? param(change.requestParameters, 'eventBusName') : param(change.requestParameters, 'name'));
      }
      if (busName && busName !== 'default') {
        const arn = busArnOf(change.region, change.account, busName);
        if (isProtectedBus(busName, arn, policy)) touched.push(arn);
      }
      return touched;
    },

    async capture(resource) {
      const rule = parseRuleArn(resource);
      if (rule) {
        const definition = await port.getRule(rule.busName, rule.name);
        return definition ? baseline(resource, RULE_KIND, definition) : undefined;
      }
      const bus = parseBusArn(resource);
      if (bus) {
        const definition = await busDefinition(bus.busName);
        return definition ? baseline(resource, BUS_KIND, definition) : undefined;
      }
      return undefined;
    },

    async *captureAll(policy) {
      for await (const bus of port.listBuses()) {
        for await (const rule of port.listRules(bus.name)) {
          if (!isProtectedRule(rule, policy)) continue;
          const definition = await port.getRule(bus.name, rule.name);
          if (definition) yield baseline(definition.arn, RULE_KIND, definition);
        }
        if (bus.name !== 'default' && isProtectedBus(bus.name, bus.arn, policy)) {
          const definition = await busDefinition(bus.name);
          if (definition) yield baseline(bus.arn, BUS_KIND, definition);
        }
      }
    },
  };
}
