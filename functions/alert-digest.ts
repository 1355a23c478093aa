import middy from '@middy/core';
import { flushAlerts } from '../lib/alerts/pipeline';
import { flushDepsFromEnvironment } from '../lib/alerts/wiring';

// Built once per container: policy validated, SDK clients created, at cold start.
const deps = flushDepsFromEnvironment();

/** Every minute (EventBridge schedule): storm digests and count updates of repeated findings. */
export const handler = middy().handler(async () => {
  const outcome = await flushAlerts(deps);
  if (outcome.digests + outcome.updates > 0) deps.log.info('alerts flushed', { ...outcome });
  return outcome;
});
