import { restPath, type RestJsonService } from '../aws/wire/json';
import type { Outcome } from '../responder/respond';
import { errorFields, type Logger } from '../util/log';

/** Starts a sweep now, without waiting for it (the sweep has its own time budget and checkpoint). */
export interface SweepTrigger {
  readonly iamActions: readonly string[];
  request(reason: string): Promise<void>;
}

/**
 * An asynchronous invocation of the sweep function (InvocationType Event: queued by Lambda, retried by it).
 * Invoke is restJson1 (SDK schema): the function name is a path label, InvocationType the
 * X-Amz-Invocation-Type header, Payload the whole body. An Event invocation is answered
 * 202 with an empty body: nothing to read, and a refusal arrives as an error.
 */
export function lambdaSweepTrigger(lambda: RestJsonService, functionName: string): SweepTrigger {
  return {
    iamActions: ['lambda:InvokeFunction'],
    async request(reason) {
      await lambda.call('Invoke', {
        method: 'POST',
        path: restPath`/2015-03-31/functions/${functionName}/invocations`,
        headers: { 'X-Amz-Invocation-Type': 'Event' },
        body: { reason },
      });
    },
  };
}

/** Whether the responder has just restarted a stopped trail: what happened while it was stopped reached no one. */
export function restartedTrails(outcome: Outcome): string[] {
  return outcome.findings.filter((f) => f.plan?.kind === 'start-trail-logging' && f.remediation.status === 'applied').map((f) => f.resource);
}

/**
 * After a trail-stopped remediation, sweep at once to cover the blind window (changes made
 * while the trail was stopped never arrive as events). A failed request is logged, not
 * thrown: the finding is handled, and the scheduled sweep covers the window at the latest.
 */
export async function sweepAfterTrailRestart(outcome: Outcome, trigger: SweepTrigger | undefined, log: Logger): Promise<void> {
  const trails = restartedTrails(outcome);
  if (!trigger || trails.length === 0) return;
  try {
    await trigger.request(`trail logging restarted: ${trails.join(', ')}`);
    log.info('sweep requested to cover the blind window of a stopped trail', { trails });
  } catch (error) {
    log.error('could not request a sweep after restarting a trail: the scheduled sweep will cover the window', { trails, ...errorFields(error) });
  }
}

/** The deployed responder's trigger: SWEEP_FUNCTION_NAME names the sweep function; without it no sweep is requested. */
export function sweepTriggerFromEnvironment(env: NodeJS.ProcessEnv, lambda: () => RestJsonService): SweepTrigger | undefined {
  return env.SWEEP_FUNCTION_NAME ? lambdaSweepTrigger(lambda(), env.SWEEP_FUNCTION_NAME) : undefined;
}
