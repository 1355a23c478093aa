import { cloneWith, fixture } from '../../../test/support/fixtures';
import { NO_BASELINES } from '../../baseline/types';
import { parseChange } from '../../events/parse';
import { parsePolicy } from '../../policy/load';
import { evaluateChange } from '../evaluate';
import { controlIds } from '../registry';
import { responderTampered } from './controls';
import { resourcesTouched, withResponderIdentity } from './resources';

const policyOf = (resources: string[], deployPrincipals: string[] = []) =>
  parsePolicy(`responder:\n  resources: ${JSON.stringify(resources)}\n  deployPrincipals: ${JSON.stringify(deployPrincipals)}\n`, 'test-policy.yml', controlIds);

const run = (record: unknown, resources: string[], deployPrincipals: string[] = []) =>
  evaluateChange(parseChange(record), { policy: policyOf(resources, deployPrincipals), baselines: NO_BASELINES }, [responderTampered]).findings;

describe('responder-tampered', () => {
  it.each([
    ['lambda_UpdateFunctionCode20150331v2_invictus-aws-dataset_1.json', 'arn:aws:lambda:us-east-1:123837392027:function:stratus-red-team-olc-func-*', 'arn:aws:lambda:us-east-1:123837392027:function:stratus-red-team-olc-func-xhfgzaowxc'],
    ['lambda_AddPermission20150331v2_invictus-aws-dataset_1.json', 'arn:aws:lambda:*:*:function:stratus-red-team-backdoor-f-func', 'arn:aws:lambda:us-east-1:123837392027:function:stratus-red-team-backdoor-f-func'],
    ['iam_PutRolePolicy_invictus-aws-dataset_1.json', 'arn:aws:iam::*:role/stratus-red-team-ec2-*', 'arn:aws:iam::123837392027:role/stratus-red-team-ec2-get-password-data-role'],
    ['sqs_SetQueueAttributes_awsdocs-sqs_1.json', 'arn:aws:sqs:*:123456789012:MyQueue', 'arn:aws:sqs:us-east-2:123456789012:MyQueue'],
    ['sns_SetTopicAttributes_streamalert_1.json', 'arn:aws:sns:us-east-1:123456789123:test', 'arn:aws:sns:us-east-1:123456789123:test'],
    ['kms_DisableKey_panther-analysis_1.json', 'arn:aws:kms:us-west-2:123456789012:key/1', 'arn:aws:kms:us-west-2:123456789012:key/1'],
  ])('flags %s on a responder resource as critical', (name, glob, resource) => {
    const findings = run(fixture(name), [glob]);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ control: 'responder-tampered', severity: 'critical', resource });
  });

  it.each([
    ['a resource that is not the responder\'s', fixture('lambda_UpdateFunctionCode20150331v2_invictus-aws-dataset_1.json'), ['arn:aws:lambda:*:*:function:drift-responder-prod-*'], []],
    ['a change by the deploy principal', fixture('lambda_UpdateFunctionCode20150331v2_invictus-aws-dataset_1.json'), ['arn:aws:lambda:*:*:function:*'], ['arn:aws:iam::123837392027:user/bert-jan']],
    ['a failed call', cloneWith('iam_PutRolePolicy_invictus-aws-dataset_1.json', (r) => void (r.errorCode = 'AccessDenied')), ['arn:aws:iam::*:role/*'], []],
    ['any change when the policy names no responder resources', fixture('kms_DisableKey_panther-analysis_1.json'), [], []],
  ])('ignores %s', (_what, record, resources, deployers) => {
    expect(run(record, resources, deployers)).toEqual([]);
  });

  it.each([
    ['an EventBridge rule on the default bus', { eventSource: 'events.amazonaws.com', eventName: 'DisableRule', requestParameters: { name: 'drift-responder-ci-events' } }, 'arn:aws:events:us-east-1:123456789012:rule/drift-responder-ci-events'],
    ['an EventBridge target removal on a custom bus', { eventSource: 'events.amazonaws.com', eventName: 'RemoveTargets', requestParameters: { rule: 'r', eventBusName: 'orders', ids: ['t'] } }, 'arn:aws:events:us-east-1:123456789012:rule/orders/r'],
    ['an SNS unsubscription (the topic of the subscription)', { eventSource: 'sns.amazonaws.com', eventName: 'Unsubscribe', requestParameters: { subscriptionArn: 'arn:aws:sns:us-east-1:123456789012:drift-responder-ci-alerts:2f1c9d7e' } }, 'arn:aws:sns:us-east-1:123456789012:drift-responder-ci-alerts'],
    ['a DynamoDB table', { eventSource: 'dynamodb.amazonaws.com', eventName: 'DeleteTable', requestParameters: { tableName: 'drift-responder-ci-state' } }, 'arn:aws:dynamodb:us-east-1:123456789012:table/drift-responder-ci-state'],
    ['the sweep\'s schedule (default group)', { eventSource: 'scheduler.amazonaws.com', eventName: 'UpdateSchedule', requestParameters: { name: 'drift-responder-ci-sweep', state: 'DISABLED' } }, 'arn:aws:scheduler:us-east-1:123456789012:schedule/default/drift-responder-ci-sweep'],
    ['a schedule of a named group', { eventSource: 'scheduler.amazonaws.com', eventName: 'DeleteSchedule', requestParameters: { name: 's', groupName: 'ops' } }, 'arn:aws:scheduler:us-east-1:123456789012:schedule/ops/s'],
    ['a Lambda function by a partial ARN with a qualifier', { eventSource: 'lambda.amazonaws.com', eventName: 'PutFunctionConcurrency20171031', requestParameters: { functionName: '123456789012:function:drift-responder-ci-responder:live' } }, 'arn:aws:lambda:us-east-1:123456789012:function:drift-responder-ci-responder'],
  ])('names the resource of %s', (_what, fields, arn) => {
    const record = cloneWith('events_PutRule_awsdocs-eventbridge_1.json', (r) => void Object.assign(r, fields));
    expect(resourcesTouched(parseChange(record))).toContain(arn);
  });

  it('flags the sweep\'s schedule deleted by someone other than the deploy principal, and not by the deploy principal', () => {
    // A clone of the AWS docs PutRule record (root of 123456789012), as EventBridge Scheduler would log DeleteSchedule.
    const record = cloneWith('events_PutRule_awsdocs-eventbridge_1.json', (r) => void Object.assign(r, { eventSource: 'scheduler.amazonaws.com', eventName: 'DeleteSchedule', requestParameters: { name: 'drift-responder-ci-sweep' }, responseElements: null }));
    const own = ['arn:aws:scheduler:us-east-1:123456789012:schedule/default/drift-responder-ci-*'];
    expect(run(record, own).map((f) => [f.control, f.severity, f.resource])).toEqual([
      ['responder-tampered', 'critical', 'arn:aws:scheduler:us-east-1:123456789012:schedule/default/drift-responder-ci-sweep'],
    ]);
    expect(run(record, own, ['arn:aws:iam::123456789012:root'])).toEqual([]);
  });

  it('adds the stack\'s own resources and deploy principals from the environment to the policy', () => {
    const merged = withResponderIdentity(policyOf(['arn:aws:sqs:*:*:extra']), {
      RESPONDER_RESOURCES: 'arn:aws:lambda:us-east-1:1:function:drift-responder-ci-*, arn:aws:iam::1:role/drift-responder-ci-*',
      DEPLOY_PRINCIPALS: 'arn:aws:iam::1:role/deployer',
    });
    expect(merged.responder).toEqual({
      resources: ['arn:aws:sqs:*:*:extra', 'arn:aws:lambda:us-east-1:1:function:drift-responder-ci-*', 'arn:aws:iam::1:role/drift-responder-ci-*'],
      deployPrincipals: ['arn:aws:iam::1:role/deployer'],
    });
  });
});
