import { createResponderHandler } from '../lib/responder/handler';
import { depsFromEnvironment } from '../lib/responder/wiring';

// Built once per container: policy validated, SDK clients created, at cold start.
export const handler = createResponderHandler(depsFromEnvironment());
