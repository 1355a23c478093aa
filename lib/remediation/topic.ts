import type { RestoreTopicAttributesPlan } from '../controls/topic/types';
import { parsePolicyDocument, type PolicyStatement } from '../iam/policy-document';
import { canonicalJson } from '../util/json';
import { NoBaselineError } from './no-baseline';
import type { RemediationResult, Remediator } from './types';

/** The slice of SNS the topic remediation needs. */
export interface TopicAttributesPort {
  /** The topic's attributes, or undefined when it no longer exists. */
  getAttributes(topicArn: string): Promise<Record<string, string> | undefined>;
  setAttribute(topicArn: string, name: string, value: string): Promise<void>;
}

const identity = (s: PolicyStatement) => (s.Sid ? `sid:${s.Sid}` : `json:${canonicalJson(s)}`);

function shown(attributes: Record<string, string> | undefined) {
  if (!attributes) return null;
  return { Policy: attributes.Policy ? parsePolicyDocument(attributes.Policy) : undefined, KmsMasterKeyId: attributes.KmsMasterKeyId ?? '' };
}

export function restoreTopicAttributesRemediator(port: TopicAttributesPort): Remediator<RestoreTopicAttributesPlan> {
  return {
    kind: 'restore-topic-attributes',
    iamActions: ['sns:GetTopicAttributes', 'sns:SetTopicAttributes'],
    async readLive(plan) {
      return { kind: 'sns-topic', topicArn: plan.topicArn, attributes: await port.getAttributes(plan.topicArn) };
    },
    /** SNS policies are written whole: the live policy goes back without the offending statements. */
    async apply(plan, live): Promise<RemediationResult> {
      const before = live.kind === 'sns-topic' ? live.attributes : undefined;
      const actions: string[] = [];
      if (plan.removeStatements) {
        const policy = before?.Policy ? parsePolicyDocument(before.Policy) : undefined;
        const remove = new Set(plan.removeStatements.map(identity));
        const kept = (policy?.Statement ?? []).filter((s) => !remove.has(identity(s)));
        await port.setAttribute(plan.topicArn, 'Policy', JSON.stringify({ ...policy, Statement: kept }));
        actions.push(`SetTopicAttributes ${plan.topicArn} Policy=<policy without ${plan.removeStatements.length} statement(s)>`);
      } else {
        if (!plan.kmsMasterKeyId) throw new NoBaselineError(`${plan.topicArn}: ${plan.noBaseline ?? 'no baseline'}`);
        await port.setAttribute(plan.topicArn, 'KmsMasterKeyId', plan.kmsMasterKeyId);
        actions.push(`SetTopicAttributes ${plan.topicArn} KmsMasterKeyId=${plan.kmsMasterKeyId}`);
      }
      return { before: shown(before), after: shown(await port.getAttributes(plan.topicArn)), actions };
    },
  };
}
