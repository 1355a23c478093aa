import type { Change } from '../../events/change';
import type { Policy } from '../../policy/schema';
import { asArray, isRecord } from '../../util/json';
import { textParam } from '../params';

/**
 * The management events that change what the responder is made of: its functions,
 * roles, rules and targets, alert topic, queues, tables and key. Lambda's CloudTrail
 * event names carry the API version (Lambda developer guide, "Logging Lambda API calls").
 */
export const SELF_TRIGGERS = [
  {
    eventSource: 'lambda.amazonaws.com',
    eventNames: [
      'AddPermission20150331v2',
      'CreateFunctionUrlConfig',
      'DeleteFunction20150331',
      'DeleteFunctionConcurrency20171031',
      'DeleteFunctionEventInvokeConfig',
      'PutFunctionConcurrency20171031',
      'PutFunctionEventInvokeConfig',
      'RemovePermission20150331v2',
      'UpdateFunctionCode20150331v2',
      'UpdateFunctionConfiguration20150331v2',
      'UpdateFunctionEventInvokeConfig',
      'UpdateFunctionUrlConfig',
    ],
  },
  {
    // IAM is global: its events reach EventBridge only in us-east-1.
    eventSource: 'iam.amazonaws.com',
    eventNames: [
      'AttachRolePolicy',
      'DeleteRole',
      'DeleteRolePermissionsBoundary',
      'DeleteRolePolicy',
      'DetachRolePolicy',
      'PutRolePermissionsBoundary',
      'PutRolePolicy',
      'UpdateAssumeRolePolicy',
    ],
  },
  { eventSource: 'events.amazonaws.com', eventNames: ['DeleteRule', 'DisableRule', 'PutRule', 'PutTargets', 'RemoveTargets'] },
  { eventSource: 'sns.amazonaws.com', eventNames: ['AddPermission', 'DeleteTopic', 'RemovePermission', 'SetTopicAttributes', 'Unsubscribe'] },
  { eventSource: 'sqs.amazonaws.com', eventNames: ['AddPermission', 'DeleteQueue', 'PurgeQueue', 'RemovePermission', 'SetQueueAttributes'] },
  {
    eventSource: 'dynamodb.amazonaws.com',
    eventNames: ['DeleteResourcePolicy', 'DeleteTable', 'PutResourcePolicy', 'UpdateContinuousBackups', 'UpdateTable', 'UpdateTimeToLive'],
  },
  { eventSource: 'kms.amazonaws.com', eventNames: ['DisableKey', 'PutKeyPolicy', 'ScheduleKeyDeletion'] },
  // The reconciliation sweep's schedule: deleting or disabling it stops the sweeps, and nothing
  // else would notice (EventBridge Scheduler events reach EventBridge as source aws.scheduler).
  { eventSource: 'scheduler.amazonaws.com', eventNames: ['DeleteSchedule', 'UpdateSchedule'] },
] as const;

function partitionOf(change: Change): string {
  return /^arn:(aws[\w-]*):/.exec(change.actor.arn ?? '')?.[1] ?? 'aws';
}

function lambdaArn(change: Change, p: string, functionName: string): string {
  // A name, a partial ARN (123456789012:function:name) or an ARN, each maybe with :qualifier.
  const arn = /^(arn:[^:]+:lambda:[^:]+:\d{12}:function:[^:]+)/.exec(functionName)?.[1];
  if (arn) return arn;
  const partial = /^(\d{12}):function:([^:]+)/.exec(functionName);
  if (partial) return `arn:${p}:lambda:${change.region}:${partial[1]}:function:${partial[2]}`;
  return `arn:${p}:lambda:${change.region}:${change.account}:function:${functionName.split(':')[0]}`;
}

function ruleArn(change: Change, p: string, rule: string, bus: string | undefined): string {
  if (rule.startsWith('arn:')) return rule;
  const busName = bus?.startsWith('arn:') ? bus.split('/').pop() : bus;
  const path = busName && busName !== 'default' ? `${busName}/${rule}` : rule;
  return `arn:${p}:events:${change.region}:${change.account}:rule/${path}`;
}

function queueArn(change: Change, p: string, queueUrl: string): string | undefined {
  const match = /^https?:\/\/[^/]+\/(\d{12})\/([^/?]+)/.exec(queueUrl);
  if (!match) return undefined;
  const region = /sqs[.-]([a-z0-9-]+)\.amazonaws/.exec(queueUrl)?.[1] ?? change.region;
  return `arn:${p}:sqs:${region}:${match[1]}:${match[2]}`;
}

function kmsArn(change: Change, p: string, keyId: string): string {
  if (keyId.startsWith('arn:')) return keyId;
  if (keyId.startsWith('alias/')) return `arn:${p}:kms:${change.region}:${change.account}:${keyId}`;
  return `arn:${p}:kms:${change.region}:${change.account}:key/${keyId}`;
}

/** The ARNs of the resources a change acts on, as far as its request and `resources` tell. */
export function resourcesTouched(change: Change): string[] {
  const p = partitionOf(change);
  const rp = change.requestParameters;
  const found: Array<string | undefined> = asArray(change.record.resources as unknown[])
    .filter(isRecord)
    .map((r) => textParam(r, 'ARN'));
  switch (change.eventSource) {
    case 'lambda.amazonaws.com': {
      const name = textParam(rp, 'functionName');
      if (name) found.push(lambdaArn(change, p, name));
      break;
    }
    case 'iam.amazonaws.com': {
      const role = textParam(rp, 'roleName');
      if (role) found.push(`arn:${p}:iam::${change.account}:role/${role}`);
      break;
    }
    case 'events.amazonaws.com': {
      const rule = textParam(rp, 'name') ?? textParam(rp, 'rule');
      if (rule) found.push(ruleArn(change, p, rule, textParam(rp, 'eventBusName')));
      break;
    }
    case 'sns.amazonaws.com': {
      found.push(textParam(rp, 'topicArn'));
      const subscription = textParam(rp, 'subscriptionArn');
      if (subscription) found.push(subscription.split(':').slice(0, 6).join(':'));
      break;
    }
    case 'sqs.amazonaws.com': {
      const url = textParam(rp, 'queueUrl');
      if (url) found.push(queueArn(change, p, url));
      break;
    }
    case 'dynamodb.amazonaws.com': {
      const table = textParam(rp, 'tableName') ?? textParam(rp, 'resourceArn');
      if (table) found.push(table.startsWith('arn:') ? table.replace(/(:table\/[^/]+).*$/, '$1') : `arn:${p}:dynamodb:${change.region}:${change.account}:table/${table}`);
      break;
    }
    case 'kms.amazonaws.com': {
      const key = textParam(rp, 'keyId');
      if (key) found.push(kmsArn(change, p, key));
      break;
    }
    case 'scheduler.amazonaws.com': {
      // A schedule without a group is in the account's `default` group.
      const name = textParam(rp, 'name');
      if (name) found.push(`arn:${p}:scheduler:${change.region}:${change.account}:schedule/${textParam(rp, 'groupName') ?? 'default'}/${name}`);
      break;
    }
  }
  return [...new Set(found.filter((a): a is string => typeof a === 'string' && a !== ''))];
}

const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * The deployed stack names its own resources and its deploy principals in the
 * environment (RESPONDER_RESOURCES, DEPLOY_PRINCIPALS, comma-separated ARN globs);
 * they are added to what the policy file's `responder` section lists.
 */
export function withResponderIdentity(policy: Policy, env: NodeJS.ProcessEnv): Policy {
  const resources = list(env.RESPONDER_RESOURCES);
  const deployPrincipals = list(env.DEPLOY_PRINCIPALS);
  if (resources.length === 0 && deployPrincipals.length === 0) return policy;
  return {
    ...policy,
    responder: {
      resources: [...policy.responder.resources, ...resources],
      deployPrincipals: [...policy.responder.deployPrincipals, ...deployPrincipals],
    },
  };
}

export function isSelfTrigger(change: Change): boolean {
  return SELF_TRIGGERS.some((t) => t.eventSource === change.eventSource && (t.eventNames as readonly string[]).includes(change.eventName));
}

