// The comparison the schema equivalence test relies on: it must see every kind of change the
// plugin could make, and still end on the cycles the SDK schemas contain.
import { structuralDifference } from './structural-difference';

/** Two copies of "the same" class, as two bundles each carry their own. */
const classNamed = (name: string) => ({ [name]: class {} })[name]!;

/** A schema-like cycle: A$ refers to B$ through a thunk, B$ back to A$. */
function cycle(leaf: string): unknown {
  const a: unknown[] = [3, 'ns', 'A'];
  const b: unknown[] = [3, 'ns', 'B', () => a, leaf];
  a.push(() => b);
  return a;
}

describe('structuralDifference', () => {
  it.each([
    ['equal primitives and arrays', [1, 'x', null, undefined], [1, 'x', null, undefined]],
    ['objects with the same keys in the same order', { a: 1, b: { c: [2] } }, { a: 1, b: { c: [2] } }],
    ['thunks returning equal values', [() => ({ k: 'v' })], [() => ({ k: 'v' })]],
    ['distinct classes with the same name', { e: classNamed('ServiceException') }, { e: classNamed('ServiceException') }],
    ['maps with equal entries', new Map<unknown, unknown>([[[1], 'x']]), new Map<unknown, unknown>([[[1], 'x']])],
    ['equal cycles through thunks', cycle('leaf'), cycle('leaf')],
  ])('finds no difference between %s', (_, a, b) => {
    // Act
    const difference = structuralDifference(a, b);

    // Assess
    expect(difference).toBeUndefined();
  });

  it.each([
    ['a different string', { a: 'http' }, { a: 'HTTP' }, '$["a"]'],
    ['a different key', { http: 1 }, { htp: 1 }, '$: keys'],
    ['the same keys in another order', { a: 1, b: 2 }, { b: 2, a: 1 }, '$: keys'],
    ['an array of another length', [1, 2], [1, 2, 3], '$: length'],
    ['an array against an object', [1], { 0: 1 }, '$: Array vs Object'],
    ['thunks returning different values', [() => ({ k: 'v' })], [() => ({ k: 'w' })], '$["0"]()["k"]'],
    ['a thunk against a value', [() => 1], [1], '$["0"]: function vs number'],
    ['classes with different names', { e: classNamed('A') }, { e: classNamed('B') }, '$["e"]: function A vs B'],
    ['maps with different values', new Map([['k', 1]]), new Map([['k', 2]]), '$.entries[0].value'],
    ['a difference behind a cycle', cycle('leaf'), cycle('leaf!'), '$["3"]()["4"]'],
  ])('reports %s, with where it is', (_, a, b, where) => {
    // Act
    const difference = structuralDifference(a, b);

    // Assess
    expect(difference).toContain(where);
  });

  it('walks a chain deeper than the call stack', () => {
    // Prepare: 50 000 schemas each deferring to the next, the last one different.
    const chain = (last: string) => {
      let head: unknown = [last];
      for (let i = 0; i < 50_000; i++) {
        const next = head;
        head = [() => next];
      }
      return head;
    };

    // Act
    const difference = structuralDifference(chain('a'), chain('b'));

    // Assess
    expect(difference).toMatch(/: a vs b$/);
  });
});
