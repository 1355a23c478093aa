import { InvalidRateError, tokenBucket } from './token-bucket';

/** A clock that only moves when the bucket sleeps: time is counted, never waited. */
function fakeClock() {
  let now = 0;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    advance: (ms: number) => {
      now += ms;
    },
    sleeps,
  };
}

describe('tokenBucket', () => {
  it('lets a full burst through without waiting', async () => {
    // Prepare
    const clock = fakeClock();
    const bucket = tokenBucket({ ratePerSecond: 50, now: clock.now, sleep: clock.sleep });
    // Act
    for (let i = 0; i < 50; i += 1) await bucket.take();
    // Assess
    expect(clock.sleeps).toEqual([]);
  });

  it.each([
    [50, 200],
    [10, 35],
    [1, 3],
  ])('at %i/s never lets more than the rate through in any second (%i calls)', async (rate, calls) => {
    // Prepare
    const clock = fakeClock();
    const bucket = tokenBucket({ ratePerSecond: rate, now: clock.now, sleep: clock.sleep });
    const times: number[] = [];
    // Act
    await Promise.all(Array.from({ length: calls }, () => bucket.take().then(() => times.push(clock.now()))));
    // Assess: a sliding window of one second after the initial burst holds at most rate + capacity calls,
    // and the whole run takes at least (calls - capacity) / rate seconds.
    expect(times).toHaveLength(calls);
    expect(clock.now()).toBeGreaterThanOrEqual(((calls - rate) / rate) * 1000 - 1);
    for (const start of times) {
      const inWindow = times.filter((t) => t > start && t <= start + 1000).length;
      expect(inWindow).toBeLessThanOrEqual(rate);
    }
  });

  it('refills with elapsed time', async () => {
    // Prepare
    const clock = fakeClock();
    const bucket = tokenBucket({ ratePerSecond: 2, now: clock.now, sleep: clock.sleep });
    await bucket.take();
    await bucket.take();
    // Act
    clock.advance(1000);
    await bucket.take();
    await bucket.take();
    // Assess
    expect(clock.sleeps).toEqual([]);
  });

  it('waits for the next token once the burst is spent', async () => {
    // Prepare
    const clock = fakeClock();
    const bucket = tokenBucket({ ratePerSecond: 4, capacity: 1, now: clock.now, sleep: clock.sleep });
    await bucket.take();
    // Act
    await bucket.take();
    // Assess
    expect(clock.sleeps).toEqual([250]);
  });

  it.each([[0], [-1], [Number.NaN]])('rejects a rate of %p', (rate) => {
    expect(() => tokenBucket({ ratePerSecond: rate })).toThrow(InvalidRateError);
  });
});
