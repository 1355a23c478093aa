/**
 * An object built on first use. Wiring uses it for adapters whose SDK client is large and
 * rarely needed (EC2 for VPC endpoints): esbuild evaluates a module reached through require()
 * only when that require runs, so the client stays out of the cold start until an event needs it.
 */
export function lazy<T extends object>(build: () => T): T {
  let target: T | undefined;
  return new Proxy({} as T, {
    get(_, key) {
      target ??= build();
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
