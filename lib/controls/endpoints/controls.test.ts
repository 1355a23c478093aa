import { cloneWith, fixture } from '../../../test/support/fixtures';
import { NO_BASELINES, type BaselineLookup } from '../../baseline/types';
import { parseChange } from '../../events/parse';
import { parsePolicy } from '../../policy/load';
import { evaluateChange } from '../evaluate';
import { controlIds } from '../registry';
import { endpointPolicyBroadened } from './controls';
import { ENDPOINT_BASELINE_KIND } from './endpoint';

// Synthetic clones of a real EC2 record (see ATTRIBUTION.md): no public CloudTrail record of
// ModifyVpcEndpoint or DeleteVpcEndpoints was found; the nested `<Name>Request` shape is the one
// real logs show for other newer EC2 APIs (DeleteFlowLogs, CreateNatGateway).
const MODIFY = 'ec2_ModifyVpcEndpoint_synthetic-invictus-clone_1.json';
const DELETE = 'ec2_DeleteVpcEndpoints_synthetic-invictus-clone_1.json';
const ID = 'vpce-0a1b2c3d4e5f60718';
const ARN = `arn:aws:ec2:us-east-1:123837392027:vpc-endpoint/${ID}`;

const policy = parsePolicy('trustedAccounts: ["111122223333"]\norganizationId: o-a1b2c3d4e5\n', 'test-policy.yml', controlIds);

const ORG_ONLY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: '*', Action: 'events:PutEvents', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } } }],
});
const PUBLIC = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }] });

function baseline(serviceName = 'com.amazonaws.us-east-1.events', policyDocument: string | undefined = ORG_ONLY): BaselineLookup {
  return new Map([
    [ARN, { resource: ARN, kind: ENDPOINT_BASELINE_KIND, definition: { arn: ARN, vpcEndpointId: ID, serviceName, vpcEndpointType: 'Interface', policyDocument }, capturedAt: '', source: 'snapshot' }],
  ]);
}

const run = (record: unknown, baselines: BaselineLookup = baseline()) =>
  evaluateChange(parseChange(record), { policy, baselines }, [endpointPolicyBroadened]).findings;

const modify = (request: Record<string, unknown>) => cloneWith(MODIFY, (r) => void (r.requestParameters = request));

describe('endpoint-policy-broadened', () => {
  it('flags a guarded endpoint whose new policy lets any principal in, and plans the baseline policy', () => {
    const [finding, ...more] = run(fixture(MODIFY));
    expect(more).toEqual([]);
    expect(finding).toMatchObject({
      control: 'endpoint-policy-broadened',
      severity: 'high',
      resource: ARN,
      plan: { kind: 'restore-endpoint-policy', vpcEndpointId: ID, policyDocument: ORG_ONLY },
    });
  });

  it.each([
    ['nested, a PolicyDocument string', { ModifyVpcEndpointRequest: { VpcEndpointId: ID, PolicyDocument: PUBLIC } }],
    ['nested, ResetPolicy (the full-access default)', { ModifyVpcEndpointRequest: { VpcEndpointId: ID, ResetPolicy: true } }],
    ['nested, ResetPolicy as a string', { ModifyVpcEndpointRequest: { VpcEndpointId: { tag: 1, content: ID }, ResetPolicy: 'true' } }],
    ['flat lower camel case', { vpcEndpointId: ID, policyDocument: PUBLIC }],
    ['a policy object instead of a string', { ModifyVpcEndpointRequest: { VpcEndpointId: ID, PolicyDocument: JSON.parse(PUBLIC) } }],
  ])('reads the request %s', (_form, request) => {
    expect(run(modify(request)).map((f) => f.resource)).toEqual([ARN]);
  });

  it.each([
    ['a new policy restricted to the organization', modify({ ModifyVpcEndpointRequest: { VpcEndpointId: ID, PolicyDocument: ORG_ONLY } }), baseline()],
    ['a change that sets no policy (subnets only)', modify({ ModifyVpcEndpointRequest: { VpcEndpointId: ID, AddSubnetId: { tag: 1, content: 'subnet-1' } } }), baseline()],
    ['an endpoint with no baseline (not a guarded service as far as the snapshot knows)', fixture(MODIFY), NO_BASELINES],
    ['an endpoint of a service that is not guarded (S3)', fixture(MODIFY), baseline('com.amazonaws.us-east-1.s3')],
    ['an endpoint whose baseline policy was already the full-access default', fixture(MODIFY), baseline('com.amazonaws.us-east-1.sqs', PUBLIC)],
    ['a failed call', cloneWith(MODIFY, (r) => void (r.errorCode = 'Client.UnauthorizedOperation')), baseline()],
  ])('ignores %s', (_what, record, baselines) => {
    expect(run(record, baselines)).toEqual([]);
  });

  it('flags the deletion of a guarded endpoint as critical (alert only)', () => {
    const [finding] = run(fixture(DELETE), baseline('com.amazonaws.us-east-1.kms'));
    expect(finding).toMatchObject({ resource: ARN, severity: 'critical', title: expect.stringContaining('deleted') });
    expect(finding?.plan).toBeUndefined();
    expect(run(fixture(DELETE), NO_BASELINES)).toEqual([]);
  });

  it('re-checks the live policy: acts only while it still differs from the baseline and is public', () => {
    const plan = { kind: 'restore-endpoint-policy' as const, vpcEndpointId: ID, policyDocument: ORG_ONLY };
    const change = parseChange(fixture(MODIFY));
    const context = { policy, baselines: NO_BASELINES };
    const live = (policyDocument: string | undefined, exists = true) => ({ kind: 'vpc-endpoint-policy' as const, vpcEndpointId: ID, policyDocument, exists });
    expect(endpointPolicyBroadened.recheck(plan, live(PUBLIC), change, context)).toEqual(plan);
    expect(endpointPolicyBroadened.recheck(plan, live(ORG_ONLY), change, context)).toBeUndefined();
    expect(endpointPolicyBroadened.recheck(plan, live(undefined, false), change, context)).toBeUndefined();
  });
});
