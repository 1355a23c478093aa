import type { Actor, Change } from '../events/change';
import type { PolicyDocument, PolicyStatement } from '../iam/policy-document';
import type { BaselineLookup } from '../baseline/types';
import type { Policy } from '../policy/schema';
import type { RulesLiveState, RulesPlan } from './rules/plans';
import type { BurstCount } from './access-denied/controls';
import type { TrailLiveState, TrailPlan } from './cloudtrail/trail';
import type { EndpointLiveState, RestoreEndpointPolicyPlan } from './endpoints/endpoint';
import type { KmsLiveState, KmsPlan } from './kms/types';
import type { QueueLiveState, QueuePlan } from './queues/types';
import type { RestoreTopicAttributesPlan, TopicLiveState } from './topic/types';
import type { EventBusSettingsLiveState, RestoreBusEncryptionPlan } from './bus-encryption/types';
import type { IamGrantLiveState, ManagedPolicyLookup, RevokeIamGrantPlan } from './iam/types';
import type { TagVerdict } from '../tags/policy';

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** The CloudTrail events a control handles; EventBridge rule patterns are derived from these. */
export interface Trigger {
  /** CloudTrail eventSource, e.g. `events.amazonaws.com`. */
  eventSource: string;
  eventNames: readonly string[];
}

/** What a control may read besides the change: the policy and prefetched baselines, as data. */
export interface EvaluationContext {
  policy: Policy;
  /** Baselines of the resources the control named in `baselineResources` (empty in replay unless given). */
  baselines: BaselineLookup;
  /** Customer managed IAM policies the control named in `managedPolicyArns`, read live (absent in replay). */
  managedPolicies?: ManagedPolicyLookup;
}

/** What a remediation would do; carried as data so dry-run, replay and alerts can show it. */
export type RemediationPlan = RemoveBusStatementsPlan | RulesPlan | TrailPlan | RestoreEndpointPolicyPlan | KmsPlan | QueuePlan | RestoreTopicAttributesPlan | RestoreBusEncryptionPlan | RevokeIamGrantPlan;

export interface RemoveBusStatementsPlan {
  kind: 'remove-bus-statements';
  busName: string;
  statements: PolicyStatement[];
}

/** A control's verdict on one change, before the engine adds the event's common fields. */
export interface FindingDraft {
  resource: string;
  title: string;
  evidence: Evidence;
  plan?: RemediationPlan;
  /** Set by controls that alert on a count (access-denied-burst): the pipeline keeps the finding only when it crosses the threshold. */
  burst?: BurstCount;
  /** Graver than the control's own severity for this finding (a guarded endpoint deleted outright, not just re-policied). */
  severity?: Severity;
}

export interface Evidence {
  summary: string;
  statements?: PolicyStatement[];
  before?: unknown;
  after?: unknown;
}

export type RemediationStatus = 'planned' | 'applied' | 'skipped' | 'failed' | 'none';

export interface Finding extends FindingDraft {
  control: string;
  severity: Severity;
  account: string;
  region: string;
  event: { id: string; name: string; source: string; time: string };
  actor: Actor;
  remediation: { status: RemediationStatus; reason: string };
  /** `sweep`: found by the reconciliation sweep reading live state, not reported by a CloudTrail event. */
  foundBy?: 'sweep';
  /** What the resource's tags decided (protected, exempt, stricter mode), when the policy has tag rules. */
  tags?: TagVerdict;
  /** Set when remediation stopped because the responder kept undoing the same change (policy remediationLoop). */
  remediationLoop?: { remediations: number; windowMinutes: number };
}

export interface Control {
  readonly id: string;
  readonly title: string;
  readonly severity: Severity;
  readonly triggers: readonly Trigger[];
  /** Most controls judge only calls that succeeded; a control counting denials sets this. */
  readonly handlesFailedCalls?: boolean;
  /** The remediation kind this control plans, if any; its IAM actions come from the remediator registry. */
  readonly remediation?: RemediationPlan['kind'];
  /** ARNs of the resources whose baselines `evaluate` wants; the pipeline fetches them first. Pure. */
  baselineResources?(change: Change, policy: Policy): string[];
  /** ARNs of customer managed IAM policies whose default version `evaluate` wants; the pipeline reads them first. Pure. */
  managedPolicyArns?(change: Change, policy: Policy): string[];
  evaluate(change: Change, context: EvaluationContext): FindingDraft[];
  /**
   * Given live state read just before acting, narrow a plan to what is still
   * non-compliant, or return undefined when nothing is left to fix.
   */
  recheck?(plan: RemediationPlan, live: LiveState, change: Change, context: EvaluationContext): RemediationPlan | undefined;
}

/** Live state a remediator read back from AWS before acting. */
export type LiveState = { kind: 'bus-policy'; busName: string; policy: PolicyDocument | undefined } | RulesLiveState | TrailLiveState | EndpointLiveState | KmsLiveState | QueueLiveState | TopicLiveState | EventBusSettingsLiveState | IamGrantLiveState;
