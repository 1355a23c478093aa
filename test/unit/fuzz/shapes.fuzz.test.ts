/**
 * Differential fuzzing of the event shapes (lib/events/shapes.ts) against the zod schema they
 * replaced, kept here as the oracle (it is the schema lib/events/parse.ts declared until the
 * shapes were written out to spare the responder's cold start zod's construction). For every
 * input both must agree: accepted by both with the same values for every declared field, or
 * refused by both naming the same fields.
 * Seed: FC_SEED=<n> (see ./arbitraries.ts).
 */
import fc from 'fast-check';
import * as z from 'zod/mini';
import { checkEnvelope, checkRecord, type Checked } from '../../../lib/events/shapes';
import { anyValue, FIXTURE_NAMES, mutatedRecord, oddString, recordOf, runs } from './arbitraries';

// ------------------------------------------------------------------------------------------
// The oracle: lib/events/parse.ts's zod schema, as it was.

const looseBoolean = z.optional(
  z.pipe(
    z.union([z.boolean(), z.string()]),
    z.transform((v: boolean | string) => (typeof v === 'boolean' ? v : v.toLowerCase() === 'true')),
  ),
);
const optionalText = z.pipe(z.nullish(z.string()), z.transform((v: string | null | undefined) => v ?? undefined));
const requiredText = z.string().check(z.minLength(1));
const sessionIssuer = z.nullish(z.looseObject({ arn: optionalText, type: optionalText, accountId: optionalText }));
const userIdentity = z.nullish(
  z.looseObject({
    type: optionalText,
    principalId: optionalText,
    arn: optionalText,
    accountId: optionalText,
    userName: optionalText,
    invokedBy: optionalText,
    sessionContext: z.nullish(z.looseObject({ sessionIssuer })),
  }),
);
const zodRecord = z.looseObject({
  eventVersion: optionalText,
  eventID: optionalText,
  eventTime: requiredText,
  eventSource: requiredText,
  eventName: requiredText,
  awsRegion: optionalText,
  sourceIPAddress: optionalText,
  userAgent: optionalText,
  userIdentity,
  requestParameters: z.optional(z.unknown()),
  responseElements: z.optional(z.unknown()),
  errorCode: optionalText,
  errorMessage: optionalText,
  readOnly: looseBoolean,
  recipientAccountId: optionalText,
  requestID: optionalText,
});
const zodEnvelope = z.looseObject({
  'detail-type': z.string(),
  source: z.optional(z.string()),
  account: z.optional(z.string()),
  region: z.optional(z.string()),
  id: z.optional(z.string()),
  detail: z.unknown(),
});

// ------------------------------------------------------------------------------------------

/** The declared fields (zod's looseObject also passes undeclared ones through; the shapes keep them on the input). */
type Declared = { [key: string]: true | Declared };
const IDENTITY: Declared = {
  type: true,
  principalId: true,
  arn: true,
  accountId: true,
  userName: true,
  invokedBy: true,
  sessionContext: { sessionIssuer: { arn: true, type: true, accountId: true } },
};
const RECORD: Declared = {
  ...Object.fromEntries(
    ['eventVersion', 'eventID', 'eventTime', 'eventSource', 'eventName', 'awsRegion', 'sourceIPAddress', 'userAgent', 'requestParameters', 'responseElements', 'errorCode', 'errorMessage', 'readOnly', 'recipientAccountId', 'requestID'].map((k) => [k, true as const]),
  ),
  userIdentity: IDENTITY,
};
const ENVELOPE: Declared = { 'detail-type': true, source: true, account: true, region: true, id: true, detail: true };

/**
 * The declared fields of a value, those that are not undefined. A nested object given as null
 * is left out too: zod's nullish keeps the null, the shapes leave the field out, and the parser
 * reads both as absent (`?? undefined`).
 */
function project(value: unknown, declared: Declared): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(declared)) {
    const member = (value as Record<string, unknown>)[key];
    if (member === undefined || (inner !== true && member === null)) continue;
    out[key] = inner === true ? member : project(member, inner);
  }
  return out;
}

/** Both verdicts in one comparable form: the declared values, or the sorted paths of the fields refused. */
function verdicts(input: Record<string, unknown>, oracle: typeof zodRecord | typeof zodEnvelope, ours: (input: Record<string, unknown>) => Checked<unknown>, declared: Declared) {
  const theirs = oracle.safeParse(input);
  const mine = ours(input);
  return {
    oracle: theirs.success ? { value: project(theirs.data, declared) } : { refused: [...new Set(theirs.error.issues.map((i) => i.path.join('.')))].sort() },
    shapes: mine.ok ? { value: project(mine.value, declared) } : { refused: [...new Set(mine.problems.map((p) => p.slice(0, p.indexOf(':'))))].sort() },
  };
}

const agreeOnRecord = (input: Record<string, unknown>) => {
  const { oracle, shapes } = verdicts(input, zodRecord, checkRecord, RECORD);
  expect(shapes).toEqual(oracle);
};
const agreeOnEnvelope = (input: Record<string, unknown>) => {
  const { oracle, shapes } = verdicts(input, zodEnvelope, checkEnvelope, ENVELOPE);
  expect(shapes).toEqual(oracle);
};

/** Every declared path of the record, nested ones written with dots. */
const RECORD_PATHS = ((): string[] => {
  const paths: string[] = [];
  const walk = (declared: Declared, prefix: string) => {
    for (const [key, inner] of Object.entries(declared)) {
      paths.push(prefix + key);
      if (inner !== true) walk(inner, `${prefix}${key}.`);
    }
  };
  walk(RECORD, '');
  return paths;
})();

/** A copy of `record` with the value at `path` (dotted) set, creating the objects on the way. */
function withValueAt(record: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(record);
  const keys = path.split('.');
  let at: Record<string, unknown> = copy;
  for (const key of keys.slice(0, -1)) {
    if (typeof at[key] !== 'object' || at[key] === null || Array.isArray(at[key])) at[key] = {};
    at = at[key] as Record<string, unknown>;
  }
  at[keys.at(-1)!] = value;
  return copy;
}

/** Values that sit on the lines the shapes draw: null against absent, empty strings, the string forms of booleans, wrong kinds. */
const edgeValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(undefined, null, '', 'true', 'TRUE', 'False', 'yes', true, false, 0, 1, -0, Number.NaN, [], {}, [''], { arn: 5 }),
  oddString,
  anyValue,
);

describe('the event shapes agree with the zod schema they replaced', () => {
  it('on the real records, as they are', () => {
    for (const name of FIXTURE_NAMES) {
      const record = recordOf(name);
      agreeOnRecord(record);
      expect(checkRecord(record).ok).toBe(true);
    }
  });

  it('on real records with any declared field, nested ones too, set to an edge or arbitrary value', () => {
    fc.assert(
      fc.property(fc.constantFrom(...FIXTURE_NAMES), fc.constantFrom(...RECORD_PATHS), edgeValue, (name, path, value) => {
        agreeOnRecord(withValueAt(recordOf(name), path, value));
      }),
      runs(1500),
    );
  });

  it('on real records with several fields deleted, retyped, stringified, nested or renamed', () => {
    fc.assert(
      fc.property(mutatedRecord, (record) => {
        agreeOnRecord(record);
      }),
      runs(500),
    );
  });

  it('on arbitrary objects', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...RECORD_PATHS.filter((p) => !p.includes('.')), 'other'), edgeValue), (record) => {
        agreeOnRecord(record);
      }),
      runs(500),
    );
  });

  it('on envelopes with any field set to an edge or arbitrary value, or removed', () => {
    const envelope = { version: '0', id: 'e', 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.events', account: '111122223333', region: 'us-east-1', detail: recordOf(FIXTURE_NAMES[0]!) };
    fc.assert(
      fc.property(fc.constantFrom(...Object.keys(ENVELOPE)), fc.option(edgeValue, { nil: Symbol.for('removed') }), (field, value) => {
        const input: Record<string, unknown> = { ...envelope };
        if (value === Symbol.for('removed')) delete input[field];
        else input[field] = value;
        agreeOnEnvelope(input);
      }),
      runs(500),
    );
  });
});
