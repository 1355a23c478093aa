import { vpcEndpointAdapter } from '../aws/ec2-endpoints';
import { randomUUID } from 'node:crypto';
import { cloudTrailAdapter } from '../aws/cloudtrail';
import { cloudTrailService, dynamoDbService, ec2Service, eventBridgeService, iamService, kmsService, snsService, sqsService } from '../aws/wire/services';
import { eventRulesAdapter } from '../aws/event-rules';
import { kmsAdapter } from '../aws/kms';
import { snsTopicAdapter } from '../aws/sns-topic';
import { sqsAdapter } from '../aws/sqs';
import { dynamoDbBaselineCatalog, dynamoDbCheckpointStore, eventBridgeDestinationsAdapter, iamInventoryAdapter, kmsGrantsAdapter, topicSubscriptionsAdapter } from '../aws/sweep-readers';
import { dynamoDbBaselineStore } from '../baseline/dynamodb';
import type { ResponderDeps } from '../responder/respond';
import { ConfigurationError, depsFromEnvironment } from '../responder/wiring';
import { tokenBucket } from '../util/token-bucket';
import { wireConfig } from '../aws/wire/client';
import type { CheckpointStore, SweepReaders } from './ports';
import { rateLimited } from './rate-limit';
import type { SweepDeps } from './sweep';

/**
 * EventBridge's control plane allows 50 requests a second per account and region for most of its
 * APIs (ListRules, DescribeRule, ListTargetsByRule, ...: EventBridge quotas). The sweep keeps below
 * that by default, leaving room for the responder's own calls; SWEEP_EVENTBRIDGE_RPS changes it.
 */
export const DEFAULT_EVENTBRIDGE_RPS = 40;

/** What reading live state needs, beyond what the responder's own snapshotters and remediators declare. */
export const SWEEP_READ_ACTIONS = [
  'events:ListEventBuses',
  'events:ListRules',
  'events:DescribeRule',
  'events:ListTargetsByRule',
  'events:DescribeEventBus',
  'events:ListApiDestinations',
  'events:ListConnections',
  'events:DescribeConnection',
  'kms:ListKeys',
  'kms:ListAliases',
  'kms:DescribeKey',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListGrants',
  'cloudtrail:DescribeTrails',
  'cloudtrail:GetTrail',
  'cloudtrail:GetTrailStatus',
  'cloudtrail:GetEventSelectors',
  'sqs:ListQueues',
  'sqs:GetQueueAttributes',
  'sns:ListTopics',
  'sns:GetTopicAttributes',
  'sns:ListSubscriptionsByTopic',
  'ec2:DescribeVpcEndpoints',
  // IAM grants (policy sweep.iamGrants).
  'iam:ListRoles',
  'iam:ListUsers',
  'iam:ListGroups',
  'iam:ListAttachedRolePolicies',
  'iam:ListAttachedUserPolicies',
  'iam:ListAttachedGroupPolicies',
  'iam:ListRolePolicies',
  'iam:ListUserPolicies',
  'iam:ListGroupPolicies',
  'iam:GetRolePolicy',
  'iam:GetUserPolicy',
  'iam:GetGroupPolicy',
] as const;

const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** What the sweep builds once per container: the responder's pipeline, and its own readers. */
export interface SweepWiring {
  responder: ResponderDeps;
  readers: SweepReaders;
  ownRules: string[];
  alertTopicArn?: string;
  /** The checkpoint of one account and region (known per invocation, from the function's ARN). */
  checkpointsFor(scope: { account: string; region: string }): CheckpointStore;
  iamActions: { readers: readonly string[]; catalog: readonly string[]; checkpoints: readonly string[] };
}

export function sweepWiringFromEnvironment(env: NodeJS.ProcessEnv = process.env): SweepWiring {
  const table = env.BASELINE_TABLE;
  const stateTable = env.STATE_TABLE;
  if (!table) throw new ConfigurationError('environment variable BASELINE_TABLE is not set');
  if (!stateTable) throw new ConfigurationError('environment variable STATE_TABLE is not set');
  const responder = depsFromEnvironment(env);
  // Retries with backoff and per-request timeouts, as the responder's own calls (lib/aws/wire/client.ts).
  const wire = wireConfig(env);
  const rps = Number(env.SWEEP_EVENTBRIDGE_RPS ?? DEFAULT_EVENTBRIDGE_RPS);
  const eventBridge = rateLimited(eventBridgeService(wire), tokenBucket({ ratePerSecond: rps }));
  const dynamodb = dynamoDbService(wire);
  const catalog = dynamoDbBaselineCatalog(dynamodb, table);
  const readers: SweepReaders = {
    rules: eventRulesAdapter(eventBridge),
    kms: { ...kmsAdapter(kmsService(wire)), ...kmsGrantsAdapter(kmsService(wire)) },
    trails: cloudTrailAdapter(cloudTrailService(wire)),
    queues: sqsAdapter(sqsService(wire)),
    topics: { ...snsTopicAdapter(snsService(wire)), ...topicSubscriptionsAdapter(snsService(wire)) },
    endpoints: vpcEndpointAdapter(ec2Service(wire), wire.region),
    destinations: eventBridgeDestinationsAdapter(eventBridge),
    iam: iamInventoryAdapter(iamService(wire)),
    baselines: dynamoDbBaselineStore(dynamodb, table),
    catalog,
  };
  return {
    responder,
    readers,
    ownRules: list(env.RESPONDER_RULES),
    ...(env.ALERT_TOPIC_ARN ? { alertTopicArn: env.ALERT_TOPIC_ARN } : {}),
    checkpointsFor: (scope) => dynamoDbCheckpointStore(dynamodb, stateTable, scope),
    iamActions: { readers: SWEEP_READ_ACTIONS, catalog: catalog.iamActions, checkpoints: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'] },
  };
}

/** The sweep's dependencies for one invocation, in one account and region. */
export function sweepDepsOf(wiring: SweepWiring, origin: SweepDeps['origin'], clock: () => number = Date.now): SweepDeps {
  return {
    readers: wiring.readers,
    responder: wiring.responder,
    checkpoints: wiring.checkpointsFor(origin),
    origin,
    ownRules: wiring.ownRules,
    ...(wiring.alertTopicArn ? { alertTopicArn: wiring.alertTopicArn } : {}),
    clock,
    newRunId: () => randomUUID(),
  };
}
