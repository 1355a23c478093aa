import type { LiveState } from '../controls/types';
import type { RemoveQueueStatementsPlan, RestoreQueueAttributesPlan } from '../controls/queues/types';
import { GUARDED_QUEUE_ATTRIBUTES } from '../controls/queues/types';
import { parsePolicyDocument, type PolicyStatement } from '../iam/policy-document';
import { canonicalJson } from '../util/json';
import { NoBaselineError } from './no-baseline';
import type { RemediationResult, Remediator } from './types';

/** The slice of SQS the queue remediations need. */
export interface QueueAttributesPort {
  /** Every attribute of the queue, or undefined when it no longer exists. */
  getAttributes(queueUrl: string): Promise<Record<string, string> | undefined>;
  setAttributes(queueUrl: string, attributes: Record<string, string>): Promise<void>;
}

const IAM_ACTIONS = ['sqs:GetQueueAttributes', 'sqs:SetQueueAttributes'] as const;

/** The attributes an alert shows before/after (the ones the controls guard). */
function guarded(attributes: Record<string, string> | undefined): Record<string, string> | null {
  if (!attributes) return null;
  return Object.fromEntries(GUARDED_QUEUE_ATTRIBUTES.flatMap((name) => (attributes[name] !== undefined ? [[name, attributes[name]]] : [])));
}

const liveAttributes = (live: LiveState) => (live.kind === 'sqs-queue' ? live.attributes : undefined);

export function restoreQueueAttributesRemediator(port: QueueAttributesPort): Remediator<RestoreQueueAttributesPlan> {
  return {
    kind: 'restore-queue-attributes',
    iamActions: IAM_ACTIONS,
    async readLive(plan) {
      return { kind: 'sqs-queue', queueUrl: plan.queueUrl, attributes: await port.getAttributes(plan.queueUrl) };
    },
    async apply(plan, live): Promise<RemediationResult> {
      if (!plan.attributes) throw new NoBaselineError(`${plan.queueArn}: ${plan.noBaseline ?? 'no baseline'}`);
      await port.setAttributes(plan.queueUrl, plan.attributes);
      return {
        before: guarded(liveAttributes(live)),
        after: guarded(await port.getAttributes(plan.queueUrl)),
        actions: [`SetQueueAttributes ${plan.queueUrl} ${Object.entries(plan.attributes).map(([k, v]) => `${k}=${v}`).join(' ')}`],
      };
    },
  };
}

const identity = (s: PolicyStatement) => (s.Sid ? `sid:${s.Sid}` : `json:${canonicalJson(s)}`);

/** Writes the live policy back without the offending statements (SQS has no per-statement removal for policies written whole). */
export function removeQueueStatementsRemediator(port: QueueAttributesPort): Remediator<RemoveQueueStatementsPlan> {
  return {
    kind: 'remove-queue-statements',
    iamActions: IAM_ACTIONS,
    async readLive(plan) {
      return { kind: 'sqs-queue', queueUrl: plan.queueUrl, attributes: await port.getAttributes(plan.queueUrl) };
    },
    async apply(plan, live): Promise<RemediationResult> {
      const raw = liveAttributes(live)?.Policy;
      const policy = raw ? parsePolicyDocument(raw) : undefined;
      const remove = new Set(plan.statements.map(identity));
      const kept = (policy?.Statement ?? []).filter((s) => !remove.has(identity(s)));
      const written = kept.length > 0 ? JSON.stringify({ ...policy, Statement: kept }) : '';
      await port.setAttributes(plan.queueUrl, { Policy: written });
      const after = (await port.getAttributes(plan.queueUrl))?.Policy;
      return {
        before: policy ?? null,
        after: after ? parsePolicyDocument(after) : null,
        actions: [`SetQueueAttributes ${plan.queueUrl} Policy=${kept.length > 0 ? `<policy without ${plan.statements.length} statement(s)>` : '"" (no statement left)'}`],
      };
    },
  };
}
