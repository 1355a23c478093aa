import { endpointArn, endpointIdsOf, ENDPOINT_BASELINE_KIND, GUARDED_ENDPOINT_SERVICES, isGuardedService, type EndpointBaseline } from '../controls/endpoints/endpoint';
import type { VpcEndpointPort } from '../remediation/endpoints';
import type { Snapshotter } from './snapshotter';
import type { Baseline } from './types';

/** Baselines of the interface endpoints of guarded services (events, kms, sqs, sns): kind `vpc-endpoint-policy`. */
export function endpointSnapshotter(port: VpcEndpointPort, now: () => Date = () => new Date()): Snapshotter {
  const baselineOf = (resource: string, endpoint: EndpointBaseline): Baseline<EndpointBaseline> => ({
    resource,
    kind: ENDPOINT_BASELINE_KIND,
    definition: endpoint,
    capturedAt: now().toISOString(),
    source: 'snapshot',
  });
  return {
    kind: ENDPOINT_BASELINE_KIND,
    iamActions: ['ec2:DescribeVpcEndpoints'],
    touchedBy(change) {
      if (change.eventSource !== 'ec2.amazonaws.com' || !['ModifyVpcEndpoint', 'DeleteVpcEndpoints'].includes(change.eventName)) return [];
      return endpointIdsOf(change).map((id) => endpointArn(change, id));
    },
    async capture(resource) {
      const id = resource.split('/').pop() ?? '';
      const endpoint = await port.describe(id);
      return endpoint && isGuardedService(endpoint.serviceName) ? baselineOf(resource, endpoint) : undefined;
    },
    async *captureAll() {
      for (const endpoint of await port.listInterfaceEndpoints(GUARDED_ENDPOINT_SERVICES)) {
        if (endpoint.arn && isGuardedService(endpoint.serviceName)) yield baselineOf(endpoint.arn, endpoint);
      }
    },
  };
}
