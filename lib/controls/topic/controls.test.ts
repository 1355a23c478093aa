import { cloneWith, fixture } from '../../../test/support/fixtures';
import { NO_BASELINES, type BaselineLookup } from '../../baseline/types';
import { parseChange } from '../../events/parse';
import { parsePolicy } from '../../policy/load';
import { controlIds } from '../registry';
import type { Control, LiveState } from '../types';
import { topicTampered } from './controls';
import { SNS_TOPIC_BASELINE } from './types';

/** A control's recheck, called as the pipeline calls it (plan, live, change, context). */
const recheckOf = (control: Control) => control.recheck!;

const TOPIC = 'arn:aws:sns:us-east-1:123456789123:test';
const policy = parsePolicy(`protect: { topics: ["${TOPIC}"] }\n`, 'test-policy.yml', controlIds);
const unprotected = parsePolicy('{}', 'test-policy.yml', controlIds);
const CMK = 'arn:aws:kms:us-east-1:123456789123:key/1234abcd-12ab-34cd-56ef-1234567890ab';

const baseline = (attributes: Record<string, string>): BaselineLookup =>
  new Map([[TOPIC, { resource: TOPIC, kind: SNS_TOPIC_BASELINE, definition: { attributes }, capturedAt: '', source: 'snapshot' }]]);

const run = (record: unknown, baselines: BaselineLookup = NO_BASELINES, p = policy) => topicTampered.evaluate(parseChange(record), { policy: p, baselines });

/** The real StreamAlert SetTopicAttributes record, writing another attribute. */
const setAttribute = (attributeName: string, attributeValue: string) =>
  cloneWith('sns_SetTopicAttributes_streamalert_1.json', (r) => {
    r.requestParameters = { attributeName, topicArn: TOPIC, attributeValue };
  });

describe('topic-tampered', () => {
  it('accepts the real default topic policy (Principal * limited by AWS:SourceOwner to the owner)', () => {
    expect(run(fixture('sns_SetTopicAttributes_streamalert_1.json'))).toEqual([]);
  });

  it('flags the real record that opens the topic to everyone, and plans removing only those statements', () => {
    const [finding] = run(fixture('sns_SetTopicAttributes_streamalert_2.json'));
    expect(finding?.title).toBe('topic test policy opened to any AWS principal');
    expect(finding?.plan).toMatchObject({ kind: 'restore-topic-attributes', topicArn: TOPIC });
    expect(finding?.plan?.kind === 'restore-topic-attributes' && finding.plan.removeStatements?.map((s) => s.Sid)).toEqual(['__console_pub_0', '__console_sub_0']);
  });

  it('ignores a topic that is not protected', () => {
    expect(run(fixture('sns_SetTopicAttributes_streamalert_2.json'), NO_BASELINES, unprotected)).toEqual([]);
  });

  it('flags removed encryption and plans the baseline key back', () => {
    const [finding] = run(setAttribute('KmsMasterKeyId', ''), baseline({ KmsMasterKeyId: CMK }));
    expect(finding?.title).toBe('topic test encryption removed');
    expect(finding?.plan).toEqual({ kind: 'restore-topic-attributes', topicArn: TOPIC, kmsMasterKeyId: CMK });
  });

  it('says "no baseline" for removed encryption when the previous key is unknown', () => {
    const [finding] = run(setAttribute('KmsMasterKeyId', ''));
    expect(finding?.plan).toMatchObject({ noBaseline: expect.stringContaining('no baseline') });
  });

  it.each([
    ['a key change compared with its baseline', setAttribute('KmsMasterKeyId', 'alias/aws/sns'), baseline({ KmsMasterKeyId: CMK }), 1],
    ['the baseline key set again', setAttribute('KmsMasterKeyId', CMK), baseline({ KmsMasterKeyId: CMK }), 0],
    ['a display name', setAttribute('DisplayName', 'alerts'), NO_BASELINES, 0],
  ])('judges %s', (_label, record, baselines, count) => {
    expect(run(record, baselines)).toHaveLength(count);
  });

  it.each([
    ['DeleteTopic', { topicArn: TOPIC }, 'topic test deleted'],
    ['Unsubscribe', { subscriptionArn: `${TOPIC}:c3019def-3714-403e-ba29-eb14079d5c69` }, 'subscription removed from topic test'],
  ])('alerts on %s of the topic without remediation', (eventName, requestParameters, title) => {
    const record = cloneWith('sns_SetTopicAttributes_streamalert_1.json', (r) => {
      r.eventName = eventName;
      r.requestParameters = requestParameters;
    });
    const [finding] = run(record);
    expect(finding).toMatchObject({ resource: TOPIC, title });
    expect(finding?.plan).toBeUndefined();
  });

  it('rechecks: acts only on statements still in the live policy, or while the key is still missing', () => {
    const change = parseChange(fixture('sns_SetTopicAttributes_streamalert_2.json'));
    const [finding] = topicTampered.evaluate(change, { policy, baselines: NO_BASELINES });
    const context = { policy, baselines: NO_BASELINES };
    const live = (attributes: Record<string, string>): LiveState => ({ kind: 'sns-topic', topicArn: TOPIC, attributes });
    const defaultOnly = JSON.stringify({ Statement: [{ Sid: '__default_statement_ID', Effect: 'Allow', Principal: { AWS: '*' }, Action: 'SNS:Publish', Condition: { StringEquals: { 'AWS:SourceOwner': '123456789123' } } }] });
    expect(recheckOf(topicTampered)(finding!.plan!, live({ Policy: defaultOnly }), change, context)).toBeUndefined();
    expect(recheckOf(topicTampered)(finding!.plan!, live({ Policy: change.requestParameters.attributeValue as string }), change, context)).toBeDefined();
    const keyPlan = { kind: 'restore-topic-attributes', topicArn: TOPIC, kmsMasterKeyId: CMK } as const;
    expect(recheckOf(topicTampered)(keyPlan, live({ KmsMasterKeyId: CMK }), change, context)).toBeUndefined();
    expect(recheckOf(topicTampered)(keyPlan, live({}), change, context)).toEqual(keyPlan);
  });
});
