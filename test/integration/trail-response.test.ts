/**
 * CloudTrail tampering against the moto server, through the REAL functions: an untrusted
 * principal stops a trail or weakens its event selectors, the responder
 * (functions/responder.ts) gets the CloudTrail event (a clone of a real recorded one) and
 * restores; the trail is read back with a separate client. The selectors baseline is captured
 * by the real snapshot function (functions/snapshot.ts) into a DynamoDB table.
 */
import {
  CloudTrailClient,
  CreateTrailCommand,
  GetEventSelectorsCommand,
  GetTrailStatusCommand,
  PutEventSelectorsCommand,
  StartLoggingCommand,
  StopLoggingCommand,
} from '@aws-sdk/client-cloudtrail';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { cloneWith } from '../support/fixtures';
import { awsClientConfig, motoEndpoint, MOTO_ACCOUNT_ID, type TestQueue } from './harness/aws';
import { alertsFrom, coldStart as startFunction, createAlertTopic, createBaselineTable, type Handler, eventBridgeEnvelope } from './harness/functions';

const cloudTrail = new CloudTrailClient(awsClientConfig());
const dynamodb = new DynamoDBClient(awsClientConfig());
const REGION = 'us-east-1';
const RESPONDER_ROLE = `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/drift-responder-ci-responder`;

jest.setTimeout(60_000);
const context = { functionName: 'fn', awsRequestId: 'test', getRemainingTimeInMillis: () => 300_000 } as unknown as Context;

/** Names unique to this file's run: the snapshot only sees these trails in the shared moto server. */
const PREFIX = `prod-trail-${randomUUID().slice(0, 8)}`;
let bucket: string;
let table: string;
let alertQueue: TestQueue;
let topicArn: string;

beforeAll(async () => {
  bucket = `trail-logs-${randomUUID()}`;
  // No S3 client in this project: moto creates a bucket on a path-style PUT.
  const created = await fetch(`${motoEndpoint()}/${bucket}`, { method: 'PUT' });
  await created.arrayBuffer();
  expect(created.ok).toBe(true);
  table = await createBaselineTable();
  ({ topicArn, queue: alertQueue } = await createAlertTopic());
});

const POLICY = `
trustedPrincipals: ["arn:aws:iam::*:role/deployer"]
protect:
  trails: ["${PREFIX}-*"]
defaults: { mode: alert, dryRun: true }
controls:
  trail-stopped: { mode: remediate, dryRun: false }
  trail-selectors-weakened: { mode: remediate, dryRun: false }
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

async function newTrail(): Promise<{ name: string; arn: string }> {
  const name = `${PREFIX}-${randomUUID().slice(0, 8)}`;
  const { TrailARN } = await cloudTrail.send(new CreateTrailCommand({ Name: name, S3BucketName: bucket, IsMultiRegionTrail: true }));
  await cloudTrail.send(new StartLoggingCommand({ Name: name }));
  return { name, arn: TrailARN! };
}

const UNTRUSTED = { type: 'IAMUser', arn: `arn:aws:iam::${MOTO_ACCOUNT_ID}:user/mallory`, accountId: MOTO_ACCOUNT_ID, userName: 'mallory' };

/** The event EventBridge delivers: a clone of a real recorded CloudTrail record, aimed at this trail. */
function cloudTrailEvent(file: string, change: (record: Record<string, any>) => void) {
  const detail = cloneWith(file, (r) => {
    change(r);
    r.eventID = randomUUID();
    r.recipientAccountId = MOTO_ACCOUNT_ID;
    r.awsRegion = REGION;
    r.userIdentity = UNTRUSTED;
    delete r.errorCode;
    delete r.errorMessage;
  });
  return eventBridgeEnvelope(detail, REGION);
}

/** Alerts that reached the topic: SNS envelopes, the message parsed (a JSON alert document). */
async function alerts(expected: number) {
  return alertsFrom(alertQueue, expected, { document: true });
}

describe('trail tampering (moto)', () => {
  it('restarts a trail an untrusted user stopped, and alerts with what it did', async () => {
    // Prepare
    const trail = await newTrail();
    await cloudTrail.send(new StopLoggingCommand({ Name: trail.name }));
    expect((await cloudTrail.send(new GetTrailStatusCommand({ Name: trail.name }))).IsLogging).toBe(false);
    const event = cloudTrailEvent('cloudtrail_StopLogging_stratus-red-team_1.json', (r) => {
      r.requestParameters = { name: trail.name };
    });

    // Act
    await coldStart('responder')(event, context);

    // Assess
    expect((await cloudTrail.send(new GetTrailStatusCommand({ Name: trail.name }))).IsLogging).toBe(true);
    const [alert, ...more] = await alerts(1);
    expect(more).toEqual([]);
    expect(alert.MessageAttributes.control.Value).toBe('trail-stopped');
    expect(alert.MessageAttributes.severity.Value).toBe('critical');
    expect(alert.document.finding.remediation).toEqual({ status: 'applied', reason: `StartLogging ${trail.arn}` });
  });

  it('leaves a trail alone that is already logging again (live re-check)', async () => {
    const trail = await newTrail();
    const event = cloudTrailEvent('cloudtrail_StopLogging_stratus-red-team_1.json', (r) => {
      r.requestParameters = { name: trail.arn };
    });

    await coldStart('responder')(event, context);

    expect((await cloudTrail.send(new GetTrailStatusCommand({ Name: trail.name }))).IsLogging).toBe(true);
    const [alert] = await alerts(1);
    expect(alert.document.finding.remediation).toMatchObject({ status: 'skipped', reason: expect.stringContaining('already compliant') });
  });

  it('puts back the baseline event selectors after an untrusted user drops management events', async () => {
    // Prepare: the baseline records all management events; the snapshot function captures it.
    const trail = await newTrail();
    await cloudTrail.send(
      new PutEventSelectorsCommand({ TrailName: trail.name, EventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: true, DataResources: [] }] }),
    );
    await coldStart('snapshot')({ source: 'aws.events', 'detail-type': 'Scheduled Event' }, context);
    const { Item } = await dynamodb.send(new GetItemCommand({ TableName: table, Key: { resource: { S: trail.arn } }, ConsistentRead: true }));
    const baseline = JSON.parse(Item!.definition!.S!);
    expect(baseline.selectors.eventSelectors).toEqual([expect.objectContaining({ ReadWriteType: 'All', IncludeManagementEvents: true })]);
    // The attack, as recorded by Stratus Red Team (cloudtrail-event-selectors) and in the invictus dataset.
    const weakened = [{ ReadWriteType: 'ReadOnly' as const, IncludeManagementEvents: false, DataResources: [{ Type: 'AWS::S3::Object', Values: [] }] }];
    await cloudTrail.send(new PutEventSelectorsCommand({ TrailName: trail.name, EventSelectors: weakened }));
    const event = cloudTrailEvent('cloudtrail_PutEventSelectors_invictus-aws-dataset_1.json', (r) => {
      r.requestParameters = { ...r.requestParameters, trailName: trail.name };
      r.responseElements = { ...r.responseElements, trailARN: trail.arn };
    });

    // Act
    await coldStart('responder')(event, context);

    // Assess: the live selectors are the baseline again, field by field.
    const live = await cloudTrail.send(new GetEventSelectorsCommand({ TrailName: trail.name }));
    expect(JSON.parse(JSON.stringify(live.EventSelectors))).toEqual(baseline.selectors.eventSelectors);
    const [alert] = await alerts(1);
    expect(alert.MessageAttributes.control.Value).toBe('trail-selectors-weakened');
    expect(alert.document.finding.remediation).toMatchObject({ status: 'applied', reason: expect.stringContaining('PutEventSelectors') });
  });
});
