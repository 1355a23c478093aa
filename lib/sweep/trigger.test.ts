import { lambdaService } from '../aws/wire/services';
import type { WireRequest, WireResponse } from '../aws/wire/types';
import type { Finding } from '../controls/types';
import type { Outcome } from '../responder/respond';
import { silentLogger } from '../util/log';
import { scriptedTransport } from '../../test/support/scripted-transport';
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

  // Lambda over a fake transport: moto runs no function code here, and the request on the wire is what matters.
  function lambdaAnswering(answer: WireResponse) {
    const { sent, config } = scriptedTransport(answer);
    return { lambda: lambdaService(config()), sent };
  }

  it('invokes the sweep function asynchronously with the reason: Invoke, InvocationType Event, answered 202 with no body', async () => {
    // Prepare
    const { lambda, sent } = lambdaAnswering({ status: 202, headers: {}, body: '' });
    // Act
    await lambdaSweepTrigger(lambda, 'drift-responder-prod-sweep').request('trail logging restarted');
    // Assess
    expect(sent).toHaveLength(1);
    const [request] = sent as [WireRequest];
    expect(request.method).toBe('POST');
    expect(request.url.href).toBe('https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/drift-responder-prod-sweep/invocations');
    expect(request.headers['x-amz-invocation-type']).toBe('Event');
    expect(JSON.parse(request.body)).toEqual({ reason: 'trail logging restarted' });
  });

  it('encodes a function ARN as one path label', async () => {
    // Prepare
    const { lambda, sent } = lambdaAnswering({ status: 202, headers: {}, body: '' });
    // Act
    await lambdaSweepTrigger(lambda, 'arn:aws:lambda:us-east-1:123456789012:function:sweep').request('trail logging restarted');
    // Assess
    expect(sent[0]?.url.pathname).toBe('/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Asweep/invocations');
  });

  it('rejects with the AWS error when Lambda refuses the invocation, so the caller logs it', async () => {
    // Prepare
    const { lambda, sent } = lambdaAnswering({
      status: 404,
      headers: { 'x-amzn-errortype': 'ResourceNotFoundException:http://internal.amazon.com/coral/com.amazonaws.lambda/' },
      body: JSON.stringify({ Type: 'User', Message: 'Function not found: arn:aws:lambda:us-east-1:123456789012:function:drift-responder-prod-sweep' }),
    });
    // Act
    const requested = lambdaSweepTrigger(lambda, 'drift-responder-prod-sweep').request('trail logging restarted');
    // Assess
    await expect(requested).rejects.toMatchObject({ name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 404 } });
    expect(sent).toHaveLength(1); // a client error is not retried
  });
});
