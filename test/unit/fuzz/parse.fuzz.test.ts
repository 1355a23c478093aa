/**
 * Property-based fuzzing of the parser (lib/events/parse.ts): whatever arrives - arbitrary JSON,
 * real records with fields deleted, retyped, stringified, nested or filled with odd unicode,
 * huge and deeply nested policies - parseChange either returns a well-formed Change or throws
 * EventParseError. Nothing else escapes (no TypeError, no RangeError from recursion).
 * Seed: FC_SEED=<n> (see ./arbitraries.ts).
 */
import fc from 'fast-check';
import type { Change } from '../../../lib/events/change';
import { EventParseError } from '../../../lib/events/errors';
import { parseChange } from '../../../lib/events/parse';
import { anyValue, deepPolicy, FIXTURE_NAMES, hugePolicy, jsonTextOf, mutatedRecord, nested, nestedJson, oddString, policyDocument, recordOf, runs } from './arbitraries';

type Outcome = { change: Change } | { error: unknown };

function outcomeOf(input: unknown): Outcome {
  try {
    return { change: parseChange(input) };
  } catch (error) {
    return { error };
  }
}

/** The property: a Change with the fields every control relies on, or the typed error. */
function assertParsedOrTypedError(input: unknown): void {
  const outcome = outcomeOf(input);
  if ('error' in outcome) {
    if (!(outcome.error instanceof EventParseError)) throw outcome.error;
    expect(outcome.error.message.length).toBeGreaterThan(0);
    return;
  }
  const { change } = outcome;
  for (const field of ['eventId', 'eventName', 'eventSource', 'eventTime', 'region', 'account'] as const) {
    expect(typeof change[field]).toBe('string');
  }
  expect(change.eventId).not.toBe('');
  expect(typeof change.requestParameters === 'object' && change.requestParameters !== null).toBe(true);
  expect(Array.isArray(change.requestParameters)).toBe(false);
  expect(change.responseElements === null || (typeof change.responseElements === 'object' && !Array.isArray(change.responseElements))).toBe(true);
  expect(typeof change.actor).toBe('object');
}

const envelopeOf = (detail: unknown) => ({ version: '0', id: 'e', 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.events', account: '111122223333', region: 'us-east-1', detail });

describe('parseChange under fuzzing: a Change or an EventParseError, nothing else', () => {
  it('arbitrary JSON values (and their JSON text)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.boolean(), (value, asText) => {
        assertParsedOrTypedError(asText ? JSON.stringify(value) : value);
      }),
      runs(500),
    );
  });

  it('arbitrary JavaScript values (fc.anything: null prototypes, sparse arrays, -0, symbols-free objects)', () => {
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withSparseArray: true, withBoxedValues: true, withObjectString: true }), (value) => {
        assertParsedOrTypedError(value);
      }),
      runs(300),
    );
  });

  it('arbitrary values inside an EventBridge envelope, as its detail or as any envelope field', () => {
    fc.assert(
      fc.property(anyValue, fc.constantFrom('detail', 'detail-type', 'account', 'region', 'source', 'id'), (value, field) => {
        const envelope: Record<string, unknown> = envelopeOf(recordOf(FIXTURE_NAMES[0]!));
        envelope[field] = value;
        assertParsedOrTypedError(envelope);
      }),
      runs(300),
    );
  });

  it('real records with fields deleted, retyped, stringified, nested 1000 deep or replaced by odd unicode', () => {
    fc.assert(
      fc.property(mutatedRecord, fc.constantFrom('record', 'envelope', 'text'), (record, form) => {
        // (A record too deep for JSON.stringify is fuzzed as an object.)
        assertParsedOrTypedError(form === 'record' ? record : form === 'envelope' ? envelopeOf(record) : jsonTextOf(record) ?? record);
      }),
      runs(500),
    );
  });

  it('real records whose every top-level field is an odd string', () => {
    fc.assert(
      fc.property(fc.constantFrom(...FIXTURE_NAMES), oddString, (name, text) => {
        const record = recordOf(name);
        for (const key of Object.keys(record)) record[key] = text;
        assertParsedOrTypedError(record);
      }),
      runs(200),
    );
  });

  it('arbitrary policy documents in requestParameters, as objects and as JSON strings', () => {
    fc.assert(
      fc.property(fc.constantFrom(...FIXTURE_NAMES), policyDocument, (name, policy) => {
        const record = recordOf(name);
        record.requestParameters = { ...(record.requestParameters as object), policy, policyDocument: policy, Policy: policy };
        assertParsedOrTypedError(record);
      }),
      runs(300),
    );
  });
});

describe('parseChange with huge and deeply nested input', () => {
  // Derived ids (no eventID or requestID) hash the whole record: the deep and huge cases run both ways.
  const withoutIds = (record: Record<string, unknown>) => {
    delete record.eventID;
    delete record.requestID;
    return record;
  };

  it.each([
    ['a policy of 10,000 statements (object)', () => hugePolicy(10_000, false)],
    ['a policy of 10,000 statements (JSON string)', () => hugePolicy(10_000, true)],
    ['a policy whose Statement is nested 1000 deep', () => deepPolicy(1000, 'Statement', false)],
    ['a policy whose Condition is nested 1000 deep (JSON string)', () => deepPolicy(1000, 'Condition', true)],
    ['requestParameters nested 1000 deep', () => nested(1000, 'object')],
    ['requestParameters nested 100,000 deep (JSON string)', () => nestedJson(100_000, 'array')],
    ['requestParameters nested 100,000 deep (object)', () => nested(100_000, 'object')],
    ['an array of 20,000 empty objects', () => Array.from({ length: 20_000 }, () => ({}))],
    ['a 10 MB string', () => 'y'.repeat(10_000_000)],
  ])('%s: parsed or rejected with EventParseError, with or without an eventID', (_label, make) => {
    for (const keepIds of [true, false]) {
      // Prepare
      const base = recordOf('events_PutPermission_synthetic-awsdocs-putrule-clone_2.json');
      const value = make();
      const record = { ...(keepIds ? base : withoutIds(base)), requestParameters: { policy: value, eventBusName: 'default' } };

      // Act + Assess
      assertParsedOrTypedError(record);
      assertParsedOrTypedError({ ...record, requestParameters: value });
      assertParsedOrTypedError({ ...record, responseElements: value });
    }
  });

  it('an envelope whose detail is a JSON string nested 100,000 deep is rejected with EventParseError', () => {
    const outcome = outcomeOf(envelopeOf(nestedJson(100_000, 'object')));
    expect('error' in outcome && outcome.error).toBeInstanceOf(EventParseError);
  });
});
