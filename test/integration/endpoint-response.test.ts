/**
 * VPC endpoint tampering against the moto server, through the REAL functions: the snapshot
 * function (functions/snapshot.ts) captures the baseline policy of an interface endpoint of
 * a guarded service (events) into a DynamoDB table; an untrusted user opens its policy,
 * resets it, or deletes the endpoint in moto; the responder (functions/responder.ts) gets the
 * CloudTrail event (a clone of the ModifyVpcEndpoint / DeleteVpcEndpoints fixtures, aimed at
 * this endpoint) and restores or alerts; the endpoint is read back with a separate EC2 client.
 * moto gap: ModifyVpcEndpoint ignores ResetPolicy, so the reset is reproduced as AWS applies
 * it: the full-access default policy written in its place.
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateSubnetCommand, CreateVpcCommand, CreateVpcEndpointCommand, DeleteVpcEndpointsCommand, DescribeVpcEndpointsCommand, EC2Client, ModifyVpcEndpointCommand } from '@aws-sdk/client-ec2';
import type { Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import type { Outcome } from '../../lib/responder/respond';
import { cloneWith } from '../support/fixtures';
import { awsClientConfig, MOTO_ACCOUNT_ID, type TestQueue } from './harness/aws';
import { alertsFrom, coldStart as startFunction, createAlertTopic, createBaselineTable, type Handler, eventBridgeEnvelope } from './harness/functions';

const ec2 = new EC2Client(awsClientConfig());
const dynamodb = new DynamoDBClient(awsClientConfig());
const REGION = 'us-east-1';
const RESPONDER_ROLE = `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/drift-responder-ci-responder`;
const ORG = 'o-a1b2c3d4e5';

jest.setTimeout(60_000);
const context = { functionName: 'fn', awsRequestId: 'test', getRemainingTimeInMillis: () => 300_000 } as unknown as Context;

let table: string;
let alertQueue: TestQueue;
let topicArn: string;
let vpc: { vpcId: string; subnetId: string };

beforeAll(async () => {
  table = await createBaselineTable();
  ({ topicArn, queue: alertQueue } = await createAlertTopic());
  const { Vpc } = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.42.0.0/16' }));
  const { Subnet } = await ec2.send(new CreateSubnetCommand({ VpcId: Vpc!.VpcId!, CidrBlock: '10.42.1.0/24' }));
  vpc = { vpcId: Vpc!.VpcId!, subnetId: Subnet!.SubnetId! };
});

const POLICY = `
trustedPrincipals: ["arn:aws:iam::*:role/deployer"]
organizationId: ${ORG}
defaults: { mode: alert, dryRun: true }
controls:
  endpoint-policy-broadened: { mode: remediate, dryRun: false }
`;

/** Loads a function module afresh with this environment, as a Lambda cold start would. */
function coldStart(module: 'responder' | 'snapshot'): Handler {
  return startFunction(module, POLICY, {
    ALERT_TOPIC_ARN: topicArn,
    RESPONDER_PRINCIPALS: RESPONDER_ROLE,
    BASELINE_TABLE: table,
    RESPONDER_RULES: '',
    STATE_TABLE: undefined,
    METRICS_NAMESPACE: undefined,
  });
}

/** Only principals of our organization may use the endpoint: the restrictive baseline. */
const ORG_ONLY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: '*', Action: 'events:PutEvents', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalOrgID': ORG } } }],
});
const PUBLIC = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }] });
/** What ResetPolicy=true leaves on an interface endpoint (the full-access default). */
const DEFAULT_FULL_ACCESS = JSON.stringify({ Statement: [{ Action: '*', Effect: 'Allow', Principal: '*', Resource: '*' }] });

/** An interface endpoint of EventBridge with the restrictive policy, its baseline captured by the real snapshot function. */
async function guardedEndpoint(): Promise<{ id: string; arn: string; baseline: { policyDocument: string; serviceName: string } }> {
  const { VpcEndpoint } = await ec2.send(
    new CreateVpcEndpointCommand({
      VpcId: vpc.vpcId,
      ServiceName: `com.amazonaws.${REGION}.events`,
      VpcEndpointType: 'Interface',
      SubnetIds: [vpc.subnetId],
      PolicyDocument: ORG_ONLY,
      ClientToken: randomUUID(),
    }),
  );
  const id = VpcEndpoint!.VpcEndpointId!;
  const arn = `arn:aws:ec2:${REGION}:${MOTO_ACCOUNT_ID}:vpc-endpoint/${id}`;
  await coldStart('snapshot')({ source: 'aws.events', 'detail-type': 'Scheduled Event' }, context);
  const { Item } = await dynamodb.send(new GetItemCommand({ TableName: table, Key: { resource: { S: arn } }, ConsistentRead: true }));
  expect(Item?.kind?.S).toBe('vpc-endpoint-policy');
  const baseline = JSON.parse(Item!.definition!.S!);
  expect(JSON.parse(baseline.policyDocument)).toEqual(JSON.parse(ORG_ONLY));
  return { id, arn, baseline };
}

async function livePolicy(id: string): Promise<unknown> {
  const { VpcEndpoints = [] } = await ec2.send(new DescribeVpcEndpointsCommand({ VpcEndpointIds: [id] }));
  return JSON.parse(VpcEndpoints[0]!.PolicyDocument!);
}

const UNTRUSTED = { type: 'IAMUser', principalId: 'AIDAEXAMPLEMALLORY', arn: `arn:aws:iam::${MOTO_ACCOUNT_ID}:user/mallory`, accountId: MOTO_ACCOUNT_ID, userName: 'mallory' };

/** The event EventBridge delivers: a clone of the endpoint fixtures, made by mallory in moto's account. */
function ec2Event(file: string, requestParameters: Record<string, unknown>) {
  const detail = cloneWith(file, (r) => {
    r.requestParameters = requestParameters;
    r.eventID = randomUUID();
    r.recipientAccountId = MOTO_ACCOUNT_ID;
    r.awsRegion = REGION;
    r.userIdentity = UNTRUSTED;
  });
  return eventBridgeEnvelope(detail, REGION);
}

/** Alerts that reached the topic: SNS envelopes, the message parsed (a JSON alert document). */
async function alerts(expected: number) {
  return alertsFrom(alertQueue, expected, { document: true });
}

describe('VPC endpoint tampering (moto)', () => {
  it('puts back the baseline policy after an untrusted user opened an events endpoint to any principal', async () => {
    // Prepare
    const endpoint = await guardedEndpoint();
    await ec2.send(new ModifyVpcEndpointCommand({ VpcEndpointId: endpoint.id, PolicyDocument: PUBLIC }));
    expect(await livePolicy(endpoint.id)).toEqual(JSON.parse(PUBLIC));
    const event = ec2Event('ec2_ModifyVpcEndpoint_synthetic-invictus-clone_1.json', { ModifyVpcEndpointRequest: { VpcEndpointId: endpoint.id, PolicyDocument: PUBLIC } });

    // Act
    const outcome = (await coldStart('responder')(event, context)) as Outcome;

    // Assess
    expect(await livePolicy(endpoint.id)).toEqual(JSON.parse(endpoint.baseline.policyDocument));
    expect(outcome.findings.map((f) => [f.control, f.resource, f.remediation.status])).toEqual([['endpoint-policy-broadened', endpoint.arn, 'applied']]);
    const [alert, ...more] = await alerts(1);
    expect(more).toEqual([]);
    expect(alert.MessageAttributes.control.Value).toBe('endpoint-policy-broadened');
    expect(alert.document.finding.remediation).toEqual({ status: 'applied', reason: `ModifyVpcEndpoint ${endpoint.id} PolicyDocument=<baseline policy>` });
  });

  it('puts back the baseline policy after an untrusted user reset it to the full-access default', async () => {
    const endpoint = await guardedEndpoint();
    await ec2.send(new ModifyVpcEndpointCommand({ VpcEndpointId: endpoint.id, PolicyDocument: DEFAULT_FULL_ACCESS }));
    const event = ec2Event('ec2_ModifyVpcEndpoint_synthetic-invictus-clone_1.json', { ModifyVpcEndpointRequest: { VpcEndpointId: endpoint.id, ResetPolicy: true } });

    const outcome = (await coldStart('responder')(event, context)) as Outcome;

    expect(await livePolicy(endpoint.id)).toEqual(JSON.parse(ORG_ONLY));
    expect(outcome.findings.map((f) => [f.control, f.remediation.status])).toEqual([['endpoint-policy-broadened', 'applied']]);
    await alerts(1);
  });

  it('raises a critical alert when an untrusted user deletes a guarded endpoint', async () => {
    // Prepare
    const endpoint = await guardedEndpoint();
    await ec2.send(new DeleteVpcEndpointsCommand({ VpcEndpointIds: [endpoint.id] }));
    const event = ec2Event('ec2_DeleteVpcEndpoints_synthetic-invictus-clone_1.json', { DeleteVpcEndpointsRequest: { VpcEndpointId: { tag: 1, content: endpoint.id } } });

    // Act
    const outcome = (await coldStart('responder')(event, context)) as Outcome;

    // Assess
    expect(outcome.findings.map((f) => [f.control, f.resource, f.severity, f.remediation.status])).toEqual([['endpoint-policy-broadened', endpoint.arn, 'critical', 'none']]);
    const [alert, ...more] = await alerts(1);
    expect(more).toEqual([]);
    expect(alert.MessageAttributes.severity.Value).toBe('critical');
    expect(alert.Subject).toContain(endpoint.id);
  });
});
