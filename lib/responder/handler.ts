import middy from '@middy/core';
import type { Change } from '../events/change';
import { errorFields } from '../util/log';
import { parseCloudTrailChange } from './middleware';
import { respond, type Outcome, type ResponderDeps } from './respond';

/** The Lambda handler, built from its dependencies so tests can bind them to an emulator. */
export function createResponderHandler(deps: ResponderDeps) {
  return middy<unknown, Outcome>()
    .use(parseCloudTrailChange(deps.log))
    .use({
      onError: (request) => {
        deps.log.error('invocation failed: Lambda retries, then the DLQ keeps the event', errorFields(request.error));
      },
    })
    .handler(async (event) => respond(event as Change, deps));
}
