import { isProtectedTrail, protectedTrailOf, TRAIL_BASELINE_KIND, trailNameOf, type TrailBaseline } from '../controls/cloudtrail/trail';
import type { CloudTrailPort } from '../remediation/cloudtrail';
import type { Snapshotter } from './snapshotter';
import type { Baseline } from './types';

const TRAIL_CHANGES = ['CreateTrail', 'UpdateTrail', 'PutEventSelectors', 'PutAdvancedEventSelectors', 'StartLogging', 'StopLogging', 'DeleteTrail'];

/** Baselines of protected trails: logging status, settings and event selectors (kind `cloudtrail-trail`). */
export function trailSnapshotter(port: CloudTrailPort, now: () => Date = () => new Date()): Snapshotter {
  async function capture(trailArn: string): Promise<Baseline<TrailBaseline> | undefined> {
    const config = await port.getConfig(trailArn);
    if (!config) return undefined;
    const [isLogging, selectors] = await Promise.all([port.isLogging(trailArn), port.getSelectors(trailArn)]);
    return {
      resource: trailArn,
      kind: TRAIL_BASELINE_KIND,
      definition: { name: trailNameOf(trailArn), trailArn, isLogging: isLogging ?? false, config, selectors: selectors ?? {} },
      capturedAt: now().toISOString(),
      source: 'snapshot',
    };
  }
  return {
    kind: TRAIL_BASELINE_KIND,
    iamActions: ['cloudtrail:DescribeTrails', 'cloudtrail:GetTrail', 'cloudtrail:GetTrailStatus', 'cloudtrail:GetEventSelectors'],
    touchedBy(change, policy) {
      if (change.eventSource !== 'cloudtrail.amazonaws.com' || !TRAIL_CHANGES.includes(change.eventName)) return [];
      const trail = protectedTrailOf(change, policy);
      return trail ? [trail.arn] : [];
    },
    capture,
    async *captureAll(policy) {
      for (const trail of await port.listTrails()) {
        if (!isProtectedTrail(trail, policy)) continue;
        const baseline = await capture(trail.arn);
        if (baseline) yield baseline;
      }
    },
  };
}
