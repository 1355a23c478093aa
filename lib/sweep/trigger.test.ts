import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type { Finding } from '../controls/types';
import type { Outcome } from '../responder/respond';
import { silentLogger } from '../util/log';
import { lambdaSweepTrigger, sweepAfterTrailRestart, type SweepTrigger } from './trigger';

const TRAIL = 'arn:aws:cloudtrail:us-east-1:123456789012:trail/management';

function outcomeWith(control: string, planKind: string, status: Finding['remediation']['status']): Outcome {
  return { findings: [{ control, resource: TRAIL, plan: { kind: planKind }, remediation: { status, reason: '' } } as unknown as Finding], suppressed: [] };
}

function recordingTrigger(): SweepTrigger & { reasons: string[] } {
  const reasons: string[] = [];
  return { iamActions: [], reasons, request: async (reason) => void reasons.push(reason) };
}

describe('a sweep right after a trail-stopped remediation', () => {
  it.each<[string, Outcome, number]>([
    ['requests one when StartLogging was applied', outcomeWith('trail-stopped', 'start-trail-logging', 'applied'), 1],
    ['requests none when StartLogging was only planned (dry-run)', outcomeWith('trail-stopped', 'start-trail-logging', 'planned'), 0],
    ['requests none when the restart failed', outcomeWith('trail-stopped', 'start-trail-logging', 'failed'), 0],
    ['requests none for another remediation', outcomeWith('key-disabled', 'enable-key', 'applied'), 0],
  ])('%s', async (_name, outcome, expected) => {
    // Prepare
    const trigger = recordingTrigger();
    // Act
    await sweepAfterTrailRestart(outcome, trigger, silentLogger);
    // Assess
    expect(trigger.reasons).toHaveLength(expected);
    if (expected > 0) expect(trigger.reasons[0]).toContain(TRAIL);
  });

  it('a failed request is logged, not thrown: the finding is handled and the schedule covers the window', async () => {
    // Prepare
    const errors: string[] = [];
    const trigger: SweepTrigger = { iamActions: [], request: async () => Promise.reject(new Error('AccessDenied')) };
    // Act
    await sweepAfterTrailRestart(outcomeWith('trail-stopped', 'start-trail-logging', 'applied'), trigger, { ...silentLogger, error: (m) => void errors.push(m) });
    // Assess
    expect(errors).toEqual([expect.stringContaining('could not request a sweep')]);
  });

  it('invokes the sweep function asynchronously with the reason (Lambda mocked: moto runs no function code here)', async () => {
    // Prepare
    const lambda = mockClient(LambdaClient);
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    // Act
    await lambdaSweepTrigger(new LambdaClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }), 'drift-responder-prod-sweep').request('trail logging restarted');
    // Assess
    const input = lambda.commandCalls(InvokeCommand)[0]?.args[0].input;
    expect(input).toMatchObject({ FunctionName: 'drift-responder-prod-sweep', InvocationType: 'Event' });
    expect(JSON.parse(new TextDecoder().decode(input?.Payload as Uint8Array))).toEqual({ reason: 'trail logging restarted' });
    lambda.restore();
  });
});
