import type middy from '@middy/core';
import type { Change } from '../events/change';
import { EventParseError } from '../events/errors';
import { parseChange } from '../events/parse';
import { errorFields, type Logger } from '../util/log';

const MAX_LOGGED_EVENT_CHARS = 8000;

/**
 * Parses the EventBridge envelope at the edge, so the handler sees a typed Change.
 * Input that cannot be parsed is logged as one structured line (with the raw event,
 * truncated) and rethrown: the invocation fails and Lambda's retries, then the
 * on-failure destination (DLQ), keep the event. Nothing is dropped silently.
 */
export function parseCloudTrailChange(log: Logger): middy.MiddlewareObj<unknown, unknown> {
  return {
    before: (request) => {
      try {
        request.event = parseChange(request.event) satisfies Change;
      } catch (error) {
        const raw = JSON.stringify(request.event) ?? String(request.event);
        log.error('unparseable event: kept for the dead-letter queue', {
          reason: error instanceof EventParseError ? error.problems : undefined,
          ...errorFields(error),
          event: raw.length > MAX_LOGGED_EVENT_CHARS ? `${raw.slice(0, MAX_LOGGED_EVENT_CHARS)}...[truncated]` : raw,
        });
        throw error;
      }
    },
  };
}
