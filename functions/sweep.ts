import { createSweepHandler } from '../lib/sweep/handler';
import { sweepWiringFromEnvironment } from '../lib/sweep/wiring';

// Built once per container: policy validated, SDK clients created, at cold start.
export const handler = createSweepHandler(sweepWiringFromEnvironment());
