import { globToRegExp, matchesAnyGlob, matchesGlob } from './glob';

describe('globs', () => {
  it.each([
    ['arn:aws:events:us-east-1:111122223333:rule/prod-*', 'arn:aws:events:us-east-1:111122223333:rule/prod-orders', true],
    ['arn:aws:events:*:111122223333:rule/*', 'arn:aws:events:eu-west-1:111122223333:rule/a/b', true],
    ['prod-?', 'prod-1', true],
    ['prod-?', 'prod-12', false],
    ['Prod-*', 'prod-orders', false],
    ['a.b+(c)', 'a.b+(c)', true],
    ['a.b+(c)', 'aXb+(c)', false],
    ['*', 'line one\nline two', true],
  ])('%s matching %s is %s', (glob, value, expected) => {
    expect(matchesGlob(value, glob)).toBe(expected);
  });

  it('compiles a glob once and gives the same answers from the shared RegExp', () => {
    // Prepare
    const first = globToRegExp('orders-*');

    // Act
    const second = globToRegExp('orders-*');

    // Assess: one RegExp (no `g` flag, so no state between tests), the same answers every time.
    expect(second).toBe(first);
    expect(first.flags).not.toMatch(/[gy]/);
    expect(['orders-1', 'billing', 'orders-2', 'billing'].map((v) => matchesGlob(v, 'orders-*'))).toEqual([true, false, true, false]);
  });

  it('keeps matching correctly beyond the cache bound (an attacker-written document with thousands of patterns)', () => {
    // Prepare: far more distinct globs than the cache keeps.
    const globs = Array.from({ length: 5000 }, (_, i) => `arn:aws:iam::111122223333:role/r${i}-*`);

    // Act
    const hits = globs.filter((glob, i) => matchesGlob(`arn:aws:iam::111122223333:role/r${i}-x`, glob) && !matchesGlob(`arn:aws:iam::111122223333:role/q${i}-x`, glob));

    // Assess
    expect(hits).toHaveLength(5000);
    expect(matchesAnyGlob('arn:aws:iam::111122223333:role/r4999-y', [globs[0]!, globs[4999]!])).toBe(true);
  });
});
