import type { EndpointBaseline } from '../controls/endpoints/endpoint';
import type { VpcEndpointPort } from '../remediation/endpoints';
import type { QueryService } from './wire/query-service';
import { listOf, textOf, type XmlElement } from './wire/xml';

const GONE = ['deleting', 'deleted', 'failed', 'rejected', 'expired'];

/** EC2 returns no endpoint ARN: its partition follows from the region (the key must match the control's `endpointArn`). */
export function partitionOf(region: string): string {
  return region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
}

/** One `<item>` of DescribeVpcEndpoints' `<vpcEndpointSet>` (ec2Query names its members in camel case). */
function baselineOf(item: XmlElement, region: string): EndpointBaseline {
  const vpcEndpointId = textOf(item, 'vpcEndpointId') ?? '';
  const policyDocument = textOf(item, 'policyDocument');
  return {
    arn: `arn:${partitionOf(region)}:ec2:${region}:${textOf(item, 'ownerId')}:vpc-endpoint/${vpcEndpointId}`,
    vpcEndpointId,
    serviceName: textOf(item, 'serviceName') ?? '',
    vpcEndpointType: textOf(item, 'vpcEndpointType'),
    ...(policyDocument ? { policyDocument } : {}),
  };
}

const isLive = (item: XmlElement) => !GONE.includes((textOf(item, 'state') ?? '').toLowerCase());

function isNotFound(error: unknown): boolean {
  return /NotFound/.test((error as { name?: string } | undefined)?.name ?? '');
}

/** `region` names the endpoints' ARNs and services; EC2's answers do not carry it. */
export function vpcEndpointAdapter(ec2: QueryService, region: () => string): VpcEndpointPort {
  return {
    async describe(vpcEndpointId) {
      const here = region();
      try {
        // Wire names, not the API reference's: the list VpcEndpointIds goes as VpcEndpointId.1.
        const answer = await ec2.call('DescribeVpcEndpoints', { VpcEndpointId: [vpcEndpointId] });
        const item = listOf(answer, 'vpcEndpointSet', 'item').find((e) => textOf(e, 'vpcEndpointId') === vpcEndpointId);
        return item && isLive(item) ? baselineOf(item, here) : undefined;
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    async listInterfaceEndpoints(services) {
      const here = region();
      const serviceNames = services.map((s) => `com.amazonaws.${here}.${s}`);
      const found: EndpointBaseline[] = [];
      let nextToken: string | undefined;
      do {
        // Filters goes as Filter.N.Name / Filter.N.Value.M.
        const page = await ec2.call('DescribeVpcEndpoints', {
          Filter: [
            { Name: 'service-name', Value: [...serviceNames] },
            { Name: 'vpc-endpoint-type', Value: ['Interface'] },
          ],
          NextToken: nextToken,
        });
        found.push(
          ...listOf(page, 'vpcEndpointSet', 'item')
            .filter((e) => textOf(e, 'vpcEndpointId') && isLive(e))
            .map((e) => baselineOf(e, here)),
        );
        nextToken = textOf(page, 'nextToken') || undefined;
      } while (nextToken);
      return found;
    },
    async setPolicy(vpcEndpointId, policyDocument) {
      await ec2.call('ModifyVpcEndpoint', { VpcEndpointId: vpcEndpointId, PolicyDocument: policyDocument });
    },
  };
}
