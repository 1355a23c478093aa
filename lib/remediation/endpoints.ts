import type { LiveState } from '../controls/types';
import type { EndpointBaseline, RestoreEndpointPolicyPlan } from '../controls/endpoints/endpoint';
import type { Remediator, RemediationResult } from './types';

/** The slice of EC2 the endpoint-policy remediation and the endpoint snapshot need. */
export interface VpcEndpointPort {
  /** The endpoint, or undefined when it no longer exists (or is being deleted). */
  describe(vpcEndpointId: string): Promise<EndpointBaseline | undefined>;
  /** Interface endpoints of the given services (`events`, `kms`, ...) in this region. */
  listInterfaceEndpoints(services: readonly string[]): Promise<EndpointBaseline[]>;
  setPolicy(vpcEndpointId: string, policyDocument: string): Promise<void>;
}

export function restoreEndpointPolicyRemediator(port: VpcEndpointPort): Remediator<RestoreEndpointPolicyPlan> {
  return {
    kind: 'restore-endpoint-policy',
    iamActions: ['ec2:DescribeVpcEndpoints', 'ec2:ModifyVpcEndpoint'],
    async readLive(plan): Promise<LiveState> {
      const endpoint = await port.describe(plan.vpcEndpointId);
      return { kind: 'vpc-endpoint-policy', vpcEndpointId: plan.vpcEndpointId, policyDocument: endpoint?.policyDocument, exists: !!endpoint };
    },
    async apply(plan, live): Promise<RemediationResult> {
      await port.setPolicy(plan.vpcEndpointId, plan.policyDocument);
      return {
        before: live.kind === 'vpc-endpoint-policy' ? live.policyDocument : undefined,
        after: (await port.describe(plan.vpcEndpointId))?.policyDocument,
        actions: [`ModifyVpcEndpoint ${plan.vpcEndpointId} PolicyDocument=<baseline policy>`],
      };
    },
  };
}
