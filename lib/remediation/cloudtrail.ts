import type { LiveState } from '../controls/types';
import {
  describeSettings,
  type RestoreTrailConfigPlan,
  type RestoreTrailSelectorsPlan,
  type StartTrailLoggingPlan,
  type TrailConfig,
  type TrailSelectors,
  type TrailSettings,
} from '../controls/cloudtrail/trail';
import type { Remediator, RemediationResult } from './types';

/** The slice of CloudTrail the trail remediations and the trail snapshot need. Reads resolve undefined for a trail that no longer exists. */
export interface CloudTrailPort {
  isLogging(trailArn: string): Promise<boolean | undefined>;
  startLogging(trailArn: string): Promise<void>;
  getSelectors(trailArn: string): Promise<TrailSelectors | undefined>;
  putSelectors(trailArn: string, selectors: TrailSelectors): Promise<void>;
  getConfig(trailArn: string): Promise<TrailConfig | undefined>;
  updateConfig(trailArn: string, settings: TrailSettings): Promise<void>;
  /** Trails whose home is this region (shadow copies of multi-region trails are left to their home region). */
  listTrails(): Promise<Array<{ name: string; arn: string; /** The KMS key its logs are encrypted with (ARN), when any. */ kmsKeyId?: string }>>;
}

export function startTrailLoggingRemediator(port: CloudTrailPort): Remediator<StartTrailLoggingPlan> {
  return {
    kind: 'start-trail-logging',
    iamActions: ['cloudtrail:GetTrailStatus', 'cloudtrail:StartLogging'],
    async readLive(plan): Promise<LiveState> {
      return { kind: 'trail-status', trailArn: plan.trailArn, isLogging: await port.isLogging(plan.trailArn) };
    },
    async apply(plan): Promise<RemediationResult> {
      await port.startLogging(plan.trailArn);
      return { before: { isLogging: false }, after: { isLogging: await port.isLogging(plan.trailArn) }, actions: [`StartLogging ${plan.trailArn}`] };
    },
  };
}

export function restoreTrailSelectorsRemediator(port: CloudTrailPort): Remediator<RestoreTrailSelectorsPlan> {
  return {
    kind: 'restore-trail-selectors',
    iamActions: ['cloudtrail:GetEventSelectors', 'cloudtrail:PutEventSelectors'],
    async readLive(plan): Promise<LiveState> {
      return { kind: 'trail-selectors', trailArn: plan.trailArn, selectors: await port.getSelectors(plan.trailArn) };
    },
    async apply(plan, live): Promise<RemediationResult> {
      await port.putSelectors(plan.trailArn, plan.selectors);
      return {
        before: live.kind === 'trail-selectors' ? live.selectors : undefined,
        after: await port.getSelectors(plan.trailArn),
        actions: [`PutEventSelectors ${plan.trailArn} <baseline selectors>`],
      };
    },
  };
}

export function restoreTrailConfigRemediator(port: CloudTrailPort): Remediator<RestoreTrailConfigPlan> {
  return {
    kind: 'restore-trail-config',
    // iam:PassRole: restoring CloudWatch Logs delivery passes the baseline delivery role to CloudTrail.
    iamActions: ['cloudtrail:GetTrail', 'cloudtrail:UpdateTrail', 'iam:PassRole'],
    async readLive(plan): Promise<LiveState> {
      return { kind: 'trail-config', trailArn: plan.trailArn, config: await port.getConfig(plan.trailArn) };
    },
    async apply(plan, live): Promise<RemediationResult> {
      await port.updateConfig(plan.trailArn, plan.settings);
      return {
        before: live.kind === 'trail-config' ? live.config : undefined,
        after: await port.getConfig(plan.trailArn),
        actions: [`UpdateTrail ${plan.trailArn} ${describeSettings(plan.settings)}`],
      };
    },
  };
}
