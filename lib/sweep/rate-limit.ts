import type { JsonService } from '../aws/wire/json';
import type { TokenBucket } from '../util/token-bucket';

/**
 * Every call the service makes first takes a token from the bucket: one per operation, taken
 * before the call's own retries (those back off on their own, longer when throttled).
 */
export function rateLimited(service: JsonService, bucket: TokenBucket): JsonService {
  return {
    async call<Output>(operation: string, input?: object): Promise<Output> {
      await bucket.take();
      return service.call<Output>(operation, input);
    },
  };
}
