/**
 * AWS managed policies whose default version grants EventBridge administrative actions
 * over all resources, or iam:PassRole on all roles, each with what it grants.
 *
 * Source: the AWS Managed Policy Reference Guide,
 * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/policy-list.html (one page
 * per policy, e.g. .../reference/AmazonEventBridgeFullAccess.html). The list was made by
 * running lib/iam/grants.ts over every AWS managed policy document (the catalogue moto 5.2.5
 * ships in moto/iam/aws_managed_policies.py, a copy of that reference: 1,582 policies), then
 * checked by hand against the reference pages for AdministratorAccess, PowerUserAccess,
 * AmazonEventBridgeFullAccess and CloudWatchEventsFullAccess. AmazonEventBridgeFullAccess's
 * iam:PassRole is limited to events.amazonaws.com by a condition, so it is not listed for it.
 * An AWS managed policy not listed here grants none of these actions over all resources.
 */
const EVENTBRIDGE_ADMIN = [
  'events:PutPermission',
  'events:RemovePermission',
  'events:PutRule',
  'events:DeleteRule',
  'events:DisableRule',
  'events:PutTargets',
  'events:RemoveTargets',
  'events:CreateEventBus',
  'events:DeleteEventBus',
  'events:UpdateEventBus',
] as const;

/** Keyed by the policy's path and name, as in `arn:aws:iam::aws:policy/<path/name>`. */
export const AWS_MANAGED_OVERGRANTS: Readonly<Record<string, readonly string[]>> = {
  AdministratorAccess: [...EVENTBRIDGE_ADMIN, 'iam:PassRole'],
  PowerUserAccess: EVENTBRIDGE_ADMIN,
  AmazonEventBridgeFullAccess: EVENTBRIDGE_ADMIN,
  CloudWatchEventsFullAccess: EVENTBRIDGE_ADMIN,
  'job-function/SystemAdministrator': EVENTBRIDGE_ADMIN,
  AIDevOpsAgentActionsPolicy: EVENTBRIDGE_ADMIN,
  SageMakerStudioAdminIAMPermissiveExecutionPolicy: EVENTBRIDGE_ADMIN,
  SageMakerStudioUserIAMPermissiveExecutionPolicy: EVENTBRIDGE_ADMIN,
  SageMakerStudioAdminIAMDefaultExecutionPolicy: ['events:PutRule', 'events:PutTargets'],
  AWSCodeBuildAdminAccess: ['events:PutRule', 'events:DeleteRule', 'events:DisableRule', 'events:PutTargets', 'events:RemoveTargets'],
  AmazonECS_FullAccess: ['events:PutRule', 'events:DeleteRule', 'events:PutTargets', 'events:RemoveTargets'],
  IAMFullAccess: ['iam:PassRole'],
  'AdministratorAccess-Amplify': ['iam:PassRole'],
  AmazonDynamoDBFullAccesswithDataPipeline: ['iam:PassRole'],
  AmazonElasticMapReduceFullAccess: ['iam:PassRole'],
  'service-role/AWSElasticBeanstalkService': ['iam:PassRole'],
  'service-role/AmazonElasticMapReduceRole': ['iam:PassRole'],
};

/** The path and name of an AWS managed policy ARN (`arn:aws:iam::aws:policy/job-function/X` → `job-function/X`), or undefined. */
export function awsManagedPolicyName(policyArn: string): string | undefined {
  const match = /^arn:[^:]+:iam::aws:policy\/(.+)$/.exec(policyArn);
  return match?.[1];
}
