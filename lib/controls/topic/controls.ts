import type { Change } from '../../events/change';
import { parsePolicyDocument, type PolicyStatement } from '../../iam/policy-document';
import { exposureOf, trustOf, type TrustContext } from '../bus-policy/statements';
import { param, textParam } from '../params';
import { isNamedBy } from '../protected-resources';
import type { Control, EvaluationContext, FindingDraft } from '../types';
import { SNS_TOPIC_BASELINE, type SnsTopicDefinition } from './types';

const SNS_SOURCE = 'sns.amazonaws.com';

/** The topic a call acted on; Unsubscribe names a subscription, `<topic ARN>:<subscription id>`. */
export function topicArnOf(change: Change): string | undefined {
  if (change.eventName === 'Unsubscribe') {
    const subscription = textParam(change.requestParameters, 'subscriptionArn');
    return subscription && /^arn:aws[\w-]*:sns:[^:]+:\d{12}:[^:]+:[^:]+$/.test(subscription) ? subscription.replace(/:[^:]+$/, '') : undefined;
  }
  return textParam(change.requestParameters, 'topicArn');
}

function offending(statements: readonly PolicyStatement[], trust: TrustContext): PolicyStatement[] {
  return statements.filter((s) => {
    const exposure = exposureOf(s, trust);
    return exposure.public || exposure.untrusted.length > 0;
  });
}

function sids(statements: readonly PolicyStatement[]): string {
  return statements.map((s) => (s.Sid ? `"${s.Sid}"` : '(no Sid)')).join(', ');
}

function topicBaselineOf(context: EvaluationContext, topicArn: string): SnsTopicDefinition | undefined {
  const baseline = context.baselines.get(topicArn);
  return baseline?.kind === SNS_TOPIC_BASELINE ? (baseline.definition as SnsTopicDefinition) : undefined;
}

function setAttributeFinding(change: Change, context: EvaluationContext, topicArn: string, name: string): FindingDraft[] {
  const attributeName = textParam(change.requestParameters, 'attributeName') ?? '';
  const value = param(change.requestParameters, 'attributeValue');
  if (attributeName.toLowerCase() === 'policy') {
    if (value === undefined || value === null || value === '') return [];
    const policy = parsePolicyDocument(value);
    const trust = trustOf(change, context.policy);
    const statements = offending(policy.Statement, trust);
    if (statements.length === 0) return [];
    const outsiders = [...new Set(statements.flatMap((s) => exposureOf(s, trust).untrusted))];
    const isPublic = statements.some((s) => exposureOf(s, trust).public);
    return [
      {
        resource: topicArn,
        title: `topic ${name} policy ${isPublic ? 'opened to any AWS principal' : `opened to ${outsiders.join(', ')}`}`,
        evidence: {
          summary: `SetTopicAttributes Policy on ${name}: statement ${sids(statements)} ${isPublic ? 'allows Principal "*" with no condition restricting it to the organization or trusted accounts' : `grants ${outsiders.join(', ')}, not in trustedAccounts/organizationId`}; anyone it admits can read, publish fake alerts to or delete the alert topic`,
          statements,
          after: policy,
        },
        plan: { kind: 'restore-topic-attributes', topicArn, removeStatements: statements },
      },
    ];
  }
  if (attributeName.toLowerCase() === 'kmsmasterkeyid') {
    const written = typeof value === 'string' ? value : '';
    const baselineKey = topicBaselineOf(context, topicArn)?.attributes.KmsMasterKeyId;
    const removed = written === '';
    if (!removed && (baselineKey === undefined || baselineKey === written)) return [];
    return [
      {
        resource: topicArn,
        title: `topic ${name} ${removed ? 'encryption removed' : 'KMS key changed'}`,
        evidence: {
          summary: removed
            ? `SetTopicAttributes KmsMasterKeyId "" on ${name}: alerts are no longer encrypted at rest with a customer managed key`
            : `SetTopicAttributes KmsMasterKeyId on ${name}: key changed from ${baselineKey} to ${written}`,
          before: baselineKey ? { KmsMasterKeyId: baselineKey } : undefined,
          after: { KmsMasterKeyId: written },
        },
        plan: {
          kind: 'restore-topic-attributes',
          topicArn,
          ...(baselineKey
            ? { kmsMasterKeyId: baselineKey }
            : { noBaseline: 'no baseline of this topic is stored: its previous key is unknown, nothing to restore (the snapshot function captures protected topics)' }),
        },
      },
    ];
  }
  return [];
}

/**
 * The responder's alert topic (always protected) and `protect.topics`: whoever opens its
 * policy, strips its encryption, deletes it or unsubscribes from it silences or spoofs
 * the alerts. Deletion and unsubscription are alerted (subscriptions need their owners to
 * confirm again, so they are not recreated).
 */
export const topicTampered = {
  id: 'topic-tampered',
  title: 'Alert topic tampered with',
  severity: 'critical',
  triggers: [{ eventSource: SNS_SOURCE, eventNames: ['SetTopicAttributes', 'DeleteTopic', 'Unsubscribe'] }],
  remediation: 'restore-topic-attributes',
  baselineResources: (change) => {
    const topicArn = topicArnOf(change);
    return topicArn ? [topicArn] : [];
  },
  evaluate(change, context): FindingDraft[] {
    const topicArn = topicArnOf(change);
    if (!topicArn || !isNamedBy([topicArn], context.policy.protect.topics)) return [];
    const name = topicArn.split(':').pop() ?? topicArn;
    if (change.eventName === 'SetTopicAttributes') return setAttributeFinding(change, context, topicArn, name);
    if (change.eventName === 'DeleteTopic') {
      return [{ resource: topicArn, title: `topic ${name} deleted`, evidence: { summary: `DeleteTopic ${name}: alerts and alarm notifications have nowhere to go until the stack is redeployed` } }];
    }
    const subscription = textParam(change.requestParameters, 'subscriptionArn');
    return [{ resource: topicArn, title: `subscription removed from topic ${name}`, evidence: { summary: `Unsubscribe ${subscription}: that endpoint no longer receives alerts; subscribe it again (it must confirm)` } }];
  },
  recheck(plan, live, change, context) {
    if (plan.kind !== 'restore-topic-attributes' || live.kind !== 'sns-topic' || !live.attributes) return undefined;
    if (plan.removeStatements) {
      const policy = live.attributes.Policy ? parsePolicyDocument(live.attributes.Policy) : undefined;
      const sidsWanted = new Set(plan.removeStatements.flatMap((s) => (s.Sid ? [s.Sid] : [])));
      const sidless = plan.removeStatements.some((s) => !s.Sid);
      const still = offending(policy?.Statement ?? [], trustOf(change, context.policy)).filter((s) => (s.Sid ? sidsWanted.has(s.Sid) : sidless));
      return still.length > 0 ? { ...plan, removeStatements: still } : undefined;
    }
    const liveKey = live.attributes.KmsMasterKeyId ?? '';
    if (plan.kmsMasterKeyId) return liveKey === plan.kmsMasterKeyId ? undefined : plan;
    return liveKey === '' ? plan : undefined;
  },
} as const satisfies Control;
