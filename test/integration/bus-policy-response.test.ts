/**
 * The real handler (functions/responder.ts), wired from its environment exactly as in
 * Lambda, against the moto server: bus policies are changed and read back with separate
 * clients, alerts arrive through a real SNS topic subscribed by an SQS queue.
 */
import { CreateEventBusCommand, EventBridgeClient, PutPermissionCommand, RemovePermissionCommand } from '@aws-sdk/client-eventbridge';
import type { Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { cloneWith, PUT_PERMISSION_LEGACY, PUT_PERMISSION_POLICY } from '../support/fixtures';
import { awsClientConfig, MOTO_ACCOUNT_ID, type TestQueue } from './harness/aws';
import { alertsFrom, coldStart as startFunction, createAlertTopic, type Handler } from './harness/functions';
import { statementIdsOn } from './harness/buses';

const eventBridge = new EventBridgeClient(awsClientConfig());
const RESPONDER_ROLE = 'arn:aws:iam::123456789012:role/drift-responder-ci-responder';

const context = { functionName: 'responder', awsRequestId: 'test' } as Context;

let alertQueue: TestQueue;
let topicArn: string;

beforeAll(async () => {
  ({ topicArn, queue: alertQueue } = await createAlertTopic());
});

/** Loads functions/responder.ts afresh with this environment, as a Lambda cold start would. */
function coldStart(policyYaml: string): Handler {
  return startFunction('responder', policyYaml, { ALERT_TOPIC_ARN: topicArn, RESPONDER_PRINCIPALS: RESPONDER_ROLE });
}

const remediatePolicy = (dryRun: boolean) => `
trustedAccounts: ["111122223333"]
organizationId: o-a1b2c3d4e5
defaults: { mode: alert, dryRun: ${dryRun} }
controls:
  bus-policy-public: { mode: remediate }
  bus-policy-untrusted-account: { mode: remediate }
`;

async function newBus(): Promise<string> {
  const name = `orders-${randomUUID().slice(0, 8)}`;
  await eventBridge.send(new CreateEventBusCommand({ Name: name }));
  await eventBridge.send(
    new PutPermissionCommand({ EventBusName: name, Action: 'events:PutEvents', Principal: '111122223333', StatementId: 'trusted-partner' }),
  );
  return name;
}


/** The CloudTrail event EventBridge delivers for a PutPermission: a clone of the real record. */
function putPermissionEvent(requestParameters: Record<string, unknown>, userIdentity?: Record<string, unknown>, base = PUT_PERMISSION_LEGACY) {
  const detail = cloneWith(base, (r) => {
    r.requestParameters = requestParameters;
    r.eventID = randomUUID();
    r.recipientAccountId = MOTO_ACCOUNT_ID;
    if (userIdentity) r.userIdentity = userIdentity;
  });
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.events',
    account: MOTO_ACCOUNT_ID,
    time: detail.eventTime,
    region: 'us-east-1',
    resources: [],
    detail,
  };
}

async function alerts(expected: number) {
  return alertsFrom(alertQueue, expected);
}

describe('the responder on bus-policy changes (moto)', () => {
  it('removes only the public statement, keeps the trusted one, and alerts with what it did', async () => {
    // Prepare
    const bus = await newBus();
    await eventBridge.send(new PutPermissionCommand({ EventBusName: bus, Action: 'events:PutEvents', Principal: '*', StatementId: 'open-to-world' }));
    const handler = coldStart(remediatePolicy(false));

    // Act
    await handler(putPermissionEvent({ action: 'events:PutEvents', principal: '*', statementId: 'open-to-world', eventBusName: bus }), context);

    // Assess
    expect(await statementIdsOn(eventBridge, bus)).toEqual(['trusted-partner']);
    const [alert, ...more] = await alerts(1);
    expect(more).toEqual([]);
    expect(alert.Subject).toMatch(/^\[CRITICAL\] bus-policy-public: /);
    expect(alert.Subject.length).toBeLessThan(100);
    expect(alert.MessageAttributes.severity.Value).toBe('critical');
    expect(alert.MessageAttributes.control.Value).toBe('bus-policy-public');
    // The SQS subscriber gets the machine-readable alert (lib/alerts/document.ts); email gets the text.
    const doc = JSON.parse(alert.Message);
    expect(doc).toMatchObject({ schema: 'drift-responder.alert/1', kind: 'finding', subject: alert.Subject });
    expect(doc.finding.remediation.status).toBe('applied');
    expect(doc.finding.remediation.reason).toMatch(/^RemovePermission/);
    expect(doc.finding.remediation.reason).toContain('open-to-world');
  });

  it('in dry-run leaves the policy untouched and still alerts with the plan', async () => {
    const bus = await newBus();
    await eventBridge.send(new PutPermissionCommand({ EventBusName: bus, Action: 'events:PutEvents', Principal: '*', StatementId: 'open-to-world' }));
    const handler = coldStart(remediatePolicy(true));

    await handler(putPermissionEvent({ action: 'events:PutEvents', principal: '*', statementId: 'open-to-world', eventBusName: bus }), context);

    expect(await statementIdsOn(eventBridge, bus)).toEqual(['open-to-world', 'trusted-partner']);
    const [alert] = await alerts(1);
    expect(JSON.parse(alert.Message).finding.remediation).toEqual({ status: 'planned', reason: expect.stringMatching(/^dry-run: would remove 1 statement\(s\) \(open-to-world\)/) });
  });

  it('takes no action and raises no error when someone already removed the statement', async () => {
    const bus = await newBus();
    await eventBridge.send(new PutPermissionCommand({ EventBusName: bus, Action: 'events:PutEvents', Principal: '*', StatementId: 'open-to-world' }));
    await eventBridge.send(new RemovePermissionCommand({ EventBusName: bus, StatementId: 'open-to-world' }));
    const handler = coldStart(remediatePolicy(false));

    await expect(
      handler(putPermissionEvent({ action: 'events:PutEvents', principal: '*', statementId: 'open-to-world', eventBusName: bus }), context),
    ).resolves.toBeDefined();

    expect(await statementIdsOn(eventBridge, bus)).toEqual(['trusted-partner']);
    const [alert] = await alerts(1);
    expect(JSON.parse(alert.Message).finding.remediation).toEqual({ status: 'skipped', reason: expect.stringMatching(/^already compliant/) });
  });

  it('removes an untrusted account grant written as a whole policy, keeping the rest', async () => {
    const bus = await newBus();
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'trusted-partner', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'events:PutEvents', Resource: `arn:aws:events:us-east-1:${MOTO_ACCOUNT_ID}:event-bus/${bus}` },
        { Sid: 'stranger', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444455556666:root' }, Action: 'events:PutEvents', Resource: `arn:aws:events:us-east-1:${MOTO_ACCOUNT_ID}:event-bus/${bus}` },
      ],
    };
    await eventBridge.send(new PutPermissionCommand({ EventBusName: bus, Policy: JSON.stringify(policy) }));
    const handler = coldStart(remediatePolicy(false));

    await handler(putPermissionEvent({ eventBusName: bus, policy: JSON.stringify(policy) }, undefined, PUT_PERMISSION_POLICY), context);

    expect(await statementIdsOn(eventBridge, bus)).toEqual(['trusted-partner']);
    const [alert] = await alerts(1);
    expect(alert.MessageAttributes.control.Value).toBe('bus-policy-untrusted-account');
    expect(alert.Message).toContain('444455556666');
  });

  it('ignores changes made by its own role (loop guard)', async () => {
    const bus = await newBus();
    await eventBridge.send(new PutPermissionCommand({ EventBusName: bus, Action: 'events:PutEvents', Principal: '*', StatementId: 'open-to-world' }));
    const handler = coldStart(remediatePolicy(false));
    const self = {
      type: 'AssumedRole',
      arn: 'arn:aws:sts::123456789012:assumed-role/drift-responder-ci-responder/drift-responder-ci-responder',
      accountId: MOTO_ACCOUNT_ID,
      sessionContext: { sessionIssuer: { type: 'Role', arn: RESPONDER_ROLE, accountId: MOTO_ACCOUNT_ID } },
    };

    await handler(putPermissionEvent({ action: 'events:PutEvents', principal: '*', statementId: 'open-to-world', eventBusName: bus }, self), context);

    expect(await statementIdsOn(eventBridge, bus)).toEqual(['open-to-world', 'trusted-partner']);
    expect(await alerts(0)).toEqual([]);
  });

  it('fails the invocation on input it cannot parse, so the event is kept in the DLQ', async () => {
    const handler = coldStart(remediatePolicy(false));
    const lines: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      await expect(handler({ 'detail-type': 'AWS API Call via CloudTrail', detail: { eventName: 'PutPermission' } }, context)).rejects.toThrow(
        /not a CloudTrail record/,
      );
    } finally {
      write.mockRestore();
    }
    const logged = lines.map((l) => JSON.parse(l)).find((l) => l.message.startsWith('unparseable event'));
    expect(logged).toMatchObject({ level: 'error', error: { name: 'EventParseError' } });
    expect(logged.event).toContain('PutPermission');
  });

  it('refuses to start with an invalid policy, naming the key', () => {
    expect(() => coldStart('controls:\n  bus-policy-public: { mode: remediate, dryrun: false }\n')).toThrow(/controls\.bus-policy-public\.dryrun: unknown key/);
  });
});
