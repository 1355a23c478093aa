/**
 * Where two module graphs (the same code bundled twice) first differ, or undefined when they do
 * not. SDK schemas are arrays that point at each other through lazy thunks (`() => Foo$`) and
 * form cycles, and each bundle has its own copies of classes, so plain deep equality does not
 * apply: thunks are called and their results compared, other functions and classes are the same
 * when their names are, objects compare key by key in the same order, and a pair of values
 * already under comparison is not compared again (that is what ends a cycle).
 * Iterative, not recursive: a chain of schemas can be deeper than the call stack.
 */
export function structuralDifference(a: unknown, b: unknown): string | undefined {
  const compared = new Map<object, Set<object>>();
  const pending: Array<[unknown, unknown, string]> = [[a, b, '$']];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [x, y, at] = next;
    if (Object.is(x, y)) continue;
    if (typeof x !== typeof y) return `${at}: ${typeof x} vs ${typeof y}`;
    if (typeof x === 'function' && typeof y === 'function') {
      if (isThunk(x) !== isThunk(y)) return `${at}: a thunk on one side only`;
      if (isThunk(x) && isThunk(y)) pending.push([x(), y(), `${at}()`]);
      else if (x.name !== y.name) return `${at}: function ${x.name} vs ${y.name}`;
      continue;
    }
    if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return `${at}: ${String(x)} vs ${String(y)}`;
    const seen = compared.get(x) ?? compared.set(x, new Set()).get(x)!;
    if (seen.has(y)) continue;
    seen.add(y);
    const difference = shallowDifference(x, y, at, pending);
    if (difference) return difference;
  }
  return undefined;
}

/** An arrow function without parameters: how the schemas defer a reference. Classes have a prototype. */
function isThunk(f: Function): f is () => unknown {
  return f.length === 0 && !Object.prototype.hasOwnProperty.call(f, 'prototype');
}

/** Compares kind, key order and Map/Set entries now; queues the values for later. */
function shallowDifference(x: object, y: object, at: string, pending: Array<[unknown, unknown, string]>): string | undefined {
  const kindX = x.constructor?.name;
  const kindY = y.constructor?.name;
  if (kindX !== kindY || Array.isArray(x) !== Array.isArray(y)) return `${at}: ${kindX} vs ${kindY}`;
  if (x instanceof Map || x instanceof Set) {
    const entriesX = [...x.entries()];
    const entriesY = [...(y as Map<unknown, unknown> | Set<unknown>).entries()];
    if (entriesX.length !== entriesY.length) return `${at}: ${entriesX.length} vs ${entriesY.length} entries`;
    entriesX.forEach(([key, value], i) => {
      const [keyY, valueY] = entriesY[i]!;
      pending.push([key, keyY, `${at}.entries[${i}].key`], [value, valueY, `${at}.entries[${i}].value`]);
    });
  }
  if (Array.isArray(x) && x.length !== (y as unknown[]).length) return `${at}: length ${x.length} vs ${(y as unknown[]).length}`;
  const keysX = Object.keys(x);
  const keysY = Object.keys(y);
  if (keysX.join('\0') !== keysY.join('\0')) return `${at}: keys [${keysX.join(', ')}] vs [${keysY.join(', ')}]`;
  for (const key of keysX) pending.push([(x as Record<string, unknown>)[key], (y as Record<string, unknown>)[key], `${at}[${JSON.stringify(key)}]`]);
  return undefined;
}
