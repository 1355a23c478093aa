/**
 * Generators for the property-based fuzz tests (fast-check): odd strings, values of every JSON
 * type, IAM-style policy documents (as objects and as JSON strings), huge and deeply nested
 * values, and mutations of the real CloudTrail fixtures.
 *
 * Runs are random by default; FC_SEED=<n> replays one (fast-check prints the seed and the
 * counterexample's path on failure: `FC_SEED=<seed> npx jest test/unit/fuzz ...`).
 * FC_NUM_RUNS=<n> overrides the per-property run count (e.g. a long soak: FC_NUM_RUNS=20000).
 */
import fc from 'fast-check';
import { fixture, fixtureNames } from '../../support/fixtures';

const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined;
const numRunsOverride = process.env.FC_NUM_RUNS ? Number(process.env.FC_NUM_RUNS) : undefined;

/** Parameters for fc.assert: the seed from FC_SEED when set, the run count (FC_NUM_RUNS overrides it). */
export function runs(numRuns: number): fc.Parameters<unknown> {
  return { numRuns: numRunsOverride ?? numRuns, ...(seed !== undefined && !Number.isNaN(seed) ? { seed } : {}) };
}

// ---------------------------------------------------------------------------------------------
// Strings

/** Code units and sequences that break naive string handling. */
export const ODD_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\uD800', // lone high surrogate
  '\uDFFF', // lone low surrogate
  'x\uDC00\uD800y', // surrogates in the wrong order
  '\u202Earn:aws:events:us-east-1:111122223333:event-bus/default', // RTL override before an ARN
  '\u200F\u200E\u061C', // RTL/LTR marks
  '\u05E9\u05DC\u05D5\u05DD', // Hebrew
  '\uFEFF*', // BOM before a wildcard
  '\u2028\u2029', // JS line separators
  '😀', // astral emoji (surrogate pair)
  '👩‍👩‍👧‍👦', // ZWJ sequence
  'e\u0301', // combining accent
  '\u0130', // dotted capital I (toLowerCase grows it)
  'ß', // toUpperCase grows it
  '*',
  '?',
  '${aws:username}',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'null',
  'true',
  'false',
  '{',
  '[',
  '{"a":',
  '[[[[',
  '0',
  '-0',
  '1e400',
  'NaN',
  'arn:',
  'arn:aws',
  'arn:aws:iam::*:root',
  'arn:aws:iam::111122223333:root',
  'arn:aws:iam::999999999999:role/x',
  '111122223333',
  '999999999999',
  'o-a1b2c3d4e5',
] as const;

/** A 1 MB string. */
export const HUGE_STRING = 'x'.repeat(1_000_000);

/** Strings: any code units (lone surrogates included), the odd ones above, ARNs. (Huge ones: HUGE_STRING, in dedicated cases: they slow every run.) */
export const oddString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 4, arbitrary: fc.constantFrom(...ODD_STRINGS) },
  { weight: 2, arbitrary: fc.array(fc.constantFrom(...ODD_STRINGS), { minLength: 2, maxLength: 4 }).map((parts) => parts.join('')) },
  { weight: 2, arbitrary: arn() },
);

/** ARN-looking strings, well-formed or not, with odd parts. */
export function arn(): fc.Arbitrary<string> {
  const part = fc.oneof(fc.constantFrom('', '*', 'aws', 'aws-us-gov', 'events', 'kms', 'sqs', 'sns', 'iam', 'cloudtrail', 'ec2', 'lambda', 'us-east-1', '111122223333', '999999999999', '*'), fc.string({ unit: 'binary', maxLength: 8 }));
  const resource = fc.oneof(
    fc.constantFrom('event-bus/default', 'rule/prod-x', 'rule/bus/prod-x', 'key/1234abcd-12ab-34cd-56ef-1234567890ab', 'alias/x', 'trail/t', 'role/deployer', 'root', '*', 'queue-dlq', 'user/a/b'),
    fc.string({ unit: 'binary', maxLength: 12 }),
  );
  return fc.tuple(part, part, part, part, resource).map(([p, s, r, a, res]) => `arn:${p}:${s}:${r}:${a}:${res}`);
}

// ---------------------------------------------------------------------------------------------
// Values

/** Deep nesting without recursion in the generator: {"a":{"a":...}} or [[...]] `depth` levels deep. */
export function nested(depth: number, kind: 'object' | 'array', leaf: unknown = 'leaf'): unknown {
  let value: unknown = leaf;
  for (let i = 0; i < depth; i++) value = kind === 'object' ? { a: value } : [value];
  return value;
}

/** The same as JSON text, built without JSON.stringify (which recurses). */
export function nestedJson(depth: number, kind: 'object' | 'array'): string {
  return kind === 'object' ? `${'{"a":'.repeat(depth)}"leaf"${'}'.repeat(depth)}` : `${'['.repeat(depth)}"leaf"${']'.repeat(depth)}`;
}

/** Deeply nested values: depth 1000 (a handful of frames per level is fine) up to far deeper than any real record. */
export const deepValue: fc.Arbitrary<unknown> = fc
  .tuple(fc.constantFrom(100, 250, 1000, 5000, 100_000), fc.constantFrom<'object' | 'array'>('object', 'array'), fc.boolean())
  // 100,000 levels as JSON text only (cheap to build; what a 256 KB event could carry); as objects up to 5000.
  .map(([depth, kind, asText]) => (asText || depth > 5000 ? nestedJson(depth, kind) : nested(depth, kind)));

/** Any value a JSON document (or a JSON-ish string of one) can hold, odd strings included. */
export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 3, arbitrary: oddString },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, 0, -1, 1.5, Number.MAX_SAFE_INTEGER, 1e308, '', [], {}) },
  // JSON.parse gives these own keys: String(), template literals and `+` throw on them.
  // (Shared by every run: mutate() copies a value before changing anything inside it.)
  { weight: 1, arbitrary: fc.constantFrom({ toString: 'x' }, { toString: 1, valueOf: 1 }, [{ toString: 'x' }], { __proto__: null, a: 1 }, JSON.parse('{"__proto__": {"polluted": true}}')) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
);

// ---------------------------------------------------------------------------------------------
// IAM-style policy documents (bus, key, queue, topic, endpoint and IAM policies share the grammar)

const principal: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom('*', { AWS: '*' }, { AWS: ['*'] }, { AWS: 'arn:aws:iam::999999999999:root' }, { AWS: '999999999999' }, { AWS: ['111122223333', 'arn:aws:iam::999999999999:role/x'] }, { Service: 'events.amazonaws.com' }, { Federated: 'cognito-identity.amazonaws.com' }, { CanonicalUser: 'abc' }),
  fc.record({ AWS: fc.oneof(oddString, fc.array(oddString, { maxLength: 3 }), anyValue) }, { requiredKeys: [] }),
  anyValue,
);
const action: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom('*', 'events:*', 'events:PutEvents', 'kms:*', 'kms:Decrypt', 'sqs:*', 'sqs:SendMessage', 'sns:Publish', 'iam:PassRole', 'EVENTS:putevents', 's3:GetObject'),
  fc.array(fc.constantFrom('events:PutEvents', 'kms:*', 'sqs:SendMessage', '*', 'iam:*'), { maxLength: 4 }),
  oddString,
  anyValue,
);
const conditionOperator = fc.constantFrom('StringEquals', 'StringLike', 'StringNotEquals', 'ArnLike', 'ArnEquals', 'Bool', 'ForAnyValue:StringEquals', 'ForAllValues:StringLike', 'Null', 'NumericLessThan', 'stringequals', 'StringEqualsIfExists');
const conditionKey = fc.constantFrom('aws:PrincipalOrgID', 'aws:principalorgid', 'aws:SourceAccount', 'aws:SourceArn', 'aws:PrincipalAccount', 'aws:SecureTransport', 'kms:CallerAccount', 'kms:ViaService', 'events:source');
const condition: fc.Arbitrary<unknown> = fc.oneof(
  fc.dictionary(conditionOperator, fc.dictionary(conditionKey, fc.oneof(oddString, fc.array(oddString, { maxLength: 3 }), anyValue), { maxKeys: 3 }), { maxKeys: 3 }),
  anyValue,
);
/** One statement: well-formed fields with odd values, or anything. */
export const statement: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record(
      {
        Sid: oddString,
        Effect: fc.oneof(fc.constantFrom('Allow', 'Deny', 'allow', 'DENY'), oddString),
        Principal: principal,
        NotPrincipal: principal,
        Action: action,
        NotAction: action,
        Resource: fc.oneof(fc.constant('*'), arn(), fc.array(arn(), { maxLength: 3 }), anyValue),
        NotResource: fc.oneof(arn(), anyValue),
        Condition: condition,
      },
      { requiredKeys: ['Effect'] },
    ),
  },
  { weight: 1, arbitrary: anyValue },
);

/** A policy document as an object or as a JSON string, possibly malformed. */
export const policyDocument: fc.Arbitrary<unknown> = fc
  .tuple(
    fc.oneof(
      fc.record({ Version: fc.oneof(fc.constant('2012-10-17'), oddString), Statement: fc.oneof(fc.array(statement, { maxLength: 5 }), statement) }, { requiredKeys: [] }),
      anyValue,
    ),
    fc.boolean(),
  )
  .map(([doc, asText]) => (asText ? JSON.stringify(doc) ?? 'null' : doc));

/** 10,000 statements granting the world, as an object or a JSON string. */
export function hugePolicy(statements = 10_000, asText = false): unknown {
  const doc = {
    Version: '2012-10-17',
    Statement: Array.from({ length: statements }, (_, i) => ({
      Sid: `s${i}`,
      Effect: i % 2 ? 'Allow' : 'Deny',
      Principal: i % 3 ? '*' : { AWS: [`arn:aws:iam::${String(100000000000 + i)}:root`, '*'] },
      Action: ['events:PutEvents', 'kms:*', 'sqs:SendMessage', 'sns:Publish', '*'],
      Resource: '*',
      Condition: i % 5 ? undefined : { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
    })),
  };
  return asText ? JSON.stringify(doc) : doc;
}

/** A policy whose Statement (or a statement's Condition/Principal) is nested `depth` levels deep. */
export function deepPolicy(depth: number, where: 'Statement' | 'Condition' | 'Principal', asText: boolean): unknown {
  const inner = where === 'Statement' ? nested(depth, 'array', { Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }) : undefined;
  const doc =
    where === 'Statement'
      ? { Version: '2012-10-17', Statement: inner }
      : { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: where === 'Principal' ? { AWS: nested(depth, 'array', '*') } : '*', Action: '*', Resource: '*', ...(where === 'Condition' ? { Condition: nested(depth, 'object', '*') } : {}) }] };
  if (!asText) return doc;
  // JSON.stringify recurses; at these depths it still fits the stack (checked by the callers' depths).
  return JSON.stringify(doc);
}

// ---------------------------------------------------------------------------------------------
// Real records and their mutations

export const FIXTURE_NAMES = fixtureNames();

const fixtureTexts = new Map<string, string>();

/** The CloudTrail record in a fixture (unwrapping an EventBridge envelope): a fresh copy each call, read from disk once. */
export function recordOf(name: string): Record<string, unknown> {
  let text = fixtureTexts.get(name);
  if (text === undefined) {
    text = JSON.stringify(fixture(name));
    fixtureTexts.set(name, text);
  }
  const input = JSON.parse(text) as Record<string, any>;
  return (input.detail ?? input) as Record<string, unknown>;
}

/** Every key seen anywhere in the fixtures' requestParameters and responseElements: realistic keys for generated parameters. */
export const FIXTURE_KEYS: readonly string[] = (() => {
  const keys = new Set<string>();
  const walk = (v: unknown, depth: number) => {
    if (depth > 12 || v === null || typeof v !== 'object') return;
    for (const [k, child] of Object.entries(v)) {
      if (!Array.isArray(v)) keys.add(k);
      walk(child, depth + 1);
    }
  };
  for (const name of FIXTURE_NAMES) {
    const r = recordOf(name);
    walk(r.requestParameters, 0);
    walk(r.responseElements, 0);
  }
  return [...keys].sort();
})();

/** JSON text of a value, or undefined when it nests too deep for JSON.stringify (which recurses). */
export function jsonTextOf(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch (cause) {
    if (cause instanceof RangeError) return undefined;
    throw cause;
  }
}

export type Path = (string | number)[];

/** The paths of every value in a JSON tree (the root excluded), depth-first, at most `limit`. */
export function pathsOf(value: unknown, limit = 400): Path[] {
  const out: Path[] = [];
  const stack: { v: unknown; p: Path }[] = [{ v: value, p: [] }];
  while (stack.length > 0 && out.length < limit) {
    const { v, p } = stack.pop()!;
    if (p.length > 0) out.push(p);
    if (v !== null && typeof v === 'object') {
      const entries = Array.isArray(v) ? v.map((c, i) => [i, c] as const) : Object.entries(v);
      for (const [k, c] of entries) stack.push({ v: c, p: [...p, k] });
    }
  }
  return out;
}

export const MUTATIONS = ['delete', 'replace', 'stringify', 'wrap-in-array', 'deep', 'rename-key-case'] as const;
export interface Mutation {
  kind: (typeof MUTATIONS)[number];
  /** Which path (modulo the number of paths). */
  pick: number;
  value: unknown;
}

export const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom(...MUTATIONS),
  pick: fc.nat(),
  value: fc.oneof({ weight: 6, arbitrary: anyValue }, { weight: 2, arbitrary: policyDocument }, { weight: 1, arbitrary: deepValue }),
});

/** An empty object or array of the kind of `value`: a null prototype stays null. */
function emptyLike(value: object): object {
  return Array.isArray(value) ? new Array(value.length) : Object.create(Object.getPrototypeOf(value) === null ? null : Object.prototype);
}

/**
 * A deep copy of a JSON-like value, without recursion (values nest 5000 deep; structuredClone
 * overflows the stack on them), keeping null prototypes and own `__proto__` keys as they are.
 */
export function copyOf(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const root = emptyLike(value);
  const stack: Array<[object, object]> = [[value, root]];
  while (stack.length > 0) {
    const [from, to] = stack.pop()!;
    for (const key of Object.keys(from)) {
      const member = (from as Record<string, unknown>)[key];
      const copied = typeof member === 'object' && member !== null ? emptyLike(member) : member;
      // defineProperty, not assignment: assigning an own `__proto__` key would set the prototype.
      Object.defineProperty(to, key, { value: copied, enumerable: true, writable: true, configurable: true });
      if (copied !== member) stack.push([member as object, copied as object]);
    }
  }
  return root;
}

/**
 * Applies mutations to (a copy of) a record, each at a path chosen among the record's current
 * paths. A value put in is copied first: generated values can be fast-check's own constants,
 * shared by every run, and a later mutation at a path inside one would change it for all of them
 * (nesting it 1000 levels deeper each time, or making it circular).
 */
export function mutate(record: Record<string, unknown>, mutations: readonly Mutation[]): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(record)) as Record<string, unknown>;
  for (const m of mutations) {
    const paths = pathsOf(copy);
    if (paths.length === 0) break;
    const path = paths[m.pick % paths.length]!;
    const parent = path.slice(0, -1).reduce<any>((node, key) => node[key], copy);
    const key = path[path.length - 1]!;
    switch (m.kind) {
      case 'delete':
        if (Array.isArray(parent)) parent.splice(Number(key), 1);
        else delete parent[key];
        break;
      case 'replace':
        parent[key] = copyOf(m.value);
        break;
      case 'stringify':
        parent[key] = jsonTextOf(parent[key]) ?? 'undefined';
        break;
      case 'wrap-in-array':
        parent[key] = [parent[key]];
        break;
      case 'deep':
        parent[key] = nested(1000, 'object', parent[key]);
        break;
      case 'rename-key-case':
        if (!Array.isArray(parent) && typeof key === 'string') {
          const renamed = key === key.toLowerCase() ? key.toUpperCase() : key.toLowerCase();
          const v = parent[key];
          delete parent[key];
          parent[renamed] = v;
        }
        break;
    }
  }
  return copy;
}

/** A real record with 1 to 5 mutations. */
export const mutatedRecord: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(fc.constantFrom(...FIXTURE_NAMES), fc.array(mutation, { minLength: 1, maxLength: 5 }))
  .map(([name, mutations]) => mutate(recordOf(name), mutations));
