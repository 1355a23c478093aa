import type { BusDefinition, RuleDefinition, RuleTarget } from './model';

/** What of a rule a restore puts back from its baseline. */
export type RuleAspect = 'definition' | 'state' | 'targets';

/**
 * Restore a rule from its baseline: PutRule with the baseline definition, EnableRule, and/or
 * PutTargets with the baseline targets exactly as they were. Without a baseline the plan is
 * kept (the finding says what would be restored) and applying it fails, saying a baseline is needed.
 */
export interface RestoreRulePlan {
  kind: 'restore-rule';
  ruleArn: string;
  name: string;
  eventBusName: string;
  aspects: RuleAspect[];
  /** Restore only these targets (RemoveTargets); all baseline targets when absent. */
  targetIds?: string[];
  baseline?: RuleDefinition;
  /** The tags its baseline recorded: a rule recreated after deletion gets them back (tag-driven policy keeps protecting it). */
  tags?: Record<string, string>;
}

/** RemoveTargets of exactly these target ids (e.g. targets in untrusted accounts). */
export interface RemoveTargetsPlan {
  kind: 'remove-targets';
  ruleArn: string;
  name: string;
  eventBusName: string;
  targets: RuleTarget[];
}

/** Recreate a deleted bus with its policy and its rules (and their targets) from the baseline. */
export interface RestoreBusPlan {
  kind: 'restore-bus';
  busArn: string;
  busName: string;
  baseline?: BusDefinition;
  /** The tags its baseline recorded, given back to the recreated bus. */
  tags?: Record<string, string>;
}

export type RulesPlan = RestoreRulePlan | RemoveTargetsPlan | RestoreBusPlan;

/** Live state the rule remediators read back before acting. */
export type RulesLiveState =
  | { kind: 'events-rule'; ruleArn: string; rule: RuleDefinition | undefined }
  | { kind: 'events-bus'; busArn: string; exists: boolean };

export const NEEDS_BASELINE = 'no baseline of it has been captured yet (the snapshot function captures protected resources on deploy and on a schedule)';

export function describeRulesPlan(plan: RulesPlan): string {
  switch (plan.kind) {
    case 'restore-rule': {
      const what = plan.aspects
        .map((a) => (a === 'definition' ? 'PutRule with the baseline definition' : a === 'state' ? 'EnableRule' : `PutTargets ${plan.targetIds ? plan.targetIds.join(', ') : 'with all baseline targets'}`))
        .join(', then ');
      return plan.baseline
        ? `restore rule ${plan.name} (bus ${plan.eventBusName}) from its baseline: ${what}`
        : `restore rule ${plan.name} (bus ${plan.eventBusName}) from its baseline (${what}), but ${NEEDS_BASELINE}`;
    }
    case 'remove-targets':
      return `RemoveTargets ${plan.targets.map((t) => `${t.Id} (${t.Arn})`).join(', ')} from rule ${plan.name} (bus ${plan.eventBusName})`;
    case 'restore-bus':
      return plan.baseline
        ? `recreate bus ${plan.busName} with its policy and ${plan.baseline.rules.length} rule(s) from its baseline`
        : `recreate bus ${plan.busName} from its baseline, but ${NEEDS_BASELINE}`;
  }
}
