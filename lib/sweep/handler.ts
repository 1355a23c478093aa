import type { Context } from 'aws-lambda';
import { sweep, type SweepSummary } from './sweep';
import { sweepDepsOf, type SweepWiring } from './wiring';

/** Stop this long before the Lambda timeout: the item in progress, the checkpoint write and the log line must fit. */
export const BUDGET_MARGIN_MS = 20_000;

/** The summary the function returns (findings counted, not listed: they are alerted and logged one by one). */
export interface SweepResult extends Omit<SweepSummary, 'findings'> {
  findings: number;
  bySeverity: Record<string, number>;
}

/** A sweep could not read some items: the invocation fails so its Errors alarm fires (the findings found were handled). */
export class SweepIncompleteError extends Error {
  override readonly name = 'SweepIncompleteError';
}

/**
 * The scheduled sweep (EventBridge Scheduler), or invoked at once by the responder after it
 * restarted a stopped trail. Account and region come from the function's own ARN.
 */
export function createSweepHandler(wiring: SweepWiring, clock: () => number = Date.now) {
  return async (event: unknown, context: Pick<Context, 'invokedFunctionArn' | 'getRemainingTimeInMillis'>): Promise<SweepResult> => {
    const [, partition, , region, account] = context.invokedFunctionArn.split(':');
    const functionArn = context.invokedFunctionArn.split(':').slice(0, 7).join(':');
    const deps = sweepDepsOf(wiring, { account: account as string, region: region as string, sweepArn: functionArn || `arn:${partition}:lambda:${region}:${account}:function:sweep` }, clock);
    const reason = (event as { reason?: unknown } | null)?.reason;
    wiring.responder.log.info('sweep invoked', { reason: typeof reason === 'string' ? reason : 'schedule' });
    const summary = await sweep(deps, { deadline: clock() + context.getRemainingTimeInMillis() - BUDGET_MARGIN_MS });
    const bySeverity: Record<string, number> = {};
    for (const f of summary.findings) bySeverity[f.severity] = (bySeverity[f.severity] ?? 0) + 1;
    const result: SweepResult = { ...summary, findings: summary.findings.length, bySeverity };
    if (summary.errors.length > 0) {
      wiring.responder.log.error('sweep could not read or handle some items', { errors: summary.errors.slice(0, 20), count: summary.errors.length });
      throw new SweepIncompleteError(`sweep ${summary.runId}: ${summary.errors.length} item(s) failed, e.g. ${summary.errors[0]?.phase} ${summary.errors[0]?.item}: ${summary.errors[0]?.error}`);
    }
    return result;
  };
}
