import type { Change } from '../../events/change';
import type { Control, EvaluationContext, FindingDraft } from '../types';
import {
  configWeakening,
  coverageOf,
  protectedTrailOf,
  sameSelectors,
  selectorsWritten,
  selectorWeakenings,
  settingsStillMissing,
  trailBaselineOf,
  trailOf,
  type TrailBaseline,
} from './trail';

const CLOUDTRAIL = 'cloudtrail.amazonaws.com';

function baselineOf(change: Change, context: EvaluationContext): TrailBaseline | undefined {
  const trail = trailOf(change);
  return trail ? trailBaselineOf(context.baselines.get(trail.arn)?.definition) : undefined;
}

/** The trail's ARN, so the pipeline prefetches its baseline. */
function trailBaselineResources(change: Change): string[] {
  const trail = trailOf(change);
  return trail ? [trail.arn] : [];
}

export const trailStopped = {
  id: 'trail-stopped',
  title: 'CloudTrail trail stopped logging',
  severity: 'critical',
  triggers: [{ eventSource: CLOUDTRAIL, eventNames: ['StopLogging'] }],
  remediation: 'start-trail-logging',
  evaluate(change, context): FindingDraft[] {
    const trail = protectedTrailOf(change, context.policy);
    if (!trail) return [];
    return [
      {
        resource: trail.arn,
        title: `trail ${trail.name} stopped logging`,
        evidence: {
          summary: `StopLogging on trail ${trail.name}: no API activity is recorded (and this responder sees no changes) until logging restarts`,
          before: { isLogging: true },
          after: { isLogging: false },
        },
        plan: { kind: 'start-trail-logging', trailArn: trail.arn },
      },
    ];
  },
  recheck: (plan, live) => (live.kind === 'trail-status' && live.isLogging === false ? plan : undefined),
} as const satisfies Control;

export const trailDeleted = {
  id: 'trail-deleted',
  title: 'CloudTrail trail deleted',
  severity: 'critical',
  triggers: [{ eventSource: CLOUDTRAIL, eventNames: ['DeleteTrail'] }],
  baselineResources: trailBaselineResources,
  evaluate(change, context): FindingDraft[] {
    const trail = protectedTrailOf(change, context.policy);
    if (!trail) return [];
    const baseline = baselineOf(change, context);
    return [
      {
        resource: trail.arn,
        title: `trail ${trail.name} deleted`,
        evidence: {
          summary: `DeleteTrail ${trail.name}: its logging stops for good${baseline ? '; the baseline below holds its last known good settings to recreate it' : ''}`,
          before: baseline ? { config: baseline.config, selectors: baseline.selectors } : undefined,
          after: null,
        },
      },
    ];
  },
} as const satisfies Control;

export const trailSelectorsWeakened = {
  id: 'trail-selectors-weakened',
  title: 'CloudTrail event selectors weakened',
  severity: 'high',
  triggers: [{ eventSource: CLOUDTRAIL, eventNames: ['PutEventSelectors'] }],
  remediation: 'restore-trail-selectors',
  baselineResources: trailBaselineResources,
  evaluate(change, context): FindingDraft[] {
    const trail = protectedTrailOf(change, context.policy);
    if (!trail) return [];
    const written = selectorsWritten(change);
    const baseline = baselineOf(change, context);
    const reasons = selectorWeakenings(coverageOf(written), baseline ? coverageOf(baseline.selectors) : undefined);
    if (reasons.length === 0) return [];
    return [
      {
        resource: trail.arn,
        title: `trail ${trail.name}: event selectors weakened`,
        evidence: {
          summary: `PutEventSelectors on ${trail.name}: ${reasons.join('; ')}${baseline ? '' : ' (no baseline: cannot restore automatically)'}`,
          before: baseline?.selectors,
          after: written,
        },
        ...(baseline ? { plan: { kind: 'restore-trail-selectors' as const, trailArn: trail.arn, selectors: baseline.selectors } } : {}),
      },
    ];
  },
  recheck(plan, live) {
    if (plan.kind !== 'restore-trail-selectors' || live.kind !== 'trail-selectors' || !live.selectors) return undefined;
    return selectorWeakenings(coverageOf(live.selectors), coverageOf(plan.selectors)).length > 0 && !sameSelectors(live.selectors, plan.selectors) ? plan : undefined;
  },
} as const satisfies Control;

export const trailConfigWeakened = {
  id: 'trail-config-weakened',
  title: 'CloudTrail trail configuration weakened',
  severity: 'high',
  triggers: [{ eventSource: CLOUDTRAIL, eventNames: ['UpdateTrail'] }],
  remediation: 'restore-trail-config',
  baselineResources: trailBaselineResources,
  evaluate(change, context): FindingDraft[] {
    const trail = protectedTrailOf(change, context.policy);
    if (!trail) return [];
    const baseline = baselineOf(change, context);
    const { reasons, settings } = configWeakening(change, baseline);
    if (reasons.length === 0) return [];
    return [
      {
        resource: trail.arn,
        title: `trail ${trail.name}: configuration weakened`,
        evidence: {
          summary: `UpdateTrail on ${trail.name}: ${reasons.join('; ')}`,
          before: baseline?.config,
          after: change.responseElements ?? change.requestParameters,
        },
        ...(Object.keys(settings).length > 0 ? { plan: { kind: 'restore-trail-config' as const, trailArn: trail.arn, settings } } : {}),
      },
    ];
  },
  recheck(plan, live) {
    if (plan.kind !== 'restore-trail-config' || live.kind !== 'trail-config' || !live.config) return undefined;
    const missing = settingsStillMissing(plan.settings, live.config);
    return Object.keys(missing).length > 0 ? { ...plan, settings: missing } : undefined;
  },
} as const satisfies Control;
