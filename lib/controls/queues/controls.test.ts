import { cloneWith, fixture } from '../../../test/support/fixtures';
import { NO_BASELINES, type BaselineLookup } from '../../baseline/types';
import { parseChange } from '../../events/parse';
import { parsePolicy } from '../../policy/load';
import { controlIds } from '../registry';
import type { Control, LiveState } from '../types';
import { queueDeleted, queueEncryptionRemoved, queuePolicyPublic, queueRetentionReduced } from './controls';
import { queueOf } from './queues';
import { SQS_QUEUE_BASELINE } from './types';

/** A control's recheck, called as the pipeline calls it (plan, live, change, context). */
const recheckOf = (control: Control) => control.recheck!;

const policy = parsePolicy('trustedAccounts: ["444455556666"]\norganizationId: o-a1b2c3d4e5\nprotect: { queues: ["*-dlq", "tmp"] }\nminimumDlqRetentionSeconds: 604800\n', 'test-policy.yml', controlIds);
const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789123/orders-dlq';
const QUEUE_ARN = 'arn:aws:sqs:us-east-1:123456789123:orders-dlq';

/** The real StreamAlert SetQueueAttributes record, on a protected DLQ, writing these attributes. */
const setAttributes = (attributes: Record<string, unknown>, queueUrl = QUEUE_URL) =>
  cloneWith('sqs_SetQueueAttributes_streamalert_1.json', (r) => {
    r.requestParameters = { attributes, queueUrl };
  });

function baseline(attributes: Record<string, string>): BaselineLookup {
  return new Map([[QUEUE_ARN, { resource: QUEUE_ARN, kind: SQS_QUEUE_BASELINE, definition: { url: QUEUE_URL, attributes }, capturedAt: '', source: 'snapshot' }]]);
}

const run = (control: Control, record: unknown, baselines: BaselineLookup = NO_BASELINES) => control.evaluate(parseChange(record), { policy, baselines });
const CMK = 'arn:aws:kms:us-east-1:123456789123:key/1234abcd-12ab-34cd-56ef-1234567890ab';

describe('which queue an SQS record names', () => {
  it.each([
    ['https://sqs.us-east-2.amazonaws.com/123456789012/MyQueue', 'arn:aws:sqs:us-east-2:123456789012:MyQueue'],
    ['https://us-west-1.queue.amazonaws.com/123456789012/legacy', 'arn:aws:sqs:us-west-1:123456789012:legacy'],
    ['http://localhost:5000/123456789012/emulated', 'arn:aws:sqs:us-east-2:123456789012:emulated'], // region from the record,
  ])('reads %s as %s', (queueUrl, arn) => {
    const record = cloneWith('sqs_DeleteQueue_awsdocs-sqs_1.json', (r) => void (r.requestParameters.queueUrl = queueUrl));
    expect(queueOf(parseChange(record))?.arn).toBe(arn);
  });
});

describe('queue-policy-public', () => {
  it('flags the real StreamAlert record that opens queue "tmp" to everyone', () => {
    const [finding] = run(queuePolicyPublic, fixture('sqs_SetQueueAttributes_streamalert_1.json'));
    expect(finding?.resource).toBe('arn:aws:sqs:us-east-1:123456789123:tmp');
    expect(finding?.plan).toMatchObject({ kind: 'remove-queue-statements', queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789123/tmp', statements: [{ Sid: 'Sid1562723107715' }] });
  });

  it('ignores the real Panther record, which names no queue', () => {
    expect(run(queuePolicyPublic, fixture('sqs_SetQueueAttributes_panther-analysis_1.json'))).toEqual([]);
  });

  it('flags only the unconditioned statement of the Panther policy (an object, not a string) on a protected queue', () => {
    const record = cloneWith('sqs_SetQueueAttributes_panther-analysis_1.json', (r) => void (r.requestParameters.queueUrl = QUEUE_URL));
    const record2 = cloneWith('sqs_SetQueueAttributes_panther-analysis_1.json', (r) => {
      r.requestParameters.queueUrl = QUEUE_URL;
      r.requestParameters.attributes.Policy.Statement[0].Condition.StringEquals['aws:PrincipalOrgID'] = 'o-a1b2c3d4e5';
    });
    expect(run(queuePolicyPublic, record)[0]?.evidence.statements).toHaveLength(2); // o-test123456 is not our organization
    expect(run(queuePolicyPublic, record2)[0]?.evidence.statements).toEqual([{ Effect: 'Allow', Principal: '*', Action: 'sqs:SendMessage', Resource: '*' }]);
  });

  it.each([
    ['an unprotected queue', setAttributes({ Policy: JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: 'sqs:SendMessage' }] }) }, 'https://sqs.us-east-1.amazonaws.com/123456789123/orders')],
    ['a policy for a trusted account', setAttributes({ Policy: JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: '444455556666' }, Action: 'sqs:SendMessage' }] }) })],
    ['a service principal limited to this account', setAttributes({ Policy: JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage', Condition: { ArnEquals: { 'aws:SourceArn': 'arn:aws:events:us-east-1:123456789123:rule/r' } } }] }) })],
    ['a change that sets no policy (the real AWS docs record)', fixture('sqs_SetQueueAttributes_awsdocs-sqs_1.json')],
  ])('raises nothing for %s', (_label, record) => {
    expect(run(queuePolicyPublic, record)).toEqual([]);
  });

  it('flags an untrusted account', () => {
    const [finding] = run(queuePolicyPublic, setAttributes({ Policy: JSON.stringify({ Statement: [{ Sid: 'x', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999988887777:root' }, Action: 'sqs:ReceiveMessage' }] }) }));
    expect(finding?.title).toContain('grants 999988887777');
  });

  it('rechecks: only offending statements still on the queue', () => {
    const change = parseChange(fixture('sqs_SetQueueAttributes_streamalert_1.json'));
    const [finding] = queuePolicyPublic.evaluate(change, { policy, baselines: NO_BASELINES });
    const live = (statements: unknown[]): LiveState => ({ kind: 'sqs-queue', queueUrl: 'u', attributes: { Policy: JSON.stringify({ Statement: statements }) } });
    const context = { policy, baselines: NO_BASELINES };
    expect(recheckOf(queuePolicyPublic)(finding!.plan!, live([]), change, context)).toBeUndefined();
    expect(recheckOf(queuePolicyPublic)(finding!.plan!, live([{ Sid: 'Sid1562723107715', Effect: 'Allow', Principal: { AWS: '444455556666' }, Action: 'sqs:*' }]), change, context)).toBeUndefined();
    expect(recheckOf(queuePolicyPublic)(finding!.plan!, live([{ Sid: 'Sid1562723107715', Effect: 'Allow', Principal: '*', Action: 'sqs:*' }]), change, context)).toBeDefined();
  });
});

describe('queue-encryption-removed', () => {
  it.each([
    ['KmsMasterKeyId ""', { KmsMasterKeyId: '' }, undefined, 'server-side encryption removed'],
    ['SqsManagedSseEnabled "false" on an SSE-SQS queue', { SqsManagedSseEnabled: 'false' }, { SqsManagedSseEnabled: 'true' }, 'server-side encryption removed'],
    ['SSE-SQS replacing a customer managed key', { SqsManagedSseEnabled: 'true' }, { KmsMasterKeyId: CMK }, 'replaced by the SQS owned key'],
    ['the AWS managed key replacing a customer managed key', { KmsMasterKeyId: 'alias/aws/sqs' }, { KmsMasterKeyId: CMK }, 'replaced by the AWS managed key'],
    ['another key', { KmsMasterKeyId: 'alias/other' }, { KmsMasterKeyId: CMK }, 'KMS key changed'],
  ])('flags %s', (_label, written, before, says) => {
    const [finding] = run(queueEncryptionRemoved, setAttributes(written), before ? baseline(before) : NO_BASELINES);
    expect(finding?.title).toContain(says);
  });

  it.each([
    ['the real AWS docs record (VisibilityTimeout only)', fixture('sqs_SetQueueAttributes_awsdocs-sqs_1.json'), NO_BASELINES],
    ['SSE-SQS turned on for an unencrypted queue', setAttributes({ SqsManagedSseEnabled: true }), baseline({ SqsManagedSseEnabled: 'false' })],
    ['the same key set again', setAttributes({ KmsMasterKeyId: CMK }), baseline({ KmsMasterKeyId: CMK })],
    ['SqsManagedSseEnabled false on a KMS queue (the key stays)', setAttributes({ SqsManagedSseEnabled: 'false' }), baseline({ KmsMasterKeyId: CMK })],
    ['an unprotected queue', setAttributes({ KmsMasterKeyId: '' }, 'https://sqs.us-east-1.amazonaws.com/123456789123/orders'), NO_BASELINES],
  ])('raises nothing for %s', (_label, record, baselines) => {
    expect(run(queueEncryptionRemoved, record, baselines)).toEqual([]);
  });

  it('plans the baseline key and reuse period back', () => {
    const [finding] = run(queueEncryptionRemoved, setAttributes({ KmsMasterKeyId: '' }), baseline({ KmsMasterKeyId: CMK, KmsDataKeyReusePeriodSeconds: '300', MessageRetentionPeriod: '1209600' }));
    expect(finding?.plan).toEqual({ kind: 'restore-queue-attributes', queueUrl: QUEUE_URL, queueArn: QUEUE_ARN, setting: 'encryption', attributes: { KmsMasterKeyId: CMK, KmsDataKeyReusePeriodSeconds: '300' } });
  });

  it('says "no baseline" when the previous encryption is unknown', () => {
    const [finding] = run(queueEncryptionRemoved, setAttributes({ KmsMasterKeyId: '' }));
    expect(finding?.plan).toMatchObject({ noBaseline: expect.stringContaining('no baseline') });
    expect(finding?.plan).not.toHaveProperty('attributes');
  });

  it('rechecks against the live encryption', () => {
    const plan = { kind: 'restore-queue-attributes', queueUrl: QUEUE_URL, queueArn: QUEUE_ARN, setting: 'encryption', attributes: { KmsMasterKeyId: CMK } } as const;
    const change = parseChange(setAttributes({ KmsMasterKeyId: '' }));
    const context = { policy, baselines: NO_BASELINES };
    const live = (attributes: Record<string, string> | undefined): LiveState => ({ kind: 'sqs-queue', queueUrl: QUEUE_URL, attributes });
    expect(recheckOf(queueEncryptionRemoved)(plan, live({ KmsMasterKeyId: CMK }), change, context)).toBeUndefined();
    expect(recheckOf(queueEncryptionRemoved)(plan, live(undefined), change, context)).toBeUndefined();
    expect(recheckOf(queueEncryptionRemoved)(plan, live({ SqsManagedSseEnabled: 'false' }), change, context)).toEqual(plan);
  });
});

describe('queue-retention-reduced', () => {
  it.each([
    ['a string', '60'],
    ['a number', 3600],
  ])('flags retention below the policy minimum, written as %s', (_label, value) => {
    const [finding] = run(queueRetentionReduced, setAttributes({ MessageRetentionPeriod: value }));
    expect(finding?.plan).toMatchObject({ kind: 'restore-queue-attributes', setting: 'retention', attributes: { MessageRetentionPeriod: '604800' } });
  });

  it('restores the baseline retention when it is above the minimum', () => {
    const [finding] = run(queueRetentionReduced, setAttributes({ MessageRetentionPeriod: '60' }), baseline({ MessageRetentionPeriod: '1209600' }));
    expect(finding?.plan).toMatchObject({ attributes: { MessageRetentionPeriod: '1209600' } });
  });

  it.each([
    ['retention at the minimum', setAttributes({ MessageRetentionPeriod: '604800' })],
    ['a change without retention (the real AWS docs record)', fixture('sqs_SetQueueAttributes_awsdocs-sqs_1.json')],
  ])('raises nothing for %s', (_label, record) => {
    expect(run(queueRetentionReduced, record)).toEqual([]);
  });
});

describe('queue-deleted', () => {
  it.each([
    ['DeleteQueue', 'deleted'],
    ['PurgeQueue', 'purged'],
  ])('alerts on %s of a protected queue, with no remediation', (eventName, says) => {
    const record = cloneWith('sqs_DeleteQueue_awsdocs-sqs_1.json', (r) => {
      r.eventName = eventName;
      r.requestParameters.queueUrl = 'https://sqs.us-east-2.amazonaws.com/123456789012/payments-dlq';
    });
    const [finding] = run(queueDeleted, record);
    expect(finding?.title).toBe(`queue payments-dlq ${says}`);
    expect(finding?.resource).toBe('arn:aws:sqs:us-east-2:123456789012:payments-dlq');
    expect(finding?.plan).toBeUndefined();
  });

  it('ignores the real DeleteQueue of an unprotected queue', () => {
    expect(run(queueDeleted, fixture('sqs_DeleteQueue_awsdocs-sqs_1.json'))).toEqual([]);
  });
});
