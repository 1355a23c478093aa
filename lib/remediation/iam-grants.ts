import type { LiveState } from '../controls/types';
import type { IamGrantLiveState, PrincipalKind, RevokeIamGrantPlan } from '../controls/iam/types';
import type { PolicyDocument } from '../iam/policy-document';
import type { Remediator, RemediationResult } from './types';

/** The slice of IAM that revoking a grant needs. */
export interface IamGrantPort {
  isAttached(kind: PrincipalKind, principalName: string, policyArn: string): Promise<boolean>;
  /** The inline policy's document, or undefined when the principal has none of that name. */
  inlinePolicy(kind: PrincipalKind, principalName: string, policyName: string): Promise<PolicyDocument | undefined>;
  detach(kind: PrincipalKind, principalName: string, policyArn: string): Promise<void>;
  deleteInline(kind: PrincipalKind, principalName: string, policyName: string): Promise<void>;
}

const verb = (kind: PrincipalKind) => kind.charAt(0).toUpperCase() + kind.slice(1);

/** Detaches the managed policy, or deletes the inline policy, that gave a principal EventBridge administrative power. */
export function revokeIamGrantRemediator(port: IamGrantPort): Remediator<RevokeIamGrantPlan> {
  return {
    kind: 'revoke-iam-grant',
    iamActions: (['Role', 'User', 'Group'] as const).flatMap((k) => [
      `iam:ListAttached${k}Policies`,
      `iam:Get${k}Policy`,
      `iam:Detach${k}Policy`,
      `iam:Delete${k}Policy`,
    ]),

    async readLive(plan): Promise<LiveState> {
      const { kind, name } = plan.principal;
      if (plan.grant.kind === 'managed') return { kind: 'iam-grant', attached: await port.isAttached(kind, name, plan.grant.policyArn) };
      const inlineDocument = await port.inlinePolicy(kind, name, plan.grant.policyName);
      return { kind: 'iam-grant', ...(inlineDocument ? { inlineDocument } : {}) };
    },

    async apply(plan, live): Promise<RemediationResult> {
      const { kind, name } = plan.principal;
      const state = live as IamGrantLiveState;
      if (plan.grant.kind === 'managed') {
        await port.detach(kind, name, plan.grant.policyArn);
        return {
          before: { attached: state.attached ?? false },
          after: { attached: await port.isAttached(kind, name, plan.grant.policyArn) },
          actions: [`Detach${verb(kind)}Policy ${name} PolicyArn=${plan.grant.policyArn}`],
        };
      }
      await port.deleteInline(kind, name, plan.grant.policyName);
      return {
        before: state.inlineDocument ?? null,
        after: (await port.inlinePolicy(kind, name, plan.grant.policyName)) ?? null,
        actions: [`Delete${verb(kind)}Policy ${name} PolicyName=${plan.grant.policyName}`],
      };
    },
  };
}
