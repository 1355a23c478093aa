/**
 * The VPC endpoint adapter over the real ec2Query client (scripted transport): the wire names of
 * its requests (VpcEndpointId.1, Filter.N.Value.M), the camel-case answer it reads, and endpoints
 * that are gone.
 */
import { partitionOf, vpcEndpointAdapter } from './ec2-endpoints';
import { EC2 } from './wire/services';
import { ec2Answer, ec2ErrorAnswer, scriptedQueryService } from '../../test/support/query-services';

const ENDPOINT = 'vpce-0f89a33420c1931d7';
const POLICY = '{\n  "Statement": [{ "Action": "events:PutEvents", "Effect": "Allow", "Principal": "*", "Resource": "*" }]\n}';
const escaped = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** One `<item>` as EC2 describes an endpoint (members abridged to what the adapter reads, plus a few it must ignore). */
function endpointItem(id: string, overrides: { state?: string; service?: string; policy?: string } = {}): string {
  return `<item>
    <vpcEndpointId>${id}</vpcEndpointId>
    <vpcEndpointType>Interface</vpcEndpointType>
    <vpcId>vpc-1a2b3c4d</vpcId>
    <serviceName>${overrides.service ?? 'com.amazonaws.eu-west-3.events'}</serviceName>
    <state>${overrides.state ?? 'available'}</state>
    ${overrides.policy === undefined ? '' : `<policyDocument>${escaped(overrides.policy)}</policyDocument>`}
    <subnetIdSet><item>subnet-7b16de0c</item></subnetIdSet>
    <groupSet><item><groupId>sg-54e8bf31</groupId><groupName>default</groupName></item></groupSet>
    <ownerId>123456789012</ownerId>
  </item>`;
}

describe('the partition of an endpoint baseline key', () => {
  it.each([
    ['us-east-1', 'aws'],
    ['eu-west-3', 'aws'],
    ['cn-north-1', 'aws-cn'],
    ['us-gov-west-1', 'aws-us-gov'],
  ])('follows from the region %s: %s', (region, partition) => {
    expect(partitionOf(region)).toBe(partition);
  });
});

describe('vpcEndpointAdapter', () => {
  const region = () => 'eu-west-3';

  it('describes one endpoint by id, its policy text unchanged, keyed by an ARN built from the region', async () => {
    // Prepare
    const { service, forms } = scriptedQueryService(EC2, ec2Answer('DescribeVpcEndpoints', `<vpcEndpointSet>${endpointItem(ENDPOINT, { policy: POLICY })}</vpcEndpointSet>`));

    // Act
    const endpoint = await vpcEndpointAdapter(service, region).describe(ENDPOINT);

    // Assess
    expect(endpoint).toEqual({
      arn: `arn:aws:ec2:eu-west-3:123456789012:vpc-endpoint/${ENDPOINT}`,
      vpcEndpointId: ENDPOINT,
      serviceName: 'com.amazonaws.eu-west-3.events',
      vpcEndpointType: 'Interface',
      policyDocument: POLICY,
    });
    expect(forms()).toEqual([{ Action: 'DescribeVpcEndpoints', Version: '2016-11-15', 'VpcEndpointId.1': ENDPOINT }]);
  });

  it.each(['deleting', 'deleted', 'Failed', 'rejected', 'expired'])('describes an endpoint in state %s as gone', async (state) => {
    // Prepare
    const { service } = scriptedQueryService(EC2, ec2Answer('DescribeVpcEndpoints', `<vpcEndpointSet>${endpointItem(ENDPOINT, { state })}</vpcEndpointSet>`));

    // Act
    const endpoint = await vpcEndpointAdapter(service, region).describe(ENDPOINT);

    // Assess
    expect(endpoint).toBeUndefined();
  });

  it('describes an endpoint EC2 does not know as gone', async () => {
    // Prepare
    const { service } = scriptedQueryService(EC2, ec2ErrorAnswer(400, 'InvalidVpcEndpointId.NotFound'));

    // Act
    const endpoint = await vpcEndpointAdapter(service, region).describe(ENDPOINT);

    // Assess
    expect(endpoint).toBeUndefined();
  });

  it('throws a refusal to describe, rather than read it as a missing endpoint', async () => {
    // Prepare
    const { service } = scriptedQueryService(EC2, ec2ErrorAnswer(403, 'UnauthorizedOperation'));

    // Act
    const described = vpcEndpointAdapter(service, region).describe(ENDPOINT);

    // Assess
    await expect(described).rejects.toMatchObject({ name: 'UnauthorizedOperation', $metadata: { httpStatusCode: 403 } });
  });

  it('lists the live interface endpoints of the given services on every page, filtering by wire-named filters', async () => {
    // Prepare
    const { service, forms } = scriptedQueryService(
      EC2,
      ec2Answer('DescribeVpcEndpoints', `<vpcEndpointSet>${endpointItem('vpce-1')}${endpointItem('vpce-2', { state: 'deleted' })}</vpcEndpointSet><nextToken>token/2=</nextToken>`),
      ec2Answer('DescribeVpcEndpoints', `<vpcEndpointSet>${endpointItem('vpce-3', { service: 'com.amazonaws.eu-west-3.kms', policy: POLICY })}</vpcEndpointSet>`),
    );

    // Act
    const endpoints = await vpcEndpointAdapter(service, region).listInterfaceEndpoints(['events', 'kms']);

    // Assess
    expect(endpoints.map((e) => [e.vpcEndpointId, e.serviceName, e.policyDocument])).toEqual([
      ['vpce-1', 'com.amazonaws.eu-west-3.events', undefined],
      ['vpce-3', 'com.amazonaws.eu-west-3.kms', POLICY],
    ]);
    const filters = {
      'Filter.1.Name': 'service-name',
      'Filter.1.Value.1': 'com.amazonaws.eu-west-3.events',
      'Filter.1.Value.2': 'com.amazonaws.eu-west-3.kms',
      'Filter.2.Name': 'vpc-endpoint-type',
      'Filter.2.Value.1': 'Interface',
    };
    expect(forms()).toEqual([
      { Action: 'DescribeVpcEndpoints', Version: '2016-11-15', ...filters },
      { Action: 'DescribeVpcEndpoints', Version: '2016-11-15', ...filters, NextToken: 'token/2=' },
    ]);
  });

  it('sets an endpoint policy document', async () => {
    // Prepare
    const { service, forms } = scriptedQueryService(EC2, ec2Answer('ModifyVpcEndpoint', '<return>true</return>'));

    // Act
    await vpcEndpointAdapter(service, region).setPolicy(ENDPOINT, POLICY);

    // Assess
    expect(forms()).toEqual([{ Action: 'ModifyVpcEndpoint', Version: '2016-11-15', VpcEndpointId: ENDPOINT, PolicyDocument: POLICY }]);
  });
});
