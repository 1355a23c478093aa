/**
 * The real handler (functions/responder.ts) on IAM grants, against the moto server: an
 * untrusted IAM user (the real invictus record's actor) attaches EventBridge administrative
 * power to a role; the grant is read back with a separate IAM client. Moto gap: the shared
 * server does not load AWS managed policies (MOTO_IAM_LOAD_MANAGED_POLICIES is off, and it
 * cannot be restarted under other engineers' tests), so attaching arn:aws:iam::aws:policy/
 * AmazonEventBridgeFullAccess fails with NoSuchEntity. The tests attach a customer managed
 * copy of its document (first statement, from the AWS managed policy reference) instead: the
 * handler then reads it live (GetPolicy + GetPolicyVersion). The AWS managed ARN path is unit-tested.
 * Moto gap: GetPolicyVersion's Document comes back as plain JSON, where AWS URL-encodes it (as moto
 * does for GetRolePolicy): the adapter's single decodeURIComponent leaves plain JSON without '%'
 * unchanged, so these tests pass either way; the encoded form AWS sends is unit-tested (lib/aws/iam.test.ts).
 */
import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import type { Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { cloneWith } from '../support/fixtures';
import { awsClientConfig, MOTO_ACCOUNT_ID, type TestQueue } from './harness/aws';
import { alertsFrom, coldStart as startFunction, createAlertTopic, type Handler, eventBridgeEnvelope } from './harness/functions';

const iam = new IAMClient(awsClientConfig());
const ATTACH = 'iam_AttachRolePolicy_invictus-aws-dataset_6.json'; // real: AttachRolePolicy by IAM user bert-jan
const PUT_INLINE = 'iam_PutRolePolicy_invictus-aws-dataset_1.json';
const FULL_ACCESS_DOCUMENT = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'EventBridgeActions', Effect: 'Allow', Action: ['events:*', 'schemas:*', 'scheduler:*', 'pipes:*'], Resource: '*' }] });
const RESPONDER_ROLE = 'arn:aws:iam::123456789012:role/drift-responder-ci-responder';
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
const EVENTS_ADMIN = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'events:*', Resource: '*' }] });

const context = { functionName: 'responder', awsRequestId: 'test' } as Context;

let alertQueue: TestQueue;
let topicArn: string;

beforeAll(async () => {
  ({ topicArn, queue: alertQueue } = await createAlertTopic());
});

function coldStart(mode: 'alert' | 'remediate', extra = ''): Handler {
  return startFunction('responder', `defaults: { mode: alert, dryRun: false }\ncontrols:\n  iam-eventbridge-overgrant: { mode: ${mode} }\n${extra}`, {
    ALERT_TOPIC_ARN: topicArn,
    RESPONDER_PRINCIPALS: RESPONDER_ROLE,
  });
}

async function newRole(): Promise<string> {
  const name = `app-${randomUUID().slice(0, 8)}`;
  await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: TRUST }));
  return name;
}

const attached = async (role: string) => ((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: role }))).AttachedPolicies ?? []).map((p) => p.PolicyArn);

/** The CloudTrail event EventBridge delivers: a clone of the real record, pointed at the moto account. */
function iamEvent(base: string, requestParameters: Record<string, unknown>) {
  const detail = cloneWith(base, (r) => {
    r.requestParameters = requestParameters;
    r.eventID = randomUUID();
    r.recipientAccountId = MOTO_ACCOUNT_ID;
  });
  return eventBridgeEnvelope(detail, 'us-east-1');
}

async function alertsFor(role: string, expected: number) {
  const envelopes = await alertsFrom(alertQueue, expected);
  return envelopes.map((e) => JSON.parse(e.Message)).filter((doc) => JSON.stringify(doc).includes(role));
}

describe('the responder on IAM grants of EventBridge power (moto)', () => {
  it.each([
    ['remediate', true, 'applied'],
    ['alert', false, 'skipped'],
  ] as const)('in %s mode, detaches AmazonEventBridgeFullAccess (a copy): %p, remediation %s', async (mode, detached, status) => {
    // Prepare
    const role = await newRole();
    const { Policy } = await iam.send(new CreatePolicyCommand({ PolicyName: `AmazonEventBridgeFullAccess-${randomUUID().slice(0, 8)}`, PolicyDocument: FULL_ACCESS_DOCUMENT }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: role, PolicyArn: Policy!.Arn! }));
    const handler = coldStart(mode);

    // Act
    await handler(iamEvent(ATTACH, { roleName: role, policyArn: Policy!.Arn! }), context);

    // Assess
    expect(await attached(role)).toEqual(detached ? [] : [Policy!.Arn!]);
    const [doc] = await alertsFor(role, 1);
    expect(doc.finding.control).toBe('iam-eventbridge-overgrant');
    expect(doc.finding.remediation.status).toBe(status);
  });

  it('reads an attached customer managed policy live and detaches it when it grants events:*', async () => {
    // Prepare
    const role = await newRole();
    const { Policy } = await iam.send(new CreatePolicyCommand({ PolicyName: `events-admin-${randomUUID().slice(0, 8)}`, PolicyDocument: EVENTS_ADMIN }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: role, PolicyArn: Policy!.Arn! }));
    const handler = coldStart('remediate');

    // Act
    await handler(iamEvent(ATTACH, { roleName: role, policyArn: Policy!.Arn! }), context);

    // Assess
    expect(await attached(role)).toEqual([]);
    const [doc] = await alertsFor(role, 1);
    expect(doc.finding.severity).toBe('high');
  });

  it('deletes an over-granting inline policy, but never on a break-glass role', async () => {
    // Prepare
    const [role, breakGlass] = [await newRole(), await newRole()];
    for (const r of [role, breakGlass]) await iam.send(new PutRolePolicyCommand({ RoleName: r, PolicyName: 'inline-policy', PolicyDocument: EVENTS_ADMIN }));
    const handler = coldStart('remediate', `breakGlassPrincipals: ["arn:aws:iam::*:role/${breakGlass}"]\n`);

    // Act
    for (const r of [role, breakGlass]) await handler(iamEvent(PUT_INLINE, { roleName: r, policyName: 'inline-policy', policyDocument: EVENTS_ADMIN }), context);

    // Assess
    const inline = async (r: string) => (await iam.send(new ListRolePoliciesCommand({ RoleName: r }))).PolicyNames;
    expect(await inline(role)).toEqual([]);
    expect(await inline(breakGlass)).toEqual(['inline-policy']);
    await alertsFor(role, 2);
  });
});
