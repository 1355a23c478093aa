import type { PolicyStatement } from '../../iam/policy-document';

/** Baseline kind of an SQS queue: the attributes the queue controls guard (Baseline.resource is the queue ARN). */
export const SQS_QUEUE_BASELINE = 'sqs-queue';

/** Attributes a queue baseline keeps, as GetQueueAttributes returns them (strings). */
export const GUARDED_QUEUE_ATTRIBUTES = ['KmsMasterKeyId', 'KmsDataKeyReusePeriodSeconds', 'SqsManagedSseEnabled', 'MessageRetentionPeriod', 'Policy'] as const;

export interface SqsQueueDefinition {
  url: string;
  attributes: Record<string, string>;
}

/** SetQueueAttributes with the baseline (or, for retention, the policy minimum) values of some attributes. */
export interface RestoreQueueAttributesPlan {
  kind: 'restore-queue-attributes';
  queueUrl: string;
  queueArn: string;
  /** `encryption` or `retention`: what is restored, for alerts. */
  setting: 'encryption' | 'retention';
  /** The values to set; absent when there is nothing to restore from (`noBaseline` says why). */
  attributes?: Record<string, string>;
  noBaseline?: string;
}

export interface RemoveQueueStatementsPlan {
  kind: 'remove-queue-statements';
  queueUrl: string;
  queueArn: string;
  statements: PolicyStatement[];
}

export type QueuePlan = RestoreQueueAttributesPlan | RemoveQueueStatementsPlan;

export interface QueueLiveState {
  kind: 'sqs-queue';
  queueUrl: string;
  /** undefined when the queue no longer exists. */
  attributes: Record<string, string> | undefined;
}
