import type { Baseline, BaselineSeeder, BaselineStore } from './types';

export function memoryBaselineStore(initial: readonly Baseline[] = []): BaselineStore & BaselineSeeder & { all(): Baseline[] } {
  const items = new Map(initial.map((b) => [b.resource, structuredClone(b)]));
  return {
    async get(resource) {
      const found = items.get(resource);
      return found ? structuredClone(found) : undefined;
    },
    async put(baseline) {
      items.set(baseline.resource, structuredClone(baseline));
    },
    async putIfAbsent(baseline) {
      if (items.has(baseline.resource)) return false;
      items.set(baseline.resource, structuredClone(baseline));
      return true;
    },
    async delete(resource) {
      items.delete(resource);
    },
    all: () => [...items.values()].map((b) => structuredClone(b)),
  };
}
