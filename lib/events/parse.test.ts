import { cloneWith, fixture, fixtureNames } from '../../test/support/fixtures';
import { EventParseError } from './errors';
import { MAX_NESTING, parseChange, roleArnOfSession } from './parse';

/** {"a":{"a":...}} `depth` levels deep, built without recursion. */
function nest(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

describe('parseChange', () => {
  it.each(fixtureNames())('reads the real record %s', (name) => {
    // Prepare
    const input = fixture(name);
    const record = input.detail ?? input;

    // Act
    const change = parseChange(input);

    // Assess
    expect(change.eventName).toBe(record.eventName);
    expect(change.eventSource).toBe(record.eventSource);
    expect(change.eventTime).toBe(record.eventTime);
    expect(change.eventId).toBe(record.eventID ?? change.eventId);
    expect(change.eventId).not.toBe('');
  });

  it('unwraps an EventBridge envelope and falls back to its account when the record has none', () => {
    const change = parseChange(fixture('cloudtrail_StopLogging_reflex_envelope_1.json'));
    expect(change.eventName).toBe('StopLogging');
    expect(change.account).toBe('000000000000');
    expect(change.actor.arn).toBe('arn:aws:iam::000000000000:user/example.user');
  });

  it('accepts an envelope whose detail is a JSON string', () => {
    const envelope = fixture('cloudtrail_StopLogging_reflex_envelope_1.json');
    envelope.detail = JSON.stringify(envelope.detail);
    expect(parseChange(envelope).eventName).toBe('StopLogging');
  });

  it.each([
    ['"false"', 'false', false],
    ['"true"', 'true', true],
    ['a boolean', false, false],
  ])('reads readOnly given as %s', (_label, value, expected) => {
    const record = cloneWith('cloudtrail_StopLogging_fivexl-cloudtrail-to-slack_1.json', (r) => {
      r.readOnly = value;
    });
    expect(parseChange(record).readOnly).toBe(expected);
  });

  it('keeps the errorCode of a failed call', () => {
    const change = parseChange(fixture('cloudtrail_StopLogging_panther-analysis_2.json'));
    expect(change.errorCode).toBe('InvalidTrailNameException');
  });

  it('derives a stable id for a record without eventID or requestID', () => {
    const first = parseChange(fixture('cloudtrail_UpdateTrail_panther-analysis_1.json'));
    const second = parseChange(fixture('cloudtrail_UpdateTrail_panther-analysis_1.json'));
    expect(first.eventId).toMatch(/^derived-[0-9a-f]{32}$/);
    expect(second.eventId).toBe(first.eventId);
  });

  it('reads requestParameters given as a JSON string', () => {
    const record = cloneWith('events_PutRule_awsdocs-eventbridge_1.json', (r) => {
      r.requestParameters = JSON.stringify(r.requestParameters);
    });
    expect(parseChange(record).requestParameters.name).toBe('cttest2');
  });

  it('treats null requestParameters as empty', () => {
    const record = cloneWith('events_PutRule_awsdocs-eventbridge_1.json', (r) => {
      r.requestParameters = null;
    });
    expect(parseChange(record).requestParameters).toEqual({});
  });

  it('names the issuing role of an assumed-role session', () => {
    const record = cloneWith('events_DeleteRule_elastic-integrations_1.json', (r) => {
      r.userIdentity = {
        type: 'AssumedRole',
        arn: 'arn:aws:sts::000000000000:assumed-role/deployer/ci-session',
        accountId: '000000000000',
        sessionContext: {
          sessionIssuer: { type: 'Role', arn: 'arn:aws:iam::000000000000:role/platform/deployer', accountId: '000000000000' },
        },
      };
    });
    expect(parseChange(record).actor.issuerArn).toBe('arn:aws:iam::000000000000:role/platform/deployer');
  });

  // Found by fuzzing (test/unit/fuzz/controls.fuzz.test.ts, FC_NUM_RUNS=3000): an empty ARN named
  // the principal of an access-denied-burst finding, so its resource was empty.
  it('leaves empty identity fields out of the actor, so the next one names the principal', () => {
    const record = cloneWith('events_DeleteRule_elastic-integrations_1.json', (r) => {
      r.userIdentity = { type: 'IAMUser', arn: '', principalId: 'AIDAEXAMPLE', accountId: '000000000000', sessionContext: { sessionIssuer: { arn: '' } } };
    });

    const actor = parseChange(record).actor;

    expect(actor).not.toHaveProperty('arn');
    expect(actor).not.toHaveProperty('issuerArn');
    expect(actor.principalId).toBe('AIDAEXAMPLE');
  });

  it('derives the role from the session ARN when the record has no session issuer', () => {
    expect(roleArnOfSession('arn:aws:sts::111122223333:assumed-role/deployer/ci')).toBe('arn:aws:iam::111122223333:role/deployer');
    expect(roleArnOfSession('arn:aws:iam::111122223333:user/alice')).toBeUndefined();
  });

  it.each([
    ['a string that is not JSON', 'hello'],
    ['a number', 42],
    ['null', null],
    ['an array', []],
    ['a record without eventName', cloneWith('events_DeleteRule_elastic-integrations_1.json', (r) => void delete r.eventName)],
    ['a record with a numeric eventSource', cloneWith('events_DeleteRule_elastic-integrations_1.json', (r) => void (r.eventSource = 7))],
    ['an envelope whose detail is not an object', { 'detail-type': 'AWS API Call via CloudTrail', detail: 'nope' }],
    ['an envelope with no detail-type string', { 'detail-type': 5, detail: {} }],
  ])('rejects %s with an EventParseError', (_label, input) => {
    expect(() => parseChange(input)).toThrow(EventParseError);
  });

  // Found by fuzzing (test/unit/fuzz/parse.fuzz.test.ts): canonicalJson (the derived id) overflowed
  // the stack with a RangeError instead of the typed error.
  it.each([
    ['requestParameters', (r: Record<string, any>) => void (r.requestParameters = nest(MAX_NESTING + 1))],
    ['responseElements given as a JSON string', (r: Record<string, any>) => void (r.responseElements = JSON.stringify(nest(MAX_NESTING + 1)))],
    ['an unknown field, in a record without eventID or requestID', (r: Record<string, any>) => {
      delete r.eventID;
      delete r.requestID;
      r.additionalEventData = nest(100_000);
    }],
  ])('rejects a record nesting deeper than MAX_NESTING in %s with an EventParseError', (_label, change) => {
    const record = cloneWith('events_DeleteRule_elastic-integrations_1.json', change);
    expect(() => parseChange(record)).toThrow(EventParseError);
    expect(() => parseChange(record)).toThrow(/nests deeper than 200 levels/);
  });

  it('reads a record nesting exactly MAX_NESTING levels', () => {
    const record = cloneWith('events_DeleteRule_elastic-integrations_1.json', (r) => void (r.additionalEventData = nest(MAX_NESTING - 1)));
    expect(parseChange(record).eventName).toBe('DeleteRule');
  });

  // Found by fuzzing: an empty eventID became the change's id, so every such record was a duplicate of the first.
  it('uses the requestID when eventID is empty', () => {
    const record = cloneWith('events_DeleteRule_elastic-integrations_1.json', (r) => void (r.eventID = ''));
    expect(parseChange(record).eventId).toBe('db7cae2c-e8df-4b46-99f7-c41f7af67806');
  });

  it('derives the id when eventID and requestID are empty', () => {
    const record = cloneWith('events_DeleteRule_elastic-integrations_1.json', (r) => void Object.assign(r, { eventID: '', requestID: '' }));
    expect(parseChange(record).eventId).toMatch(/^derived-[0-9a-f]{32}$/);
  });

  it('says which field is wrong', () => {
    const record = cloneWith('events_DeleteRule_elastic-integrations_1.json', (r) => void delete r.eventTime);
    expect(() => parseChange(record)).toThrow(/eventTime/);
  });
});
