import type { Baseline, BaselineStore } from './types';

export function memoryBaselineStore(initial: readonly Baseline[] = []): BaselineStore & { all(): Baseline[] } {
  const items = new Map(initial.map((b) => [b.resource, structuredClone(b)]));
  return {
    async get(resource) {
      const found = items.get(resource);
      return found ? structuredClone(found) : undefined;
    },
    async put(baseline) {
      items.set(baseline.resource, structuredClone(baseline));
    },
    async delete(resource) {
      items.delete(resource);
    },
    all: () => [...items.values()].map((b) => structuredClone(b)),
  };
}
