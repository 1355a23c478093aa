import middy from '@middy/core';
import type { Change } from '../events/change';
import { errorFields } from '../util/log';
import { isDuplicateDelivery, processOnce, type DuplicateDelivery } from './idempotency';
import type { IdempotencyStore } from './idempotency-store';
import { parseCloudTrailChange } from './middleware';
import { respond, type Outcome, type ResponderDeps } from './respond';
import { sweepAfterTrailRestart, type SweepTrigger } from '../sweep/trigger';

/**
 * The Lambda handler, built from its dependencies so tests can bind them to an emulator.
 * With `idempotency` (the deployed function: IDEMPOTENCY_TABLE) each CloudTrail event is
 * processed once however often it is delivered (lib/responder/idempotency.ts); without it
 * (unit tests, local runs) every delivery is processed.
 */
export function createResponderHandler(deps: ResponderDeps, idempotency?: IdempotencyStore, sweepTrigger?: SweepTrigger) {
  // After a trail-stopped remediation, a sweep covers what happened while the trail was stopped (lib/sweep/trigger.ts).
  const handleChange = async (change: Change) => {
    const outcome = await respond(change, deps);
    await sweepAfterTrailRestart(outcome, sweepTrigger, deps.log);
    return outcome;
  };
  const once = idempotency ? processOnce(handleChange, idempotency) : undefined;
  return middy<unknown, Outcome | DuplicateDelivery>()
    .use(parseCloudTrailChange(deps.log))
    .use({
      onError: (request) => {
        if (request.error?.name === 'IdempotencyAlreadyInProgressError') {
          // A second copy of an event another invocation is still processing: failing lets Lambda
          // retry it after that one finished; the retry then returns the stored result.
          deps.log.warn('duplicate delivery while the first copy is in progress: Lambda retries it later', errorFields(request.error));
          return;
        }
        deps.log.error('invocation failed: Lambda retries, then the DLQ keeps the event', errorFields(request.error));
      },
    })
    .handler(async (event, context) => {
      if (!once) return handleChange(event as Change);
      const result = await once(event as Change, context);
      if (isDuplicateDelivery(result)) deps.log.info('duplicate delivery: processed already, nothing done again', { eventId: result.eventId, processed: result.processed });
      return result;
    });
}
