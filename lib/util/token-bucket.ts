/**
 * A token bucket: at most `ratePerSecond` takes a second on average, with bursts up to
 * `capacity`. `take()` resolves when a token is available, waiting (through the injected
 * `sleep`) as long as needed. The clock and the sleep are injected so tests need no timers.
 */
export interface TokenBucketOptions {
  ratePerSecond: number;
  /** Largest burst; defaults to the rate (one second's worth). */
  capacity?: number;
  /** Milliseconds, monotonic. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface TokenBucket {
  take(): Promise<void>;
}

export class InvalidRateError extends Error {
  override readonly name = 'InvalidRateError';
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function tokenBucket({ ratePerSecond, capacity = ratePerSecond, now = () => performance.now(), sleep = realSleep }: TokenBucketOptions): TokenBucket {
  if (!(ratePerSecond > 0) || !(capacity >= 1)) throw new InvalidRateError(`a token bucket needs a positive rate and a capacity of at least 1 (got ${ratePerSecond}/s, capacity ${capacity})`);
  let tokens = capacity;
  let last = now();
  // Callers queue in order: each waits for the one before it, so concurrent takes never share a token.
  let queue: Promise<void> = Promise.resolve();

  function refill(): void {
    const at = now();
    tokens = Math.min(capacity, tokens + ((at - last) / 1000) * ratePerSecond);
    last = at;
  }

  async function takeOne(): Promise<void> {
    refill();
    while (tokens < 1) {
      await sleep(Math.ceil(((1 - tokens) / ratePerSecond) * 1000));
      refill();
    }
    tokens -= 1;
  }

  return {
    take() {
      const turn = queue.then(takeOne);
      queue = turn.catch(() => undefined);
      return turn;
    },
  };
}
