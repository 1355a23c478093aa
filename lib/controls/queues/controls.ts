import type { PolicyStatement } from '../../iam/policy-document';
import { exposureOf, trustOf, type TrustContext } from '../bus-policy/statements';
import type { Control, FindingDraft } from '../types';
import {
  describeEncryption,
  encryptionAttributes,
  encryptionOf,
  encryptionWritten,
  protectedQueueOf,
  queueBaselineOf,
  queueOf,
  queuePolicyOf,
  sameEncryption,
  sidList,
  SQS_SOURCE,
  text,
  writtenAttributes,
  type Encryption,
} from './queues';

const SET_ATTRIBUTES = [{ eventSource: SQS_SOURCE, eventNames: ['SetQueueAttributes'] }] as const;

const queueBaselineResource = (change: Parameters<NonNullable<Control['baselineResources']>>[0]) => {
  const queue = queueOf(change);
  return queue ? [queue.arn] : [];
};

/** Why an encryption change weakens the queue, or undefined when it does not. */
function weakening(before: Encryption | undefined, after: Encryption): string | undefined {
  if (after.kind === 'none') return before?.kind === 'none' ? undefined : 'server-side encryption removed';
  if (before?.kind !== 'kms') return undefined;
  if (after.kind === 'sqs') return 'customer managed key replaced by the SQS owned key (SSE-SQS)';
  if (after.kind === 'kms' && after.key !== before.key) {
    return after.key === 'alias/aws/sqs' ? 'customer managed key replaced by the AWS managed key alias/aws/sqs' : `KMS key changed from ${before.key} to ${after.key}`;
  }
  return undefined;
}

export const queueEncryptionRemoved = {
  id: 'queue-encryption-removed',
  title: 'Protected queue lost its encryption',
  severity: 'high',
  triggers: SET_ATTRIBUTES,
  remediation: 'restore-queue-attributes',
  baselineResources: queueBaselineResource,
  evaluate(change, context): FindingDraft[] {
    const queue = protectedQueueOf(change, context);
    if (!queue) return [];
    const baseline = queueBaselineOf(context, queue.arn);
    const before = baseline ? encryptionOf(baseline.attributes) : undefined;
    const after = encryptionWritten(writtenAttributes(change), before);
    const why = after && weakening(before, after);
    if (!after || !why) return [];
    const restore = baseline ? encryptionAttributes(baseline.attributes) : undefined;
    return [
      {
        resource: queue.arn,
        title: `queue ${queue.name}: ${why}`,
        evidence: {
          summary: `SetQueueAttributes on ${queue.name}: ${why}; messages are now stored with ${describeEncryption(after)}${before ? ` (baseline: ${describeEncryption(before)})` : ''}`,
          before: before ? describeEncryption(before) : undefined,
          after: describeEncryption(after),
        },
        plan: {
          kind: 'restore-queue-attributes',
          queueUrl: queue.url,
          queueArn: queue.arn,
          setting: 'encryption',
          ...(restore && Object.keys(restore).length > 0
            ? { attributes: restore }
            : { noBaseline: 'no baseline of this queue is stored: its previous encryption is unknown, nothing to restore (the snapshot function captures protected queues)' }),
        },
      },
    ];
  },
  recheck(plan, live) {
    if (plan.kind !== 'restore-queue-attributes' || live.kind !== 'sqs-queue' || !live.attributes) return undefined;
    if (plan.attributes && sameEncryption(encryptionOf(live.attributes), encryptionOf(plan.attributes))) return undefined;
    if (!plan.attributes && encryptionOf(live.attributes).kind !== 'none') return undefined;
    return plan;
  },
} as const satisfies Control;

export const queueRetentionReduced = {
  id: 'queue-retention-reduced',
  title: 'Protected queue keeps messages for less than the policy minimum',
  severity: 'medium',
  triggers: SET_ATTRIBUTES,
  remediation: 'restore-queue-attributes',
  baselineResources: queueBaselineResource,
  evaluate(change, context): FindingDraft[] {
    const queue = protectedQueueOf(change, context);
    const written = Number(text(writtenAttributes(change).MessageRetentionPeriod));
    const minimum = context.policy.minimumDlqRetentionSeconds;
    if (!queue || !Number.isFinite(written) || written >= minimum) return [];
    const baseline = Number(queueBaselineOf(context, queue.arn)?.attributes.MessageRetentionPeriod);
    const target = Math.max(minimum, Number.isFinite(baseline) ? baseline : 0);
    return [
      {
        resource: queue.arn,
        title: `queue ${queue.name}: retention cut to ${written} s`,
        evidence: {
          summary: `SetQueueAttributes on ${queue.name}: MessageRetentionPeriod ${written} s is below minimumDlqRetentionSeconds ${minimum} s; failed events older than that are deleted unread`,
          before: Number.isFinite(baseline) ? { MessageRetentionPeriod: String(baseline) } : undefined,
          after: { MessageRetentionPeriod: String(written) },
        },
        plan: { kind: 'restore-queue-attributes', queueUrl: queue.url, queueArn: queue.arn, setting: 'retention', attributes: { MessageRetentionPeriod: String(target) } },
      },
    ];
  },
  recheck(plan, live, _change, context) {
    if (live.kind !== 'sqs-queue' || !live.attributes) return undefined;
    return Number(live.attributes.MessageRetentionPeriod) < context.policy.minimumDlqRetentionSeconds ? plan : undefined;
  },
} as const satisfies Control;

function offending(statements: readonly PolicyStatement[], trust: TrustContext): PolicyStatement[] {
  return statements.filter((s) => {
    const exposure = exposureOf(s, trust);
    return exposure.public || exposure.untrusted.length > 0;
  });
}

export const queuePolicyPublic = {
  id: 'queue-policy-public',
  title: 'Protected queue policy open to the world or an untrusted account',
  severity: 'critical',
  triggers: SET_ATTRIBUTES,
  remediation: 'remove-queue-statements',
  evaluate(change, context): FindingDraft[] {
    const queue = protectedQueueOf(change, context);
    const policy = queue && queuePolicyOf(writtenAttributes(change).Policy);
    if (!queue || !policy) return [];
    const trust = trustOf(change, context.policy);
    const statements = offending(policy.Statement, trust);
    if (statements.length === 0) return [];
    const isPublic = statements.some((s) => exposureOf(s, trust).public);
    const outsiders = [...new Set(statements.flatMap((s) => exposureOf(s, trust).untrusted))];
    return [
      {
        resource: queue.arn,
        title: `queue ${queue.name} policy ${isPublic ? 'allows any AWS principal' : `grants ${outsiders.join(', ')}`}`,
        evidence: {
          summary: `statement ${sidList(statements)} ${[isPublic ? 'allows Principal "*" with no condition restricting it to the organization or trusted accounts' : '', outsiders.length > 0 ? `grants ${outsiders.join(', ')}, not in trustedAccounts/organizationId` : ''].filter(Boolean).join('; ')}`,
          statements,
          after: policy,
        },
        plan: { kind: 'remove-queue-statements', queueUrl: queue.url, queueArn: queue.arn, statements },
      },
    ];
  },
  /** Only statements still on the queue and still offending: matched by Sid, or, having none, by being Sid-less. */
  recheck(plan, live, change, context) {
    if (plan.kind !== 'remove-queue-statements' || live.kind !== 'sqs-queue' || !live.attributes) return undefined;
    const policy = queuePolicyOf(live.attributes.Policy);
    if (!policy) return undefined;
    const sids = new Set(plan.statements.flatMap((s) => (s.Sid ? [s.Sid] : [])));
    const sidless = plan.statements.some((s) => !s.Sid);
    const still = offending(policy.Statement, trustOf(change, context.policy)).filter((s) => (s.Sid ? sids.has(s.Sid) : sidless));
    return still.length > 0 ? { ...plan, statements: still } : undefined;
  },
} as const satisfies Control;

export const queueDeleted = {
  id: 'queue-deleted',
  title: 'Protected queue deleted or purged',
  severity: 'high',
  triggers: [{ eventSource: SQS_SOURCE, eventNames: ['DeleteQueue', 'PurgeQueue'] }],
  evaluate(change, context): FindingDraft[] {
    const queue = protectedQueueOf(change, context);
    if (!queue) return [];
    const deleted = change.eventName === 'DeleteQueue';
    return [
      {
        resource: queue.arn,
        title: `queue ${queue.name} ${deleted ? 'deleted' : 'purged'}`,
        evidence: {
          summary: deleted
            ? `DeleteQueue ${queue.name}: the queue and every message in it are gone; events that fail now have nowhere to go`
            : `PurgeQueue ${queue.name}: every message waiting in it (failed events kept for inspection) was deleted`,
        },
      },
    ];
  },
} as const satisfies Control;
