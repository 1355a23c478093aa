import type { RemoveBusStatementsPlan, LiveState } from '../controls/types';
import type { PolicyDocument, PolicyStatement } from '../iam/policy-document';
import { canonicalJson } from '../util/json';
import type { Remediator, RemediationResult } from './types';

/** The slice of EventBridge the bus-policy remediation needs. */
export interface EventBusPolicyPort {
  /** The bus's resource policy, or undefined when it has none. */
  getPolicy(busName: string): Promise<PolicyDocument | undefined>;
  /** Removes one statement; resolves quietly when it is already gone. */
  removeStatement(busName: string, statementId: string): Promise<void>;
  putPolicy(busName: string, policy: PolicyDocument): Promise<void>;
  removeAllPermissions(busName: string): Promise<void>;
}

const identity = (s: PolicyStatement) => (s.Sid ? `sid:${s.Sid}` : `json:${canonicalJson(s)}`);

export function busStatementsRemediator(port: EventBusPolicyPort): Remediator<RemoveBusStatementsPlan> {
  return {
    kind: 'remove-bus-statements',
    iamActions: ['events:DescribeEventBus', 'events:RemovePermission', 'events:PutPermission'],

    async readLive(plan): Promise<LiveState> {
      return { kind: 'bus-policy', busName: plan.busName, policy: await port.getPolicy(plan.busName) };
    },

    /**
     * Statements with a Sid go one by one through RemovePermission, which cannot
     * clobber a concurrent edit of another statement. A statement without a Sid can
     * only be removed by writing the policy back without it.
     */
    async apply(plan, live): Promise<RemediationResult> {
      const before = live.kind === 'bus-policy' ? live.policy : undefined;
      const actions: string[] = [];
      if (plan.statements.every((s) => s.Sid)) {
        for (const s of plan.statements) {
          await port.removeStatement(plan.busName, s.Sid as string);
          actions.push(`RemovePermission ${plan.busName} StatementId=${s.Sid}`);
        }
      } else {
        const remove = new Set(plan.statements.map(identity));
        const kept = (before?.Statement ?? []).filter((s) => !remove.has(identity(s)));
        if (kept.length === 0) {
          await port.removeAllPermissions(plan.busName);
          actions.push(`RemovePermission ${plan.busName} RemoveAllPermissions=true`);
        } else {
          await port.putPolicy(plan.busName, { ...(before as PolicyDocument), Statement: kept });
          actions.push(`PutPermission ${plan.busName} Policy=<policy without ${plan.statements.length} statement(s)>`);
        }
      }
      return { before, after: await port.getPolicy(plan.busName), actions };
    },
  };
}
