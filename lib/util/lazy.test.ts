import { lazy } from './lazy';

describe('lazy', () => {
  it('builds nothing until a property is used, then builds once', () => {
    // Prepare
    const build = jest.fn(() => ({ count: 1, twice(n: number) { return n * 2 * this.count; } }));

    // Act
    const port = lazy(build);

    // Assess
    expect(build).not.toHaveBeenCalled();
    expect(port.twice(21)).toBe(42);
    expect(port.count).toBe(1);
    expect(build).toHaveBeenCalledTimes(1);
  });
});
