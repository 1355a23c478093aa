import { chatNotificationOf } from '../alerts/chat';
import { documentOf } from '../alerts/document';
import { alertOf, FOUND_BY_SWEEP } from '../alerts/format';
import { slackMessageOf } from '../alerts/slack/blocks';
import { evaluateChange } from '../controls/evaluate';
import { controlIds, controls } from '../controls/registry';
import type { Finding } from '../controls/types';
import { policySchema } from '../policy/schema';
import { syntheticChange, type SweepOrigin } from './synthesize';

const origin: SweepOrigin = { account: '123456789012', region: 'us-east-1', time: '2026-11-29T12:00:00.000Z', runId: 'run-1', sweepArn: 'arn:aws:lambda:us-east-1:123456789012:function:drift-responder-prod-sweep' };
const TRAIL = 'arn:aws:cloudtrail:us-east-1:123456789012:trail/management';

/** A finding of the sweep (trail-stopped on a trail found not logging), and the same finding as a CloudTrail event would give it. */
function findings(): { sweep: Finding; event: Finding } {
  const policy = policySchema(controlIds).parse({ protect: { trails: ['*'] } });
  const change = syntheticChange(origin, 'cloudtrail.amazonaws.com', 'StopLogging', TRAIL, { name: TRAIL });
  const [sweep] = evaluateChange(change, { policy, baselines: new Map() }, controls).findings;
  const { foundBy: _dropped, ...event } = sweep as Finding;
  return { sweep: sweep as Finding, event };
}

describe('alerts of findings the sweep found', () => {
  it('say so in every format, and link no CloudTrail event', () => {
    // Prepare
    const { sweep } = findings();
    // Act
    const alert = alertOf(sweep);
    const document = documentOf(alert);
    // Assess
    expect(sweep.foundBy).toBe('sweep');
    expect(alert.message).toContain(`Found by:   ${FOUND_BY_SWEEP}`);
    expect(alert.message).not.toContain('cloudtrailv2/home?region=us-east-1#/events/');
    expect(document.kind === 'finding' && document.finding.foundBy).toBe('sweep');
    expect(JSON.stringify(chatNotificationOf(document))).toContain(FOUND_BY_SWEEP);
    expect(JSON.stringify(slackMessageOf(document))).toContain(FOUND_BY_SWEEP);
  });

  it('are unchanged for a finding from a CloudTrail event', () => {
    // Prepare
    const { event } = findings();
    // Act
    const alert = alertOf(event);
    const document = documentOf(alert);
    // Assess
    expect(alert.message).not.toContain('Found by:');
    expect(alert.message).toContain('cloudtrailv2/home?region=us-east-1#/events/');
    expect(document.kind === 'finding' && 'foundBy' in document.finding).toBe(false);
    expect(JSON.stringify(slackMessageOf(document))).not.toContain(FOUND_BY_SWEEP);
  });
});
