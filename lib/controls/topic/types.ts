import type { PolicyStatement } from '../../iam/policy-document';

/** Baseline kind of an SNS topic: its policy and encryption (Baseline.resource is the topic ARN). */
export const SNS_TOPIC_BASELINE = 'sns-topic';

export interface SnsTopicDefinition {
  attributes: { Policy?: string; KmsMasterKeyId?: string };
}

/**
 * Undo a SetTopicAttributes: take the offending statements out of the topic policy
 * (`removeStatements`), or put the baseline KMS key back (`kmsMasterKeyId`).
 */
export interface RestoreTopicAttributesPlan {
  kind: 'restore-topic-attributes';
  topicArn: string;
  removeStatements?: PolicyStatement[];
  kmsMasterKeyId?: string;
  /** Set when the fix needs a baseline and there is none: says why nothing can be restored. */
  noBaseline?: string;
}

export interface TopicLiveState {
  kind: 'sns-topic';
  topicArn: string;
  /** undefined when the topic no longer exists. */
  attributes: Record<string, string> | undefined;
}
