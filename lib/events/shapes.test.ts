/**
 * What the shapes say about a refused field. (Which inputs they accept, and the values they make,
 * are fuzzed against the zod schema they replaced: test/unit/fuzz/shapes.fuzz.test.ts.)
 */
import { cloneWith, fixture } from '../../test/support/fixtures';
import { checkEnvelope, checkRecord } from './shapes';

const RECORD = 'events_DeleteRule_elastic-integrations_1.json';

describe('checkRecord', () => {
  it.each([
    ['a missing eventName', (r: Record<string, any>) => void delete r.eventName, 'eventName: expected a non-empty string, received undefined'],
    ['an empty eventTime', (r: Record<string, any>) => void (r.eventTime = ''), 'eventTime: expected a non-empty string, received string'],
    ['a numeric eventSource', (r: Record<string, any>) => void (r.eventSource = 7), 'eventSource: expected a non-empty string, received number'],
    ['a userIdentity that is a list', (r: Record<string, any>) => void (r.userIdentity = []), 'userIdentity: expected an object, received array'],
    ['a session issuer ARN that is an object', (r: Record<string, any>) => void (r.userIdentity = { sessionContext: { sessionIssuer: { arn: {} } } }), 'userIdentity.sessionContext.sessionIssuer.arn: expected a string, received object'],
    ['a readOnly of null', (r: Record<string, any>) => void (r.readOnly = null), 'readOnly: expected a boolean or "true"/"false", received null'],
  ])('names the path and the kind received for %s', (_name, change, problem) => {
    // Prepare
    const record = cloneWith(RECORD, change);

    // Act
    const checked = checkRecord(record);

    // Assess
    expect(checked).toEqual({ ok: false, problems: [problem] });
  });

  it('lists every problem, not only the first', () => {
    const record = cloneWith(RECORD, (r) => Object.assign(r, { eventName: 1, awsRegion: 2 }));

    const checked = checkRecord(record);

    expect(checked.ok ? [] : checked.problems.map((p) => p.split(':')[0])).toEqual(['eventName', 'awsRegion']);
  });

  it('reads null text fields and null objects as absent', () => {
    const record = cloneWith(RECORD, (r) => Object.assign(r, { errorCode: null, userAgent: null, userIdentity: null }));

    const checked = checkRecord(record);

    expect(checked.ok).toBe(true);
    expect(checked.ok && ['errorCode', 'userAgent', 'userIdentity'].filter((k) => k in checked.value)).toEqual([]);
  });
});

describe('checkEnvelope', () => {
  const envelope = () => fixture('cloudtrail_StopLogging_reflex_envelope_1.json') as Record<string, unknown>;

  it('takes the real envelope', () => {
    expect(checkEnvelope(envelope())).toMatchObject({ ok: true, value: { 'detail-type': 'AWS API Call via CloudTrail', account: '000000000000' } });
  });

  it.each([
    ['detail-type', 5, 'detail-type: expected a string, received number'],
    ['account', null, 'account: expected a string, received null'],
  ])('refuses a %s of %p', (field, value, problem) => {
    expect(checkEnvelope({ ...envelope(), [field]: value })).toEqual({ ok: false, problems: [problem] });
  });

  it('refuses an envelope without detail', () => {
    const { detail: _detail, ...withoutDetail } = envelope();

    expect(checkEnvelope(withoutDetail)).toEqual({ ok: false, problems: ['detail: expected a value, received nothing'] });
  });
});
