import { canonicalJson, parseMaybeJson } from '../../util/json';
import type { Control, FindingDraft } from '../types';
import { endpointArn, endpointBaselineOf, endpointIdsOf, endpointPolicyChangeOf, isGuardedService, isPublicEndpointPolicy } from './endpoint';

/**
 * Which service an endpoint serves is not in ModifyVpcEndpoint or DeleteVpcEndpoints
 * requests: it comes from the endpoint's baseline, which the snapshot keeps for every
 * interface endpoint of a guarded service. No baseline: not a guarded endpoint.
 */
export const endpointPolicyBroadened = {
  id: 'endpoint-policy-broadened',
  title: 'VPC endpoint policy of a guarded service broadened or endpoint deleted',
  severity: 'high',
  triggers: [{ eventSource: 'ec2.amazonaws.com', eventNames: ['ModifyVpcEndpoint', 'DeleteVpcEndpoints'] }],
  remediation: 'restore-endpoint-policy',
  baselineResources: (change) => endpointIdsOf(change).map((id) => endpointArn(change, id)),
  evaluate(change, context): FindingDraft[] {
    const guarded = (id: string) => {
      const baseline = endpointBaselineOf(context.baselines.get(endpointArn(change, id))?.definition);
      return baseline && isGuardedService(baseline.serviceName) ? baseline : undefined;
    };
    if (change.eventName === 'DeleteVpcEndpoints') {
      return endpointIdsOf(change).flatMap((id) => {
        const baseline = guarded(id);
        if (!baseline) return [];
        return [
          {
            resource: endpointArn(change, id),
            // Nothing to restore from a policy: the endpoint and its guard are gone.
            severity: 'critical' as const,
            title: `VPC endpoint ${id} (${baseline.serviceName}) deleted`,
            evidence: {
              summary: `DeleteVpcEndpoints ${id}: traffic to ${baseline.serviceName} from its VPC no longer goes through the endpoint and its policy`,
              before: baseline,
              after: null,
            },
          },
        ];
      });
    }
    const written = endpointPolicyChangeOf(change);
    const baseline = written && guarded(written.vpcEndpointId);
    if (!written || !baseline) return [];
    const nowPublic = written.reset || isPublicEndpointPolicy(written.policy, change, context.policy);
    if (!nowPublic || isPublicEndpointPolicy(baseline.policyDocument, change, context.policy)) return [];
    return [
      {
        resource: endpointArn(change, written.vpcEndpointId),
        title: `VPC endpoint ${written.vpcEndpointId} (${baseline.serviceName}) policy opened to any principal`,
        evidence: {
          summary: written.reset
            ? `ModifyVpcEndpoint ResetPolicy on ${written.vpcEndpointId}: the policy is now the default full-access policy`
            : `ModifyVpcEndpoint on ${written.vpcEndpointId}: the new policy allows Principal "*" with no organization or trusted-account condition`,
          before: parseMaybeJson(baseline.policyDocument),
          after: written.reset ? 'default full-access policy' : written.policy,
        },
        plan: { kind: 'restore-endpoint-policy', vpcEndpointId: written.vpcEndpointId, policyDocument: baseline.policyDocument as string },
      },
    ];
  },
  recheck(plan, live, change, context) {
    if (plan.kind !== 'restore-endpoint-policy' || live.kind !== 'vpc-endpoint-policy' || !live.exists) return undefined;
    if (canonicalJson(parseMaybeJson(live.policyDocument)) === canonicalJson(parseMaybeJson(plan.policyDocument))) return undefined;
    return isPublicEndpointPolicy(live.policyDocument, change, context.policy) ? plan : undefined;
  },
} as const satisfies Control;
