/**
 * Keys, dead-letter queues and the alert topic against the moto server, through the REAL
 * responder (functions/responder.ts wired from its environment): baselines are captured by
 * the real snapshotters (lib/responder/wiring.ts) into a DynamoDB table, an untrusted user
 * changes the resource in moto, the responder gets the CloudTrail event (a clone of a real
 * record naming the resource) and undoes it; the result is read back with separate clients.
 * UpdateEventBus is missing from moto: its remediation is tested over a fake transport (the real
 * EventBridge wire service, scripted answers) in lib/remediation/bus-encryption.test.ts.
 */
import { CloudTrailClient, CreateTrailCommand } from '@aws-sdk/client-cloudtrail';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateAliasCommand,
  CreateGrantCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  DisableKeyRotationCommand,
  EnableKeyRotationCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  ListGrantsCommand,
  PutKeyPolicyCommand,
  ScheduleKeyDeletionCommand,
  type KeySpec,
  type KeyUsageType,
} from '@aws-sdk/client-kms';
import { GetTopicAttributesCommand, SetTopicAttributesCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, SetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import type { Outcome } from '../../lib/responder/respond';
import { awsClientConfig, createQueue, motoEndpoint, MOTO_ACCOUNT_ID, type TestQueue } from './harness/aws';
import { alertsFrom, cloudTrailEnvelope, coldStart as startFunction, createAlertTopic, createBaselineTable, setEnvironment, type Handler as FunctionHandler } from './harness/functions';

jest.setTimeout(60_000);

const kms = new KMSClient(awsClientConfig());
const dynamodb = new DynamoDBClient(awsClientConfig());
const sns = new SNSClient(awsClientConfig());
const sqs = new SQSClient(awsClientConfig());
const cloudTrail = new CloudTrailClient(awsClientConfig());
const RESPONDER_ROLE = 'arn:aws:iam::123456789012:role/drift-responder-ci-responder';

type Handler = FunctionHandler<Outcome>;
const context = { functionName: 'responder', awsRequestId: 'test' } as Context;

/** Names unique to this file's run: the protect globs below match only this file's resources. */
const PREFIX = `enc-${randomUUID().slice(0, 8)}`;
let table: string;
let alertQueue: TestQueue;
let topicArn: string;

beforeAll(async () => {
  table = await createBaselineTable();
  ({ topicArn, queue: alertQueue } = await createAlertTopic());
});

// Keys are protected through their alias (resolved live by the snapshotter) or through the
// protected trail they encrypt; queues and trails by name.
const POLICY = `
trustedAccounts: ["444455556666"]
trustedPrincipals: ["arn:aws:iam::*:role/deployer"]
protect:
  keys: ["alias/${PREFIX}-*"]
  queues: ["${PREFIX}-*-dlq"]
  trails: ["${PREFIX}-trail-*"]
minimumDlqRetentionSeconds: 1209600
defaults: { mode: remediate, dryRun: false }
`;

/** The responder's environment (besides the policy file, the endpoint and the log level). */
function environment(): Record<string, string> {
  return { ALERT_TOPIC_ARN: topicArn, RESPONDER_PRINCIPALS: RESPONDER_ROLE, BASELINE_TABLE: table };
}

/** Loads functions/responder.ts afresh with this environment, as a Lambda cold start would. */
function coldStart(): Handler {
  return startFunction<Outcome>('responder', POLICY, environment());
}

/** Captures baselines with the deployed wiring's own snapshotters (the kinds this file guards) into the table. */
async function snapshot(): Promise<void> {
  setEnvironment(POLICY, environment());
  let done: Promise<unknown> | undefined;
  jest.isolateModules(() => {
    const { snapshotDepsFromEnvironment } = require('../../lib/responder/wiring');
    const { snapshotAll } = require('../../lib/snapshot/snapshot');
    const deps = snapshotDepsFromEnvironment(process.env);
    const mine = deps.snapshotters.filter((s: { kind: string }) => ['kms-key', 'sqs-queue', 'sns-topic'].includes(s.kind));
    done = snapshotAll({ ...deps, snapshotters: mine }, { refresh: true });
  });
  const summary = (await done) as { failures: unknown[] };
  expect(summary.failures).toEqual([]);
}

async function newKey(options: { keySpec?: KeySpec; keyUsage?: KeyUsageType } = {}): Promise<{ keyId: string; arn: string }> {
  const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: PREFIX, KeySpec: options.keySpec, KeyUsage: options.keyUsage }));
  const key = { keyId: KeyMetadata!.KeyId!, arn: KeyMetadata!.Arn! };
  await kms.send(new CreateAliasCommand({ AliasName: `alias/${PREFIX}-${randomUUID().slice(0, 8)}`, TargetKeyId: key.keyId }));
  return key;
}

const envelope = cloudTrailEnvelope;

const keyEvent = (fixtureName: string, key: { keyId: string; arn: string }, extra: (r: Record<string, any>) => void = () => {}) =>
  envelope(fixtureName, (r) => {
    r.requestParameters = { ...r.requestParameters, keyId: key.keyId };
    r.resources = [{ accountId: MOTO_ACCOUNT_ID, type: 'AWS::KMS::Key', ARN: key.arn }];
    extra(r);
  });

async function alerts(expected: number) {
  return alertsFrom(alertQueue, expected);
}

const ROOT_ADMIN = { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${MOTO_ACCOUNT_ID}:root` }, Action: 'kms:*', Resource: '*' };

describe('the responder on KMS keys (moto)', () => {
  it('cancels a scheduled deletion AND re-enables the key, then alerts with what it did', async () => {
    // Prepare
    const key = await newKey();
    await snapshot();
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.keyId, PendingWindowInDays: 7 }));
    const handler = coldStart();

    // Act
    const outcome = await handler(keyEvent('kms_ScheduleKeyDeletion_awsdocs-kms_1.json', key), context);

    // Assess
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: key.keyId }));
    expect(KeyMetadata).toMatchObject({ KeyState: 'Enabled', Enabled: true });
    expect(KeyMetadata?.DeletionDate).toBeUndefined();
    expect(outcome.findings.map((f) => [f.control, f.remediation.status])).toEqual([['key-deletion-scheduled', 'applied']]);
    const [alert] = await alerts(1);
    expect(alert.Subject).toMatch(/^\[CRITICAL\] key-deletion-scheduled: /);
    // Whatever the message structure (plain text or JSON), it says both steps were applied, in order.
    expect(alert.Message).toContain(`CancelKeyDeletion ${key.arn}; EnableKey ${key.arn}`);
  });

  it('re-enables a disabled key', async () => {
    const key = await newKey();
    await snapshot();
    await kms.send(new DisableKeyCommand({ KeyId: key.keyId }));

    await coldStart()(keyEvent('kms_DisableKey_awsdocs-kms_1.json', key), context);

    expect((await kms.send(new DescribeKeyCommand({ KeyId: key.keyId }))).KeyMetadata?.KeyState).toBe('Enabled');
    await alerts(1);
  });

  it('re-enables a key that is not in protect.keys but encrypts a protected trail', async () => {
    // Prepare: a key with no alias (protect.keys cannot name it) behind a protected trail's logs.
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: `${PREFIX} trail logs` }));
    const key = { keyId: KeyMetadata!.KeyId!, arn: KeyMetadata!.Arn! };
    const bucket = `trail-logs-${randomUUID()}`;
    // No S3 client in this project: moto creates a bucket on a path-style PUT.
    const created = await fetch(`${motoEndpoint()}/${bucket}`, { method: 'PUT' });
    await created.arrayBuffer();
    expect(created.ok).toBe(true);
    const { TrailARN } = await cloudTrail.send(new CreateTrailCommand({ Name: `${PREFIX}-trail-${randomUUID().slice(0, 8)}`, S3BucketName: bucket, KmsKeyId: key.arn }));
    await snapshot();
    const { Item } = await dynamodb.send(new GetItemCommand({ TableName: table, Key: { resource: { S: key.arn } }, ConsistentRead: true }));
    expect(JSON.parse(Item!.definition!.S!).usedBy).toEqual([TrailARN]);
    await kms.send(new DisableKeyCommand({ KeyId: key.keyId }));

    // Act
    const outcome = await coldStart()(keyEvent('kms_DisableKey_awsdocs-kms_1.json', key), context);

    // Assess
    expect((await kms.send(new DescribeKeyCommand({ KeyId: key.keyId }))).KeyMetadata?.KeyState).toBe('Enabled');
    expect(outcome.findings.map((f) => [f.control, f.remediation.status, f.evidence.summary])).toEqual([
      ['key-disabled', 'applied', expect.stringContaining(`encrypts protected ${TrailARN}`)],
    ]);
    await alerts(1);
  });

  it('restores the baseline key policy after it was opened to everyone', async () => {
    // Prepare
    const key = await newKey();
    const baselinePolicy = { Version: '2012-10-17', Id: 'key-default-1', Statement: [ROOT_ADMIN] };
    await kms.send(new PutKeyPolicyCommand({ KeyId: key.keyId, PolicyName: 'default', Policy: JSON.stringify(baselinePolicy) }));
    await snapshot();
    const broadened = { Version: '2012-10-17', Statement: [ROOT_ADMIN, { Sid: 'open', Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:Decrypt', Resource: '*' }] };
    await kms.send(new PutKeyPolicyCommand({ KeyId: key.keyId, PolicyName: 'default', Policy: JSON.stringify(broadened) }));

    // Act
    const outcome = await coldStart()(
      keyEvent('kms_PutKeyPolicy_awsdocs-kms_1.json', key, (r) => void (r.requestParameters.policy = JSON.stringify(broadened))),
      context,
    );

    // Assess
    const { Policy } = await kms.send(new GetKeyPolicyCommand({ KeyId: key.keyId, PolicyName: 'default' }));
    expect(JSON.parse(Policy!)).toEqual(baselinePolicy);
    expect(outcome.findings.map((f) => [f.control, f.remediation.status])).toEqual([['key-policy-broadened', 'applied']]);
    await alerts(1);
  });

  it('says "no baseline" and changes nothing when the key policy was never captured', async () => {
    const key = await newKey();
    const broadened = { Version: '2012-10-17', Statement: [ROOT_ADMIN, { Sid: 'open', Effect: 'Allow', Principal: '*', Action: 'kms:*', Resource: '*' }] };
    await kms.send(new PutKeyPolicyCommand({ KeyId: key.keyId, PolicyName: 'default', Policy: JSON.stringify(broadened) }));
    // Protected by key id (no baseline, so no alias is known).
    const outcome = await coldStartWith(`protect: { keys: ["${key.keyId}"] }\ndefaults: { mode: remediate, dryRun: false }\n`)(
      keyEvent('kms_PutKeyPolicy_awsdocs-kms_1.json', key, (r) => void (r.requestParameters.policy = JSON.stringify(broadened))),
      context,
    );

    expect(outcome.findings[0]?.remediation).toEqual({ status: 'failed', reason: expect.stringMatching(/^NoBaselineError: .*no baseline of this key policy is stored/) });
    const { Policy } = await kms.send(new GetKeyPolicyCommand({ KeyId: key.keyId, PolicyName: 'default' }));
    expect(JSON.parse(Policy!)).toEqual(broadened);
    await alerts(1);
  });

  it('turns rotation back on for a symmetric key', async () => {
    const key = await newKey();
    await kms.send(new EnableKeyRotationCommand({ KeyId: key.keyId }));
    await snapshot();
    await kms.send(new DisableKeyRotationCommand({ KeyId: key.keyId }));

    await coldStart()(keyEvent('kms_DisableKeyRotation_awsdocs-kms_1.json', key), context);

    expect((await kms.send(new GetKeyRotationStatusCommand({ KeyId: key.keyId }))).KeyRotationEnabled).toBe(true);
    await alerts(1);
  });

  it('raises no rotation finding for an asymmetric key', async () => {
    // moto accepts DisableKeyRotation on an asymmetric key (real KMS refuses it, so CloudTrail
    // would record a failed call that never reaches the controls); the baseline says RSA.
    const key = await newKey({ keySpec: 'RSA_2048', keyUsage: 'SIGN_VERIFY' });
    await snapshot();
    await kms.send(new DisableKeyRotationCommand({ KeyId: key.keyId }));

    const outcome = await coldStart()(keyEvent('kms_DisableKeyRotation_awsdocs-kms_1.json', key), context);

    expect(outcome.findings).toEqual([]);
    expect(await alerts(0)).toEqual([]);
  });

  it('revokes a grant to an untrusted account', async () => {
    const key = await newKey();
    await snapshot();
    const grantee = 'arn:aws:iam::999988887777:role/exfil';
    const { GrantId } = await kms.send(new CreateGrantCommand({ KeyId: key.keyId, GranteePrincipal: grantee, Operations: ['Decrypt'] }));

    await coldStart()(
      keyEvent('kms_CreateGrant_awsdocs-kms_1.json', key, (r) => {
        r.requestParameters.granteePrincipal = grantee;
        r.responseElements = { grantId: GrantId };
      }),
      context,
    );

    expect((await kms.send(new ListGrantsCommand({ KeyId: key.keyId }))).Grants ?? []).toEqual([]);
    await alerts(1);
  });
});

function coldStartWith(policyYaml: string): Handler {
  return startFunction<Outcome>('responder', policyYaml, environment());
}

describe('the responder on dead-letter queues and the alert topic (moto)', () => {
  const queueEvent = (url: string, attributes: Record<string, unknown>) =>
    envelope('sqs_SetQueueAttributes_streamalert_1.json', (r) => void (r.requestParameters = { attributes, queueUrl: url }));

  it('restores a DLQ\'s stripped encryption from its baseline', async () => {
    // Prepare
    const key = await newKey();
    const dlq = await createQueue(`${PREFIX}-${randomUUID().slice(0, 6)}-dlq`, { attributes: { KmsMasterKeyId: key.arn, KmsDataKeyReusePeriodSeconds: '300', MessageRetentionPeriod: '1209600' } });
    await snapshot();
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: dlq.url, Attributes: { KmsMasterKeyId: '' } }));

    // Act
    const outcome = await coldStart()(queueEvent(dlq.url, { KmsMasterKeyId: '' }), context);

    // Assess
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.url, AttributeNames: ['All'] }));
    expect(Attributes).toMatchObject({ KmsMasterKeyId: key.arn, KmsDataKeyReusePeriodSeconds: '300' });
    expect(outcome.findings.map((f) => [f.control, f.remediation.status])).toEqual([['queue-encryption-removed', 'applied']]);
    await alerts(1);
  });

  it('puts a DLQ\'s retention back and removes only the public statement of its policy', async () => {
    const dlq = await createQueue(`${PREFIX}-${randomUUID().slice(0, 6)}-dlq`, { attributes: { MessageRetentionPeriod: '1209600' } });
    await snapshot();
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: dlq.url, Attributes: { MessageRetentionPeriod: '60' } }));
    await coldStart()(queueEvent(dlq.url, { MessageRetentionPeriod: '60' }), context);
    expect((await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.url, AttributeNames: ['MessageRetentionPeriod'] }))).Attributes?.MessageRetentionPeriod).toBe('1209600');

    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'partner', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444455556666:root' }, Action: 'sqs:SendMessage', Resource: dlq.arn },
        { Sid: 'world', Effect: 'Allow', Principal: '*', Action: 'sqs:ReceiveMessage', Resource: dlq.arn },
      ],
    });
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: dlq.url, Attributes: { Policy: policy } }));
    await coldStart()(queueEvent(dlq.url, { Policy: policy }), context);
    const after = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.url, AttributeNames: ['Policy'] }))).Attributes?.Policy;
    expect(JSON.parse(after!).Statement.map((s: { Sid: string }) => s.Sid)).toEqual(['partner']);
    await alerts(2);
  });

  it('guards the responder\'s own alert topic without any protect.topics entry: takes the public statement out', async () => {
    const open = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Sid: 'world', Effect: 'Allow', Principal: { AWS: '*' }, Action: ['SNS:Subscribe', 'SNS:Receive'], Resource: topicArn }],
    });
    await sns.send(new SetTopicAttributesCommand({ TopicArn: topicArn, AttributeName: 'Policy', AttributeValue: open }));

    const outcome = await coldStart()(
      envelope('sns_SetTopicAttributes_streamalert_2.json', (r) => void (r.requestParameters = { attributeName: 'Policy', topicArn, attributeValue: open })),
      context,
    );

    expect(outcome.findings.map((f) => [f.control, f.remediation.status])).toEqual([['topic-tampered', 'applied']]);
    const { Attributes } = await sns.send(new GetTopicAttributesCommand({ TopicArn: topicArn }));
    expect(JSON.parse(Attributes!.Policy!).Statement.map((s: { Sid: string }) => s.Sid)).not.toContain('world');
    await alerts(1);
  });
});

describe('the snapshotters', () => {
  it('resolve a key\'s aliases and the protected queues it encrypts into its baseline', async () => {
    const key = await newKey();
    const dlq = await createQueue(`${PREFIX}-${randomUUID().slice(0, 6)}-dlq`, { attributes: { KmsMasterKeyId: key.arn } });
    setEnvironment(POLICY, environment());
    let captured: Promise<{ definition: { aliases: string[]; usedBy: string[] } } | undefined> | undefined;
    jest.isolateModules(() => {
      const deps = require('../../lib/responder/wiring').snapshotDepsFromEnvironment(process.env);
      captured = deps.snapshotters.find((s: { kind: string }) => s.kind === 'kms-key').capture(key.arn);
    });
    const baseline = await captured;
    expect(baseline?.definition.aliases).toEqual([expect.stringMatching(new RegExp(`^alias/${PREFIX}-`))]);
    expect(baseline?.definition.usedBy).toContain(dlq.arn);
  });
});
