import type { EventBusSettingsDefinition } from '../controls/bus-encryption/types';
import { isBroadened, keyPolicyProblems, rotationApplies } from '../controls/kms/keys';
import type { KmsKeyDefinition, KmsKeyState } from '../controls/kms/types';
import { ruleDifferences, sameTarget, type RuleDefinition, type RuleTarget } from '../controls/rules/model';
import { coverageOf, sameSelectors, type TrailBaseline, type TrailConfig, type TrailSelectors } from '../controls/cloudtrail/trail';
import type { Actor, Change } from '../events/change';
import type { PolicyDocument } from '../iam/policy-document';
import { canonicalJson, parseMaybeJson } from '../util/json';

/**
 * Drift found in live state, expressed as the CloudTrail management event that would have
 * reported it, so the very controls that judge real-time events judge it (same rules, same
 * plans, same live re-check before acting). Each function here is pure: live state and
 * baseline in, synthesised changes out. A change is synthesised only where live state
 * differs from the baseline (or, with no baseline, where the state itself is what a control
 * flags), so a compliant account yields none.
 */

/** The actor of every synthesised change: the sweep itself, never a real principal (so never trusted, never the loop guard). */
export const SWEEP_ACTOR_TYPE = 'DriftResponderSweep';

/** Where and when a sweep runs, and who it says it is. */
export interface SweepOrigin {
  account: string;
  region: string;
  /** ISO time the sweep read the state. */
  time: string;
  runId: string;
  /** The sweep function's ARN (or the CLI's name for itself). */
  sweepArn: string;
}

export function sweepActor(origin: SweepOrigin): Actor {
  return { type: SWEEP_ACTOR_TYPE, arn: origin.sweepArn, accountId: origin.account, invokedBy: 'drift-responder reconciliation sweep', userAgent: 'drift-responder-sweep' };
}

/**
 * The change a CloudTrail record of `eventName` would have given, with the request
 * parameters the controls read (lower-camel keys, as CloudTrail records them).
 */
export function syntheticChange(
  origin: SweepOrigin,
  eventSource: string,
  eventName: string,
  resource: string,
  requestParameters: Record<string, unknown>,
  responseElements: Record<string, unknown> | null = null,
  /** Tells apart two changes of the same event on the same resource (two topic attributes). */
  variant?: string,
): Change {
  const eventId = `sweep-${origin.runId}-${eventName}-${resource}${variant ? `-${variant}` : ''}`;
  return {
    eventId,
    eventName,
    eventSource,
    eventTime: origin.time,
    region: origin.region,
    account: origin.account,
    actor: sweepActor(origin),
    requestParameters,
    responseElements,
    origin: 'sweep',
    record: {
      eventID: eventId,
      eventName,
      eventSource,
      eventTime: origin.time,
      awsRegion: origin.region,
      recipientAccountId: origin.account,
      eventCategory: 'Management',
      eventType: 'DriftResponderSweep',
      resources: [{ ARN: resource }],
      requestParameters,
      responseElements,
    },
  };
}

const EVENTS = 'events.amazonaws.com';
const KMS = 'kms.amazonaws.com';
const CLOUDTRAIL = 'cloudtrail.amazonaws.com';
const SNS = 'sns.amazonaws.com';
const SQS = 'sqs.amazonaws.com';
const EC2 = 'ec2.amazonaws.com';

/** Targets as PutTargets records them (CloudTrail lower-cases the first letter of each key; the controls read any casing). */
function recordedTargets(targets: readonly RuleTarget[]): Array<Record<string, unknown>> {
  return targets.map((t) => Object.fromEntries(Object.entries(t).map(([k, v]) => [k.charAt(0).toLowerCase() + k.slice(1), v])));
}

export interface RuleState {
  arn: string;
  name: string;
  busName: string;
  /** Whether protect.rules names it (the responder's own rules included). */
  protected: boolean;
  baseline?: RuleDefinition;
  /** Undefined: the rule does not exist. */
  live?: RuleDefinition;
}

/**
 * A rule against its baseline: gone (DeleteRule), redefined (PutRule with the live
 * definition), disabled (DisableRule), baseline targets gone or changed (RemoveTargets of
 * their ids), targets not in the baseline (PutTargets of them). A rule nobody protects has no
 * baseline: its role and targets are judged as written (target-cross-account, target-role-untrusted).
 */
export function ruleChanges(origin: SweepOrigin, rule: RuleState): Change[] {
  const { live, baseline } = rule;
  const onRule = { eventBusName: rule.busName };
  if (!live) return baseline ? [syntheticChange(origin, EVENTS, 'DeleteRule', rule.arn, { name: rule.name, ...onRule })] : [];
  const changes: Change[] = [];
  const definition = {
    name: live.name,
    ...onRule,
    ...(live.eventPattern ? { eventPattern: live.eventPattern } : {}),
    ...(live.scheduleExpression ? { scheduleExpression: live.scheduleExpression } : {}),
    state: live.state,
    ...(live.description ? { description: live.description } : {}),
    ...(live.roleArn ? { roleArn: live.roleArn } : {}),
  };
  const putTargets = (targets: readonly RuleTarget[]) =>
    targets.length > 0 ? [syntheticChange(origin, EVENTS, 'PutTargets', rule.arn, { rule: rule.name, ...onRule, targets: recordedTargets(targets) })] : [];

  if (!rule.protected) {
    if (live.roleArn) changes.push(syntheticChange(origin, EVENTS, 'PutRule', rule.arn, definition, { ruleArn: rule.arn }));
    return [...changes, ...putTargets(live.targets)];
  }
  if (!baseline) {
    // Nothing to compare with (the snapshot fills it in); a disabled protected rule is flagged on its own.
    return live.state === 'DISABLED' ? [syntheticChange(origin, EVENTS, 'DisableRule', rule.arn, { name: rule.name, ...onRule })] : [];
  }
  const redefined = ruleDifferences(baseline, live).filter((d) => d !== 'state');
  if (redefined.length > 0) {
    changes.push(syntheticChange(origin, EVENTS, 'PutRule', rule.arn, definition, { ruleArn: rule.arn }));
  } else if (live.state === 'DISABLED' && baseline.state !== 'DISABLED') {
    changes.push(syntheticChange(origin, EVENTS, 'DisableRule', rule.arn, { name: rule.name, ...onRule }));
  }
  const lost = baseline.targets.filter((t) => !sameTarget(t, live.targets.find((l) => l.Id === t.Id)));
  if (lost.length > 0) changes.push(syntheticChange(origin, EVENTS, 'RemoveTargets', rule.arn, { rule: rule.name, ...onRule, ids: lost.map((t) => t.Id) }));
  changes.push(...putTargets(live.targets.filter((t) => !sameTarget(t, baseline.targets.find((b) => b.Id === t.Id)))));
  return changes;
}

export interface BusState {
  name: string;
  arn: string;
  /** Undefined: the bus does not exist. */
  live?: { policy?: string; kmsKeyIdentifier?: string; deadLetterArn?: string };
  /** The `events-bus` baseline exists (a protected custom bus: its deletion is drift). */
  hasBusBaseline: boolean;
  settingsBaseline?: EventBusSettingsDefinition;
}

/**
 * A bus: deleted while it has a baseline (DeleteEventBus); its policy, whatever it is
 * (PutPermission with the whole policy: the bus-policy controls judge every statement);
 * its key or dead-letter queue differing from the settings baseline (UpdateEventBus with the live settings).
 */
export function busChanges(origin: SweepOrigin, bus: BusState): Change[] {
  const { live } = bus;
  if (!live) return bus.hasBusBaseline && bus.name !== 'default' ? [syntheticChange(origin, EVENTS, 'DeleteEventBus', bus.arn, { name: bus.name })] : [];
  const changes: Change[] = [];
  if (live.policy) changes.push(syntheticChange(origin, EVENTS, 'PutPermission', bus.arn, { eventBusName: bus.name, policy: live.policy }));
  const settings = bus.settingsBaseline;
  if (settings && ((settings.kmsKeyIdentifier ?? '') !== (live.kmsKeyIdentifier ?? '') || (settings.deadLetterArn ?? '') !== (live.deadLetterArn ?? ''))) {
    changes.push(
      syntheticChange(origin, EVENTS, 'UpdateEventBus', bus.arn, {
        name: bus.name,
        ...(live.kmsKeyIdentifier ? { kmsKeyIdentifier: live.kmsKeyIdentifier } : {}),
        ...(live.deadLetterArn ? { deadLetterConfig: { arn: live.deadLetterArn } } : {}),
      }),
    );
  }
  return changes;
}

export interface KeyGrant {
  grantId: string;
  granteePrincipal: string;
  operations?: string[];
}

export interface KeyStateInput {
  keyArn: string;
  live: KmsKeyState;
  /** Undefined while the key is pending deletion (KMS still answers, but there is nothing to restore it to). */
  policy?: PolicyDocument;
  grants: readonly KeyGrant[];
  baseline?: KmsKeyDefinition;
  /** For the policy check: this account and the policy's trusted accounts / organization. */
  trust: { account: string; trustedAccounts: readonly string[]; organizationId?: string };
}

const PENDING_DELETION = ['PendingDeletion', 'PendingReplicaDeletion'];

/**
 * A customer managed key: pending deletion (ScheduleKeyDeletion), disabled where its baseline
 * is not (DisableKey), rotation off where it applies and its baseline had it on (DisableKeyRotation),
 * a broadened policy that differs from its baseline (PutKeyPolicy), and every grant (CreateGrant:
 * key-grant-external judges the grantee).
 */
export function keyChanges(origin: SweepOrigin, key: KeyStateInput): Change[] {
  const { live, baseline } = key;
  const changes: Change[] = [];
  const keyId = key.keyArn;
  if (PENDING_DELETION.includes(live.keyState)) {
    changes.push(syntheticChange(origin, KMS, 'ScheduleKeyDeletion', keyId, { keyId }, { keyId, keyState: live.keyState }));
    return changes; // nothing else of a key pending deletion can be changed until it is cancelled
  }
  if (live.keyState === 'Disabled' && baseline?.keyState !== 'Disabled') changes.push(syntheticChange(origin, KMS, 'DisableKey', keyId, { keyId }));
  if (rotationApplies(live) && live.rotationEnabled === false && baseline?.rotationEnabled !== false) {
    changes.push(syntheticChange(origin, KMS, 'DisableKeyRotation', keyId, { keyId }));
  }
  if (key.policy && (!baseline?.policy || canonicalJson(baseline.policy) !== canonicalJson(key.policy)) && isBroadened(keyPolicyProblems(key.policy, key.trust))) {
    changes.push(syntheticChange(origin, KMS, 'PutKeyPolicy', keyId, { keyId, policyName: 'default', policy: JSON.stringify(key.policy) }));
  }
  for (const grant of key.grants) {
    changes.push(
      syntheticChange(
        origin,
        KMS,
        'CreateGrant',
        keyId,
        { keyId, granteePrincipal: grant.granteePrincipal, ...(grant.operations ? { operations: grant.operations } : {}) },
        { grantId: grant.grantId },
      ),
    );
  }
  return changes;
}

export interface TrailState {
  arn: string;
  name: string;
  baseline?: TrailBaseline;
  /** Undefined: the trail does not exist. */
  live?: { isLogging: boolean; config: TrailConfig; selectors: TrailSelectors };
}

/** A trail setting as GetTrail gives it, in the UpdateTrail request's terms ('' or false: not set). */
const CONFIG_FIELDS: ReadonlyArray<{ field: keyof TrailConfig; request: string; unset: '' | false }> = [
  { field: 'isMultiRegionTrail', request: 'isMultiRegionTrail', unset: false },
  { field: 'logFileValidationEnabled', request: 'enableLogFileValidation', unset: false },
  { field: 'includeGlobalServiceEvents', request: 'includeGlobalServiceEvents', unset: false },
  { field: 'kmsKeyId', request: 'kmsKeyId', unset: '' },
  { field: 's3BucketName', request: 's3BucketName', unset: '' },
  { field: 'cloudWatchLogsLogGroupArn', request: 'cloudWatchLogsLogGroupArn', unset: '' },
];

/** The UpdateTrail that would take the baseline settings to the live ones: only the settings that differ. */
function configRequest(arn: string, live: TrailConfig, baseline: TrailConfig): Record<string, unknown> | undefined {
  const changed = CONFIG_FIELDS.filter(({ field, unset }) => (live[field] ?? unset) !== (baseline[field] ?? unset));
  if (changed.length === 0) return undefined;
  return { name: arn, ...Object.fromEntries(changed.map(({ field, request, unset }) => [request, live[field] ?? unset])) };
}

/**
 * A trail: deleted while it has a baseline (DeleteTrail), not logging (StopLogging: a trail that
 * does not log blinds the responder, baseline or not), selectors recording other management
 * events than the baseline (PutEventSelectors with the live selectors; with no baseline the
 * selectors are judged on their own), settings differing from the baseline (UpdateTrail).
 */
export function trailChanges(origin: SweepOrigin, trail: TrailState): Change[] {
  const { live, baseline } = trail;
  if (!live) return baseline ? [syntheticChange(origin, CLOUDTRAIL, 'DeleteTrail', trail.arn, { name: trail.arn })] : [];
  const changes: Change[] = [];
  if (!live.isLogging) changes.push(syntheticChange(origin, CLOUDTRAIL, 'StopLogging', trail.arn, { name: trail.arn }));
  const coverage = coverageOf(live.selectors);
  const selectorsDrifted = baseline ? !sameSelectors(live.selectors, baseline.selectors) : !coverage.read || !coverage.write || coverage.excludedSources.length > 0;
  if (selectorsDrifted) changes.push(syntheticChange(origin, CLOUDTRAIL, 'PutEventSelectors', trail.arn, { trailName: trail.arn, ...live.selectors }));
  const update = baseline ? configRequest(trail.arn, live.config, baseline.config) : undefined;
  if (update) changes.push(syntheticChange(origin, CLOUDTRAIL, 'UpdateTrail', trail.arn, update, { trailARN: trail.arn }));
  return changes;
}

export interface QueueState {
  url: string;
  arn: string;
  /** Undefined: the queue does not exist. */
  attributes?: Record<string, string>;
  /** Whether a `sqs-queue` baseline exists (a protected queue that was there). */
  hasBaseline: boolean;
}

const QUEUE_ATTRIBUTES = ['KmsMasterKeyId', 'KmsDataKeyReusePeriodSeconds', 'SqsManagedSseEnabled', 'MessageRetentionPeriod', 'Policy'];

/** A protected queue: gone while it has a baseline (DeleteQueue); its encryption, retention and policy as written (SetQueueAttributes). */
export function queueChanges(origin: SweepOrigin, queue: QueueState): Change[] {
  if (!queue.attributes) return queue.hasBaseline ? [syntheticChange(origin, SQS, 'DeleteQueue', queue.arn, { queueUrl: queue.url })] : [];
  const attributes = Object.fromEntries(QUEUE_ATTRIBUTES.flatMap((name) => (queue.attributes?.[name] !== undefined ? [[name, queue.attributes[name]]] : [])));
  // SSE off is recorded as SqsManagedSseEnabled=false: the queue controls read a write that sets neither key as "not about encryption".
  if (!('KmsMasterKeyId' in attributes) && !('SqsManagedSseEnabled' in attributes)) attributes.SqsManagedSseEnabled = 'false';
  return [syntheticChange(origin, SQS, 'SetQueueAttributes', queue.arn, { queueUrl: queue.url, attributes })];
}

export interface EndpointState {
  arn: string;
  vpcEndpointId: string;
  /** The `vpc-endpoint-policy` baseline's policy: endpoints are guarded through their baseline (it names their service). */
  baselinePolicy?: string;
  hasBaseline: boolean;
  /** Undefined: the endpoint does not exist. `policyDocument` undefined: the full-access default. */
  live?: { policyDocument?: string };
}

/**
 * A guarded interface endpoint: gone while it has a baseline (DeleteVpcEndpoints), or a policy
 * other than its baseline's (ModifyVpcEndpoint with the live policy, or ResetPolicy when it has
 * none: endpoint-policy-broadened judges whether it now lets anyone in).
 */
export function endpointChanges(origin: SweepOrigin, endpoint: EndpointState): Change[] {
  const id = endpoint.vpcEndpointId;
  if (!endpoint.hasBaseline) return [];
  if (!endpoint.live) return [syntheticChange(origin, EC2, 'DeleteVpcEndpoints', endpoint.arn, { DeleteVpcEndpointsRequest: { VpcEndpointId: [id] } })];
  const live = endpoint.live.policyDocument;
  if (live !== undefined && canonicalJson(parseMaybeJson(live)) === canonicalJson(parseMaybeJson(endpoint.baselinePolicy))) return [];
  const request = live === undefined ? { VpcEndpointId: id, ResetPolicy: true } : { VpcEndpointId: id, PolicyDocument: live };
  return [syntheticChange(origin, EC2, 'ModifyVpcEndpoint', endpoint.arn, { ModifyVpcEndpointRequest: request })];
}

export interface TopicState {
  topicArn: string;
  /** Undefined: the topic does not exist. */
  attributes?: Record<string, string>;
}

/**
 * A guarded topic: deleted (DeleteTopic), its policy and key as they are (SetTopicAttributes:
 * topic-tampered judges the policy, and the key against the baseline).
 */
export function topicChanges(origin: SweepOrigin, topic: TopicState): Change[] {
  if (!topic.attributes) return [syntheticChange(origin, SNS, 'DeleteTopic', topic.topicArn, { topicArn: topic.topicArn })];
  const changes: Change[] = [];
  if (topic.attributes.Policy) {
    changes.push(syntheticChange(origin, SNS, 'SetTopicAttributes', topic.topicArn, { topicArn: topic.topicArn, attributeName: 'Policy', attributeValue: topic.attributes.Policy }, null, 'Policy'));
  }
  changes.push(
    syntheticChange(origin, SNS, 'SetTopicAttributes', topic.topicArn, { topicArn: topic.topicArn, attributeName: 'KmsMasterKeyId', attributeValue: topic.attributes.KmsMasterKeyId ?? '' }, null, 'KmsMasterKeyId'),
  );
  return changes;
}

/** The alert topic has no confirmed subscription: nobody receives the alerts (Unsubscribe, as if the last one left). */
export function alertTopicUnheardChange(origin: SweepOrigin, topicArn: string): Change {
  return syntheticChange(origin, SNS, 'Unsubscribe', topicArn, { topicArn, subscriptionArn: `${topicArn}:no-confirmed-subscription` });
}

/**
 * One of the responder's own rules, beyond its baseline: gone with no baseline (DeleteRule),
 * or with no target among the responder's own functions (RemoveTargets, no id known).
 */
export function ownRuleChanges(origin: SweepOrigin, rule: RuleState, targetsOwnFunction: boolean): Change[] {
  if (rule.baseline) return ruleChanges(origin, rule);
  if (!rule.live) return [syntheticChange(origin, EVENTS, 'DeleteRule', rule.arn, { name: rule.name, eventBusName: rule.busName })];
  const changes = ruleChanges(origin, rule);
  if (!targetsOwnFunction) changes.push(syntheticChange(origin, EVENTS, 'RemoveTargets', rule.arn, { rule: rule.name, eventBusName: rule.busName, ids: [] }));
  return changes;
}

/**
 * An API destination or connection as it is: the CreateApiDestination / CreateConnection that
 * would have set its endpoint (target-untrusted-destination judges the host).
 */
export function destinationChanges(origin: SweepOrigin, destination: { kind: 'api-destination' | 'connection'; name: string; arn: string; endpoint?: string }): Change[] {
  if (!destination.endpoint) return [];
  return destination.kind === 'api-destination'
    ? [syntheticChange(origin, EVENTS, 'CreateApiDestination', destination.arn, { name: destination.name, invocationEndpoint: destination.endpoint }, { apiDestinationArn: destination.arn })]
    : [
        syntheticChange(
          origin,
          EVENTS,
          'CreateConnection',
          destination.arn,
          { name: destination.name, authorizationType: 'OAUTH_CLIENT_CREDENTIALS', authParameters: { oAuthParameters: { authorizationEndpoint: destination.endpoint } } },
          { connectionArn: destination.arn },
        ),
      ];
}

const IAM = 'iam.amazonaws.com';
const ATTACH_EVENT = { role: 'AttachRolePolicy', user: 'AttachUserPolicy', group: 'AttachGroupPolicy' } as const;
const PUT_INLINE_EVENT = { role: 'PutRolePolicy', user: 'PutUserPolicy', group: 'PutGroupPolicy' } as const;

/**
 * An IAM principal's grants as they are: the AttachXPolicy of each attached managed policy and
 * the PutXPolicy of each inline policy (iam-eventbridge-overgrant judges them). IAM is global.
 */
export function iamGrantChanges(origin: SweepOrigin, principal: { kind: 'role' | 'user' | 'group'; name: string; managed: readonly string[]; inline: ReadonlyArray<{ policyName: string; document: string }> }): Change[] {
  const nameKey = `${principal.kind}Name`;
  const arn = `arn:aws:iam::${origin.account}:${principal.kind}/${principal.name}`;
  return [
    ...principal.managed.map((policyArn) => syntheticChange(origin, IAM, ATTACH_EVENT[principal.kind], arn, { [nameKey]: principal.name, policyArn }, null, policyArn)),
    ...principal.inline.map((p) =>
      syntheticChange(origin, IAM, PUT_INLINE_EVENT[principal.kind], arn, { [nameKey]: principal.name, policyName: p.policyName, policyDocument: p.document }, null, p.policyName),
    ),
  ];
}
