import { parseChange } from '../events/parse';
import { cloneWith, fixture } from '../../test/support/fixtures';
import { taggableResourceOf } from './resources';

describe('taggableResourceOf', () => {
  test.each([
    ['PutRule (AWS docs)', 'events_PutRule_awsdocs-eventbridge_1.json', { kind: 'rule', arn: 'arn:aws:events:us-east-1:123456789012:rule/cttest2' }],
    ['DisableRule', 'events_DisableRule_synthetic-awsdocs-putrule-clone_1.json', { kind: 'rule', arn: 'arn:aws:events:us-east-1:123456789012:rule/cttest2' }],
    ['DeleteRule (Elastic)', 'events_DeleteRule_elastic-integrations_1.json', { kind: 'rule', arn: 'arn:aws:events:us-east-1:000000000:rule/DailyLambdaFunction' }],
    ['PutPermission (legacy form, default bus)', 'events_PutPermission_synthetic-awsdocs-putrule-clone_1.json', { kind: 'event-bus', arn: 'arn:aws:events:us-east-1:123456789012:event-bus/default' }],
    ['DisableKey (AWS docs: key named by id, ARN in resources)', 'kms_DisableKey_awsdocs-kms_1.json', { kind: 'key', arn: 'arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab' }],
    ['SetQueueAttributes (AWS docs)', 'sqs_SetQueueAttributes_awsdocs-sqs_1.json', { kind: 'queue', arn: 'arn:aws:sqs:us-east-2:123456789012:MyQueue', url: 'https://sqs.us-east-2.amazon.com/123456789012/MyQueue' }],
    ['StopLogging (Panther: trail named by ARN)', 'cloudtrail_StopLogging_panther-analysis_1.json', { kind: 'trail', arn: 'arn:aws:cloudtrail:us-west-2:123456789012:trail/example-trail' }],
  ])('%s names the resource its findings name', (_case, name, expected) => {
    expect(taggableResourceOf(parseChange(fixture(name)))).toEqual(expected);
  });

  test('SetTopicAttributes names its topic', () => {
    const change = parseChange(fixture('sns_SetTopicAttributes_streamalert_1.json'));

    expect(taggableResourceOf(change)).toEqual({ kind: 'topic', arn: change.requestParameters.topicArn });
  });

  test('an IAM grant has no taggable resource (tag rules steer buses, rules, keys, queues, trails and topics)', () => {
    expect(taggableResourceOf(parseChange(fixture('iam_AttachRolePolicy_invictus-aws-dataset_1.json')))).toBeUndefined();
  });

  test('a key of another account has no taggable resource (not ours to read or fix)', () => {
    const record = cloneWith('kms_DisableKey_awsdocs-kms_1.json', (r) => (r.recipientAccountId = '444455556666'));

    expect(taggableResourceOf(parseChange(record))).toBeUndefined();
  });
});
