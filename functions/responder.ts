import { createResponderHandler } from '../lib/responder/handler';
import { depsFromEnvironment, idempotencyFromEnvironment } from '../lib/responder/wiring';
import { sweepTriggerFromEnvironment } from '../lib/sweep/trigger';
import { wireConfig } from '../lib/aws/wire/client';
import { lambdaService } from '../lib/aws/wire/services';

// Built once per container: policy validated, SDK clients created, at cold start.
export const handler = createResponderHandler(
  depsFromEnvironment(),
  idempotencyFromEnvironment(),
  // SWEEP_FUNCTION_NAME: after restarting a stopped trail, sweep at once (serverless/resources/sweep.yml).
  sweepTriggerFromEnvironment(process.env, () => lambdaService(wireConfig())),
);
