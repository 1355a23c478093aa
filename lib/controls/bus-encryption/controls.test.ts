import { cloneWith } from '../../../test/support/fixtures';
import { NO_BASELINES, type BaselineLookup } from '../../baseline/types';
import { parseChange } from '../../events/parse';
import { parsePolicy } from '../../policy/load';
import { controlIds } from '../registry';
import type { Control, LiveState } from '../types';
import { busEncryptionDowngraded } from './controls';
import { busSettingsBaselineKey, EVENT_BUS_SETTINGS_BASELINE } from './types';

/** A control's recheck, called as the pipeline calls it (plan, live, change, context). */
const recheckOf = (control: Control) => control.recheck!;

// No public CloudTrail record of UpdateEventBus/CreateEventBus was found (see ATTRIBUTION.md):
// these are clones of the real AWS docs PutRule record with eventName and requestParameters
// changed. Parameter names are the API's (Name, KmsKeyIdentifier, DeadLetterConfig.Arn) in
// CloudTrail's lower-camel case; the control reads them in any case.
const BUS_ARN = 'arn:aws:events:us-east-1:123456789012:event-bus/orders';
const CMK = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const DLQ = 'arn:aws:sqs:us-east-1:123456789012:orders-bus-dlq';

const policyOf = (extra = '') => parsePolicy(`protect: { buses: ["orders"] }\n${extra}`, 'test-policy.yml', controlIds);

const busEvent = (eventName: string, requestParameters: Record<string, unknown>) =>
  cloneWith('events_PutRule_awsdocs-eventbridge_1.json', (r) => {
    r.eventName = eventName;
    r.requestParameters = requestParameters;
    r.responseElements = null;
  });

const baseline = (definition: Record<string, unknown>): BaselineLookup => {
  const resource = busSettingsBaselineKey(BUS_ARN);
  return new Map([[resource, { resource, kind: EVENT_BUS_SETTINGS_BASELINE, definition: { name: 'orders', ...definition }, capturedAt: '', source: 'snapshot' }]]);
};

const run = (record: unknown, baselines: BaselineLookup = NO_BASELINES, policy = policyOf()) =>
  busEncryptionDowngraded.evaluate(parseChange(record), { policy, baselines });

describe('bus-encryption-downgraded', () => {
  it.each([
    ['no KmsKeyIdentifier: silent fallback to an AWS owned key', { name: 'orders', deadLetterConfig: { arn: DLQ } }, 'silently fell back'],
    ['another key', { name: 'orders', kmsKeyIdentifier: 'alias/other', deadLetterConfig: { arn: DLQ } }, 'customer managed key changed'],
    ['the dead-letter queue dropped', { name: 'orders', kmsKeyIdentifier: CMK }, `dead-letter queue ${DLQ} dropped`],
    ['API-style parameter names', { Name: BUS_ARN, KmsKeyIdentifier: CMK, DeadLetterConfig: { Arn: 'arn:aws:sqs:us-east-1:123456789012:other' } }, 'dead-letter queue changed'],
  ])('flags an UpdateEventBus with %s and plans the baseline back', (_label, params, says) => {
    const [finding] = run(busEvent('UpdateEventBus', params), baseline({ kmsKeyIdentifier: CMK, deadLetterArn: DLQ }));
    expect(finding?.evidence.summary).toContain(says);
    expect(finding?.plan).toEqual({ kind: 'restore-bus-encryption', busName: 'orders', settings: { kmsKeyIdentifier: CMK, deadLetterArn: DLQ } });
  });

  it.each([
    ['an update that keeps key and DLQ', busEvent('UpdateEventBus', { name: 'orders', kmsKeyIdentifier: CMK, description: 'new', deadLetterConfig: { arn: DLQ } }), baseline({ kmsKeyIdentifier: CMK, deadLetterArn: DLQ }), policyOf()],
    ['an update of a bus that never had a CMK', busEvent('UpdateEventBus', { name: 'orders', description: 'new' }), baseline({}), policyOf()],
    ['an unprotected bus', busEvent('UpdateEventBus', { name: 'payments' }), NO_BASELINES, policyOf('requireBusCmk: true')],
    ['a CreateEventBus with a CMK where one is required', busEvent('CreateEventBus', { name: 'orders', kmsKeyIdentifier: CMK }), NO_BASELINES, policyOf('requireBusCmk: true')],
    ['a CreateEventBus without a CMK where none is required', busEvent('CreateEventBus', { name: 'orders' }), NO_BASELINES, policyOf()],
  ])('raises nothing for %s', (_label, record, baselines, policy) => {
    expect(run(record, baselines, policy)).toEqual([]);
  });

  it('alerts (nothing to restore) on a CreateEventBus without a CMK when requireBusCmk is on', () => {
    const [finding] = run(busEvent('CreateEventBus', { name: 'orders' }), NO_BASELINES, policyOf('requireBusCmk: true'));
    expect(finding?.title).toBe('event bus orders created without a customer managed key');
    expect(finding?.plan).toBeUndefined();
  });

  it('says "no baseline" for an UpdateEventBus without a CMK when requireBusCmk is on and nothing was captured', () => {
    const [finding] = run(busEvent('UpdateEventBus', { name: 'orders' }), NO_BASELINES, policyOf('requireBusCmk: true'));
    expect(finding?.plan).toMatchObject({ kind: 'restore-bus-encryption', noBaseline: expect.stringContaining('no baseline') });
  });

  it('rechecks the live settings', () => {
    const plan = { kind: 'restore-bus-encryption', busName: 'orders', settings: { kmsKeyIdentifier: CMK, deadLetterArn: DLQ } } as const;
    const change = parseChange(busEvent('UpdateEventBus', { name: 'orders' }));
    const context = { policy: policyOf(), baselines: NO_BASELINES };
    const live = (settings: Record<string, string> | undefined): LiveState => ({ kind: 'event-bus-settings', busName: 'orders', settings });
    expect(recheckOf(busEncryptionDowngraded)(plan, live({ kmsKeyIdentifier: CMK, deadLetterArn: DLQ, description: 'x' }), change, context)).toBeUndefined();
    expect(recheckOf(busEncryptionDowngraded)(plan, live(undefined), change, context)).toBeUndefined();
    expect(recheckOf(busEncryptionDowngraded)(plan, live({ deadLetterArn: DLQ }), change, context)).toEqual(plan);
  });
});
