import type { LiveState, RemediationPlan } from '../controls/types';

export interface RemediationResult {
  before: unknown;
  after: unknown;
  /** What was done, in words an on-call engineer reads in the alert. */
  actions: string[];
}

/** Side effects live here, behind ports; each remediator declares the IAM actions it needs. */
export interface Remediator<P extends RemediationPlan = RemediationPlan> {
  readonly kind: P['kind'];
  /** Every IAM action read + write; the stack's IAM statements are checked against these. */
  readonly iamActions: readonly string[];
  readLive(plan: P): Promise<LiveState>;
  apply(plan: P, live: LiveState): Promise<RemediationResult>;
}
