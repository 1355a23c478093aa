import { DescribeVpcEndpointsCommand, ModifyVpcEndpointCommand, type EC2Client, type VpcEndpoint } from '@aws-sdk/client-ec2';
import type { EndpointBaseline } from '../controls/endpoints/endpoint';
import type { VpcEndpointPort } from '../remediation/endpoints';

const GONE = ['deleting', 'deleted', 'failed', 'rejected', 'expired'];

/** EC2 returns no endpoint ARN: its partition follows from the region (the key must match the control's `endpointArn`). */
export function partitionOf(region: string): string {
  return region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
}

function baselineOf(endpoint: VpcEndpoint, region: string): EndpointBaseline {
  return {
    arn: `arn:${partitionOf(region)}:ec2:${region}:${endpoint.OwnerId}:vpc-endpoint/${endpoint.VpcEndpointId}`,
    vpcEndpointId: endpoint.VpcEndpointId as string,
    serviceName: endpoint.ServiceName ?? '',
    vpcEndpointType: endpoint.VpcEndpointType,
    ...(endpoint.PolicyDocument ? { policyDocument: endpoint.PolicyDocument } : {}),
  };
}

function isNotFound(error: unknown): boolean {
  return /NotFound/.test((error as { name?: string } | undefined)?.name ?? '');
}

export function vpcEndpointAdapter(client: EC2Client): VpcEndpointPort {
  return {
    async describe(vpcEndpointId) {
      const region = await client.config.region();
      try {
        const { VpcEndpoints = [] } = await client.send(new DescribeVpcEndpointsCommand({ VpcEndpointIds: [vpcEndpointId] }));
        const endpoint = VpcEndpoints.find((e) => e.VpcEndpointId === vpcEndpointId);
        return endpoint && !GONE.includes(String(endpoint.State ?? '').toLowerCase()) ? baselineOf(endpoint, region) : undefined;
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    async listInterfaceEndpoints(services) {
      const region = await client.config.region();
      const serviceNames = services.map((s) => `com.amazonaws.${region}.${s}`);
      const found: EndpointBaseline[] = [];
      let NextToken: string | undefined;
      do {
        const page = await client.send(
          new DescribeVpcEndpointsCommand({
            Filters: [
              { Name: 'service-name', Values: [...serviceNames] },
              { Name: 'vpc-endpoint-type', Values: ['Interface'] },
            ],
            NextToken,
          }),
        );
        found.push(...(page.VpcEndpoints ?? []).filter((e) => e.VpcEndpointId && !GONE.includes(String(e.State ?? '').toLowerCase())).map((e) => baselineOf(e, region)));
        NextToken = page.NextToken;
      } while (NextToken);
      return found;
    },
    async setPolicy(vpcEndpointId, policyDocument) {
      await client.send(new ModifyVpcEndpointCommand({ VpcEndpointId: vpcEndpointId, PolicyDocument: policyDocument }));
    },
  };
}
