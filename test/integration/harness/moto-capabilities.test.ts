// Proves, against the real moto server started by global-setup.ts, the emulator features that the
// integration tests rely on. Each quirk of moto (vs real AWS) that we observed is pinned here, so a
// moto upgrade that changes it shows up as a failing test rather than as a confusing failure
// elsewhere. moto version: see requirements-test.txt.
import {
  CreateEventBusCommand,
  DescribeEventBusCommand,
  EventBridgeClient,
  PutEventsCommand,
  PutPermissionCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemovePermissionCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateTopicCommand,
  GetTopicAttributesCommand,
  PublishCommand,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { awsClientConfig, createQueue, MOTO_ACCOUNT_ID, receiveAll, resetMoto } from './aws';
import { startMoto, type MotoHandle } from './moto';

interface PolicyStatement {
  Sid: string;
  Effect: string;
  Principal: unknown;
  Action: string;
  Resource: string;
  Condition?: unknown;
}

/** Runs `fn` and returns the error it threw (fails the test if it did not throw). */
async function errorOf(fn: () => Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

describe('moto capabilities we rely on', () => {
  let events: EventBridgeClient;
  let sns: SNSClient;
  let sqs: SQSClient;

  // A moto server of its own: resetMoto() below wipes all state, which must never reach the
  // server the other test files share (they may run beside this one with more jest workers).
  let ownMoto: MotoHandle;
  const shared = { moto: process.env.MOTO_ENDPOINT, endpointUrl: process.env.AWS_ENDPOINT_URL };

  beforeAll(async () => {
    ownMoto = await startMoto();
    process.env.MOTO_ENDPOINT = ownMoto.endpoint;
    process.env.AWS_ENDPOINT_URL = ownMoto.endpoint;
    events = new EventBridgeClient(awsClientConfig());
    sns = new SNSClient(awsClientConfig());
    sqs = new SQSClient(awsClientConfig());
  });

  afterAll(async () => {
    events.destroy();
    sns.destroy();
    sqs.destroy();
    process.env.MOTO_ENDPOINT = shared.moto;
    process.env.AWS_ENDPOINT_URL = shared.endpointUrl;
    await ownMoto.stop();
  });

  beforeEach(async () => {
    await resetMoto();
  });

  it('harness: pins fake credentials/region and sends unconfigured SDK clients to moto', async () => {
    expect(process.env.MOTO_ENDPOINT).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(process.env.AWS_ACCESS_KEY_ID).toBe('testing');
    expect(process.env.AWS_SECRET_ACCESS_KEY).toBe('testing');
    expect(process.env.AWS_REGION).toBe('us-east-1');
    expect(process.env.AWS_EC2_METADATA_DISABLED).toBe('true');
    expect(process.env.AWS_ENDPOINT_URL).toBe(process.env.MOTO_ENDPOINT);

    const q = await createQueue('harness-probe');
    expect(q.arn).toBe(`arn:aws:sqs:us-east-1:${MOTO_ACCOUNT_ID}:harness-probe`);
    // A client built with no config at all (like production code under test) reaches moto.
    const bare = new SQSClient({});
    try {
      const { QueueUrls } = await bare.send(new ListQueuesCommand({}));
      expect(QueueUrls).toEqual([q.url]);
    } finally {
      bare.destroy();
    }
  });

  it('EventBridge bus resource policy: PutPermission / DescribeEventBus / RemovePermission', async () => {
    const { EventBusArn } = await events.send(new CreateEventBusCommand({ Name: 'test-bus' }));
    expect(EventBusArn).toBe(`arn:aws:events:us-east-1:${MOTO_ACCOUNT_ID}:event-bus/test-bus`);

    // A fresh bus has no Policy key at all (not an empty string).
    expect((await events.send(new DescribeEventBusCommand({ Name: 'test-bus' }))).Policy).toBeUndefined();

    // Legacy form: one account.
    await events.send(
      new PutPermissionCommand({
        EventBusName: 'test-bus',
        Action: 'events:PutEvents',
        Principal: '111122223333',
        StatementId: 'allow-partner',
      }),
    );
    // Legacy form: everybody (the public bus our guard must catch). Accepted without a Condition.
    await events.send(
      new PutPermissionCommand({
        EventBusName: 'test-bus',
        Action: 'events:PutEvents',
        Principal: '*',
        StatementId: 'public',
      }),
    );
    // Whole-policy form. NOTE (moto): this MERGES into the existing policy (it only drops existing
    // statements whose Principal equals one of the new ones); every statement needs a Sid.
    await events.send(
      new PutPermissionCommand({
        EventBusName: 'test-bus',
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'org-policy',
              Effect: 'Allow',
              Principal: { AWS: 'arn:aws:iam::444455556666:root' },
              Action: 'events:PutEvents',
              Resource: EventBusArn,
            },
          ],
        }),
      }),
    );

    const described = await events.send(new DescribeEventBusCommand({ Name: 'test-bus' }));
    // Policy comes back as a JSON *string*.
    expect(typeof described.Policy).toBe('string');
    const policy = JSON.parse(described.Policy!) as { Version: string; Statement: PolicyStatement[] };
    expect(policy.Version).toBe('2012-10-17');
    expect(policy.Statement).toEqual([
      {
        Sid: 'allow-partner',
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::111122223333:root' },
        Action: 'events:PutEvents',
        Resource: EventBusArn,
      },
      {
        Sid: 'public',
        Effect: 'Allow',
        // NOTE (moto quirk): Principal '*' is rendered as {AWS: 'arn:aws:iam::*:root'}, where real
        // AWS writes "Principal": "*". Detection code must accept both shapes.
        Principal: { AWS: 'arn:aws:iam::*:root' },
        Action: 'events:PutEvents',
        Resource: EventBusArn,
      },
      {
        Sid: 'org-policy',
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::444455556666:root' },
        Action: 'events:PutEvents',
        Resource: EventBusArn,
      },
    ]);

    // Legacy form with a Condition (only allowed with Principal '*') is stored as a Condition block.
    await events.send(
      new PutPermissionCommand({
        EventBusName: 'test-bus',
        Action: 'events:PutEvents',
        Principal: '*',
        StatementId: 'org-only',
        Condition: { Type: 'StringEquals', Key: 'aws:PrincipalOrgID', Value: 'o-1234567890' },
      }),
    );
    const withCondition = JSON.parse(
      (await events.send(new DescribeEventBusCommand({ Name: 'test-bus' }))).Policy!,
    ) as { Statement: PolicyStatement[] };
    // NOTE (moto quirk): a new legacy statement REPLACES any existing statement with the same
    // Principal, so 'public' (also Principal '*') is gone now.
    expect(withCondition.Statement.map((s) => s.Sid)).toEqual(['allow-partner', 'org-policy', 'org-only']);
    expect(withCondition.Statement[2]!.Condition).toEqual({
      StringEquals: { 'aws:PrincipalOrgID': 'o-1234567890' },
    });

    // RemovePermission by StatementId removes only that statement.
    await events.send(new RemovePermissionCommand({ EventBusName: 'test-bus', StatementId: 'org-only' }));
    const afterRemove = JSON.parse(
      (await events.send(new DescribeEventBusCommand({ Name: 'test-bus' }))).Policy!,
    ) as { Statement: PolicyStatement[] };
    expect(afterRemove.Statement.map((s) => s.Sid)).toEqual(['allow-partner', 'org-policy']);

    // Removing a statement that does not exist:
    //   ResourceNotFoundException, HTTP 400, "Statement with the provided id does not exist."
    const missing = await errorOf(() =>
      events.send(new RemovePermissionCommand({ EventBusName: 'test-bus', StatementId: 'no-such-sid' })),
    );
    expect(missing.name).toBe('ResourceNotFoundException');
    expect(missing.message).toBe('Statement with the provided id does not exist.');
    expect(missing.$metadata?.httpStatusCode).toBe(400);

    // RemoveAllPermissions works; afterwards DescribeEventBus has no Policy key again.
    await events.send(new RemovePermissionCommand({ EventBusName: 'test-bus', RemoveAllPermissions: true }));
    expect((await events.send(new DescribeEventBusCommand({ Name: 'test-bus' }))).Policy).toBeUndefined();

    // RemovePermission on a bus without any policy: ResourceNotFoundException,
    // "EventBus does not have a policy."
    const noPolicy = await errorOf(() =>
      events.send(new RemovePermissionCommand({ EventBusName: 'test-bus', StatementId: 'allow-partner' })),
    );
    expect(noPolicy.name).toBe('ResourceNotFoundException');
    expect(noPolicy.message).toBe('EventBus does not have a policy.');

    // Unknown bus: ResourceNotFoundException.
    const noBus = await errorOf(() => events.send(new DescribeEventBusCommand({ Name: 'no-such-bus' })));
    expect(noBus.name).toBe('ResourceNotFoundException');
  });

  it('SNS -> SQS: envelope with Subject, Message, MessageAttributes; FilterPolicy is honoured', async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'alerts' }));
    expect(TopicArn).toBe(`arn:aws:sns:us-east-1:${MOTO_ACCOUNT_ID}:alerts`);
    const all = await createQueue('alerts-all');
    const highOnly = await createQueue('alerts-high');
    const raw = await createQueue('alerts-raw');

    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: all.arn }));
    await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'sqs',
        Endpoint: highOnly.arn,
        Attributes: { FilterPolicy: JSON.stringify({ severity: ['high'] }) },
      }),
    );
    await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'sqs',
        Endpoint: raw.arn,
        Attributes: { RawMessageDelivery: 'true' },
      }),
    );

    const published = await sns.send(
      new PublishCommand({
        TopicArn,
        Subject: 'Risky change reverted',
        Message: JSON.stringify({ action: 'RemovePermission', bus: 'test-bus' }),
        MessageAttributes: {
          severity: { DataType: 'String', StringValue: 'high' },
          count: { DataType: 'Number', StringValue: '3' },
        },
      }),
    );
    await sns.send(
      new PublishCommand({
        TopicArn,
        Subject: 'FYI',
        Message: 'low severity',
        MessageAttributes: { severity: { DataType: 'String', StringValue: 'low' } },
      }),
    );

    // Default (non-raw) delivery: the SQS body is the SNS JSON envelope; the SQS message itself
    // carries no MessageAttributes (they are inside the envelope).
    const allMsgs = await receiveAll(sqs, all.url, { expected: 2, timeoutMs: 5_000 });
    expect(allMsgs).toHaveLength(2);
    const envelopes = allMsgs.map((m) => JSON.parse(m.Body!) as Record<string, unknown>);
    const high = envelopes.find((e) => e.Subject === 'Risky change reverted')!;
    expect(high).toBeDefined();
    expect(Object.keys(high).sort()).toEqual(
      [
        'Message',
        'MessageAttributes',
        'MessageId',
        'Signature',
        'SignatureVersion',
        'SigningCertURL',
        'Subject',
        'Timestamp',
        'TopicArn',
        'Type',
        'UnsubscribeURL',
      ].sort(),
    );
    expect(high).toMatchObject({
      Type: 'Notification',
      MessageId: published.MessageId,
      TopicArn,
      Subject: 'Risky change reverted',
      Message: JSON.stringify({ action: 'RemovePermission', bus: 'test-bus' }),
      // Envelope attribute shape is {Type, Value} (not SQS's {DataType, StringValue}).
      MessageAttributes: {
        severity: { Type: 'String', Value: 'high' },
        count: { Type: 'Number', Value: '3' },
      },
      // NOTE (moto): always SignatureVersion "2" (SHA256); real SNS defaults to "1".
      SignatureVersion: '2',
    });
    expect(allMsgs.find((m) => m.Body!.includes('Risky'))!.MessageAttributes).toBeUndefined();

    // FilterPolicy on MessageAttributes is honoured: only the 'high' message arrives.
    // (moto delivers SNS->SQS and EventBridge->SQS synchronously inside Publish/PutEvents, so a
    // short wait is enough to show that something was NOT delivered.)
    const highMsgs = await receiveAll(sqs, highOnly.url, { expected: 2, timeoutMs: 1_000 });
    expect(highMsgs.map((m) => (JSON.parse(m.Body!) as { Subject: string }).Subject)).toEqual([
      'Risky change reverted',
    ]);

    // RawMessageDelivery: the body is the bare Message and the attributes become SQS
    // MessageAttributes ({DataType, StringValue}); the Subject is lost.
    const rawMsgs = await receiveAll(sqs, raw.url, { expected: 2, timeoutMs: 5_000 });
    const rawHigh = rawMsgs.find((m) => m.Body!.includes('RemovePermission'))!;
    expect(rawHigh.Body).toBe(JSON.stringify({ action: 'RemovePermission', bus: 'test-bus' }));
    expect(rawHigh.MessageAttributes).toEqual({
      severity: { DataType: 'String', StringValue: 'high' },
      count: { DataType: 'Number', StringValue: '3' },
    });
  });

  it('EventBridge routing: rule on the default bus delivers matching CloudTrail-shaped events to SQS', async () => {
    const target = await createQueue('guard-events');
    const pattern = {
      source: ['aws.events'],
      'detail-type': ['AWS API Call via CloudTrail'],
      detail: { eventSource: ['events.amazonaws.com'], eventName: ['PutPermission'] },
    };
    const { RuleArn } = await events.send(
      new PutRuleCommand({ Name: 'guard-putpermission', EventPattern: JSON.stringify(pattern) }),
    );
    expect(RuleArn).toBe(`arn:aws:events:us-east-1:${MOTO_ACCOUNT_ID}:rule/guard-putpermission`);
    const targets = await events.send(
      new PutTargetsCommand({ Rule: 'guard-putpermission', Targets: [{ Id: 'queue', Arn: target.arn }] }),
    );
    expect(targets.FailedEntryCount).toBe(0);

    const detail = (eventName: string) => ({
      eventVersion: '1.08',
      eventSource: 'events.amazonaws.com',
      eventName,
      awsRegion: 'us-east-1',
      requestParameters: { eventBusName: 'test-bus', statementId: 'public', principal: '*' },
    });
    const put = await events.send(
      new PutEventsCommand({
        Entries: [
          // moto accepts the reserved aws.* sources from PutEvents (real AWS rejects them).
          { Source: 'aws.events', DetailType: 'AWS API Call via CloudTrail', Detail: JSON.stringify(detail('PutPermission')) },
          { Source: 'aws.events', DetailType: 'AWS API Call via CloudTrail', Detail: JSON.stringify(detail('DeleteRule')) },
        ],
      }),
    );
    expect(put.FailedEntryCount).toBe(0);
    expect(put.Entries).toHaveLength(2);

    // Wait for more than could arrive, so that a wrongly delivered DeleteRule would be seen.
    const msgs = await receiveAll(sqs, target.url, { expected: 2, timeoutMs: 1_000 });
    expect(msgs).toHaveLength(1);
    // The SQS body is the EventBridge envelope (no input transformer), with detail as an object.
    // NOTE (moto quirk): moto renders it through its default input template, which has NO
    // "account" key (real AWS always sends it). Key order as sent: id, time, version,
    // detail-type, source, region, resources, detail.
    const body = JSON.parse(msgs[0]!.Body!) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual([
      'id',
      'time',
      'version',
      'detail-type',
      'source',
      'region',
      'resources',
      'detail',
    ]);
    expect(body.account).toBeUndefined();
    expect(body).toMatchObject({
      version: '0',
      id: put.Entries![0]!.EventId,
      'detail-type': 'AWS API Call via CloudTrail',
      source: 'aws.events',
      region: 'us-east-1',
      resources: [],
      detail: detail('PutPermission'),
    });
    expect(body.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('KMS-encrypted SNS topic and SQS queue: KmsMasterKeyId is accepted and returned', async () => {
    const { TopicArn } = await sns.send(
      new CreateTopicCommand({ Name: 'encrypted', Attributes: { KmsMasterKeyId: 'alias/aws/sns' } }),
    );
    const topicAttrs = await sns.send(new GetTopicAttributesCommand({ TopicArn }));
    expect(topicAttrs.Attributes?.KmsMasterKeyId).toBe('alias/aws/sns');

    const q = await createQueue('encrypted', {
      attributes: { KmsMasterKeyId: 'alias/aws/sqs', KmsDataKeyReusePeriodSeconds: '300' },
    });
    const queueAttrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: q.url, AttributeNames: ['All'] }));
    expect(queueAttrs.Attributes).toMatchObject({
      KmsMasterKeyId: 'alias/aws/sqs',
      KmsDataKeyReusePeriodSeconds: '300',
    });
  });
});
