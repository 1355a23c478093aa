import type {
  CreateEventBusRequest,
  DescribeEventBusRequest,
  DescribeRuleRequest,
  EnableRuleRequest,
  ListEventBusesRequest,
  ListRulesRequest,
  ListTargetsByRuleRequest,
  PutPermissionRequest,
  PutRuleRequest,
  PutTargetsRequest,
  PutTargetsResultEntry,
  RemoveTargetsRequest,
  Rule,
  Target,
} from '@aws-sdk/client-eventbridge';
import type { RuleDefinition, RuleTarget } from '../controls/rules/model';
import type { EventRulesPort } from '../remediation/rules';
import { isEventBridgeNotFound as isNotFound } from './errors';
import type { JsonService } from './wire/json';

// The parts of EventBridge's answers this adapter reads (JSON as the API reference names it).
interface TargetsPage {
  Targets?: Target[];
  NextToken?: string;
}
interface RulesPage {
  Rules?: Rule[];
  NextToken?: string;
}
interface BusesPage {
  EventBuses?: Array<{ Name?: string; Arn?: string }>;
  NextToken?: string;
}
interface PutTargetsAnswer {
  FailedEntryCount?: number;
  FailedEntries?: PutTargetsResultEntry[];
}
/** DescribeEventBus, without its timestamps (epoch seconds here, unread). */
interface BusAnswer {
  Name?: string;
  Arn?: string;
  Description?: string;
  KmsKeyIdentifier?: string;
  DeadLetterConfig?: { Arn?: string };
  Policy?: string;
}

/** EventBridge refused some targets of a PutTargets (FailedEntries): the restore is incomplete. */
export class TargetsRejectedError extends Error {
  override readonly name = 'TargetsRejectedError';
}

const orUndefined = (value: string | undefined | null) => (value ? value : undefined);

/** Objects built here carry `undefined` for absent members; the baseline keeps only what is set. */
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function definitionOf(rule: Rule, busName: string): Omit<RuleDefinition, 'targets'> {
  return plain({
    name: rule.Name as string,
    eventBusName: rule.EventBusName ?? busName,
    arn: rule.Arn as string,
    eventPattern: orUndefined(rule.EventPattern),
    scheduleExpression: orUndefined(rule.ScheduleExpression),
    state: rule.State ?? 'ENABLED',
    description: orUndefined(rule.Description),
    roleArn: orUndefined(rule.RoleArn),
  });
}

const BATCH = 10; // PutTargets / RemoveTargets take at most 10 entries a call

function batches<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += BATCH) out.push(items.slice(i, i + BATCH));
  return out;
}

/** The `Tags` parameter of PutRule and CreateEventBus for a recreated rule or bus (none when there are none). */
function tagsParameter(tags: Readonly<Record<string, string>> | undefined): { Tags?: Array<{ Key: string; Value: string }> } {
  return tags && Object.keys(tags).length > 0 ? { Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) } : {};
}

export function eventRulesAdapter(events: JsonService): EventRulesPort {
  async function listTargets(busName: string, name: string): Promise<RuleTarget[]> {
    const targets: RuleTarget[] = [];
    let NextToken: string | undefined;
    do {
      const page = await events.call<TargetsPage>('ListTargetsByRule', { Rule: name, EventBusName: busName, NextToken } satisfies ListTargetsByRuleRequest);
      targets.push(...plain((page.Targets ?? []) as RuleTarget[]));
      NextToken = page.NextToken;
    } while (NextToken);
    return targets;
  }

  return {
    async getRule(busName, name) {
      let rule: Rule;
      try {
        rule = await events.call<Rule>('DescribeRule', { Name: name, EventBusName: busName } satisfies DescribeRuleRequest);
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
      return { ...definitionOf(rule, busName), targets: await listTargets(busName, name) };
    },
    async putRule(rule, tags) {
      await events.call('PutRule', {
        ...tagsParameter(tags),
        Name: rule.name,
        EventBusName: rule.eventBusName,
        EventPattern: rule.eventPattern,
        ScheduleExpression: rule.scheduleExpression,
        State: rule.state as Rule['State'],
        Description: rule.description,
        RoleArn: rule.roleArn,
      } satisfies PutRuleRequest);
    },
    async enableRule(busName, name) {
      await events.call('EnableRule', { Name: name, EventBusName: busName } satisfies EnableRuleRequest);
    },
    async putTargets(busName, name, targets) {
      for (const batch of batches(targets)) {
        const result = await events.call<PutTargetsAnswer>('PutTargets', { Rule: name, EventBusName: busName, Targets: batch as unknown as Target[] } satisfies PutTargetsRequest);
        if ((result.FailedEntryCount ?? 0) > 0) {
          const failed = (result.FailedEntries ?? []).map((f) => `${f.TargetId}: ${f.ErrorCode} ${f.ErrorMessage ?? ''}`.trim());
          throw new TargetsRejectedError(`PutTargets ${name} rejected ${failed.join('; ')}`);
        }
      }
    },
    async removeTargets(busName, name, ids) {
      for (const batch of batches(ids)) {
        try {
          await events.call('RemoveTargets', { Rule: name, EventBusName: busName, Ids: batch } satisfies RemoveTargetsRequest);
        } catch (error) {
          if (!isNotFound(error)) throw error; // the rule is gone: so are its targets
        }
      }
    },
    async getBus(busName) {
      let bus: BusAnswer;
      try {
        bus = await events.call<BusAnswer>('DescribeEventBus', { Name: busName } satisfies DescribeEventBusRequest);
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
      return plain({
        name: bus.Name ?? busName,
        arn: bus.Arn as string,
        description: orUndefined(bus.Description),
        kmsKeyIdentifier: orUndefined(bus.KmsKeyIdentifier),
        deadLetterConfig: bus.DeadLetterConfig?.Arn ? { Arn: bus.DeadLetterConfig.Arn } : undefined,
        policy: orUndefined(bus.Policy),
      });
    },
    async createBus(bus, tags) {
      await events.call('CreateEventBus', {
        Name: bus.name,
        Description: bus.description,
        KmsKeyIdentifier: bus.kmsKeyIdentifier,
        DeadLetterConfig: bus.deadLetterConfig,
        ...tagsParameter(tags),
      } satisfies CreateEventBusRequest);
    },
    async putBusPolicy(busName, policy) {
      await events.call('PutPermission', { EventBusName: busName, Policy: policy } satisfies PutPermissionRequest);
    },
    async *listBuses() {
      let NextToken: string | undefined;
      do {
        const page = await events.call<BusesPage>('ListEventBuses', { NextToken } satisfies ListEventBusesRequest);
        for (const bus of page.EventBuses ?? []) if (bus.Name && bus.Arn) yield { name: bus.Name, arn: bus.Arn };
        NextToken = page.NextToken;
      } while (NextToken);
    },
    async *listRules(busName) {
      let NextToken: string | undefined;
      do {
        const page = await events.call<RulesPage>('ListRules', { EventBusName: busName, NextToken } satisfies ListRulesRequest);
        for (const rule of page.Rules ?? []) if (rule.Name && rule.Arn) yield definitionOf(rule, busName);
        NextToken = page.NextToken;
      } while (NextToken);
    },
  };
}
