import type { TokenBucket } from '../util/token-bucket';

/** The part of an SDK v3 client the limiter hooks into. */
interface WithMiddleware {
  middlewareStack: { add(middleware: (next: (args: unknown) => Promise<unknown>) => (args: unknown) => Promise<unknown>, options: { step: 'initialize'; name: string }): void };
}

/**
 * Every command the client sends first takes a token from the bucket (one per call; the SDK's
 * adaptive retry mode paces retries of throttled calls on its own).
 */
export function rateLimited<C>(client: C, bucket: TokenBucket): C {
  (client as unknown as WithMiddleware).middlewareStack.add(
    (next) => async (args) => {
      await bucket.take();
      return next(args);
    },
    { step: 'initialize', name: 'driftResponderRateLimit' },
  );
  return client;
}
