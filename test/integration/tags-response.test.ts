/**
 * Tag-driven policy against the moto server: the real handler (functions/responder.ts) reads
 * the tags of the resource a change acted on with each service's own API, and the tags steer
 * the policy (a production-tagged bus escalates a finding from alert to remediate; a key no
 * glob names is protected by its tag). The live tag reader and the snapshot's tag directory
 * are exercised on every kind of resource tag rules steer.
 */
import { CloudTrailClient, CreateTrailCommand } from '@aws-sdk/client-cloudtrail';
import { CreateEventBusCommand, DeleteEventBusCommand, DeleteRuleCommand, DescribeEventBusCommand, EventBridgeClient, ListTagsForResourceCommand, PutPermissionCommand, PutRuleCommand } from '@aws-sdk/client-eventbridge';
import { CreateKeyCommand, DescribeKeyCommand, DisableKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { resourceGroupsTagDirectory } from '../../lib/aws/tag-directory';
import { liveTagSource } from '../../lib/aws/tags';
import { eventBridgeService, snsService, taggingService } from '../../lib/aws/wire/services';
import { cloudTrailService, kmsService, sqsService } from '../../lib/aws/wire/services';
import type { TaggableResource } from '../../lib/tags/types';
import { PUT_PERMISSION_LEGACY } from '../support/fixtures';
import { awsClientConfig, motoEndpoint, MOTO_ACCOUNT_ID, type TestQueue, wireTestConfig } from './harness/aws';
import { alertsFrom, cloudTrailEnvelope, coldStart, createAlertTopic, createBaselineTable, setEnvironment } from './harness/functions';
import { statementIdsOn } from './harness/buses';
import { PRODUCTION_TAG_POLICY } from '../support/tag-policies';

const config = awsClientConfig();
const eventBridge = new EventBridgeClient(config);
const kms = new KMSClient(config);
const sqs = new SQSClient(config);
const sns = new SNSClient(config);
const cloudTrail = new CloudTrailClient(config);
const context = { functionName: 'responder', awsRequestId: 'test' } as Context;
const PRODUCTION = [{ Key: 'Environment', Value: 'Production' }];

// Alert by default, in dry-run; production-tagged resources are protected and remediated for real.
const POLICY = `trustedAccounts: ["111122223333"]\n${PRODUCTION_TAG_POLICY}`;

let alertQueue: TestQueue;
let topicArn: string;

beforeAll(async () => {
  ({ topicArn, queue: alertQueue } = await createAlertTopic());
});

const responder = () => coldStart('responder', POLICY, { ALERT_TOPIC_ARN: topicArn, RESPONDER_PRINCIPALS: 'arn:aws:iam::123456789012:role/drift-responder-ci-responder' });

const envelope = cloudTrailEnvelope;

/** A bus with a public statement on it (what the PutPermission did), tagged as given. */
async function openBus(tags: Array<{ Key: string; Value: string }>): Promise<string> {
  const name = `tagged-${randomUUID().slice(0, 8)}`;
  await eventBridge.send(new CreateEventBusCommand({ Name: name, Tags: tags }));
  await eventBridge.send(new PutPermissionCommand({ EventBusName: name, Action: 'events:PutEvents', Principal: '*', StatementId: 'open-to-world' }));
  return name;
}

const publicPutPermission = (bus: string) =>
  envelope(PUT_PERMISSION_LEGACY, (r) => (r.requestParameters = { action: 'events:PutEvents', principal: '*', statementId: 'open-to-world', eventBusName: bus }));


describe('tag-driven policy in the responder (moto)', () => {
  it('a production-tagged bus escalates the finding from alert to remediate: the public statement is removed, and the alert names the tag', async () => {
    // Prepare
    const bus = await openBus(PRODUCTION);

    // Act
    await responder()(publicPutPermission(bus), context);

    // Assess
    expect(await statementIdsOn(eventBridge, bus)).toEqual([]);
    const [alert] = await alertsFrom(alertQueue, 1, { document: true });
    expect(alert.document.finding).toMatchObject({
      control: 'bus-policy-public',
      remediation: { status: 'applied' },
      tags: { source: 'live', tags: { Environment: 'Production' }, protect: true, mode: 'remediate', dryRun: false },
    });
  });

  it('the same change on a bus tagged otherwise is alerted only, as the file says', async () => {
    // Prepare
    const bus = await openBus([{ Key: 'Environment', Value: 'Staging' }]);

    // Act
    await responder()(publicPutPermission(bus), context);

    // Assess
    expect(await statementIdsOn(eventBridge, bus)).toEqual(['open-to-world']);
    const [alert] = await alertsFrom(alertQueue, 1, { document: true });
    expect(alert.document.finding.remediation).toEqual({ status: 'skipped', reason: 'alert only: the control mode is "alert"' });
  });

  it('a key that no protect.keys glob names is protected by its tag: disabling it is undone', async () => {
    // Prepare
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: 'tag-protected', Tags: [{ TagKey: 'Environment', TagValue: 'Production' }] }));
    const key = { keyId: KeyMetadata!.KeyId!, arn: KeyMetadata!.Arn! };
    await kms.send(new DisableKeyCommand({ KeyId: key.keyId }));
    const event = envelope('kms_DisableKey_awsdocs-kms_1.json', (r) => {
      r.requestParameters = { keyId: key.keyId };
      r.resources = [{ accountId: MOTO_ACCOUNT_ID, type: 'AWS::KMS::Key', ARN: key.arn }];
    });

    // Act
    await responder()(event, context);

    // Assess
    expect((await kms.send(new DescribeKeyCommand({ KeyId: key.keyId }))).KeyMetadata?.KeyState).toBe('Enabled');
    const [alert] = await alertsFrom(alertQueue, 1, { document: true });
    expect(alert.document.finding).toMatchObject({ control: 'key-disabled', remediation: { status: 'applied' }, tags: { tags: { Environment: 'Production' } } });
  });
});

describe('a resource only its tags protect, deleted (moto)', () => {
  it('the snapshot captures it with its tags; once it is gone, the baseline\'s tags protect it and it is recreated with them', async () => {
    // Prepare: a bus no protect.buses glob names, tagged Production, with a rule on it.
    const table = await createBaselineTable();
    const env = { ALERT_TOPIC_ARN: topicArn, RESPONDER_PRINCIPALS: 'arn:aws:iam::123456789012:role/drift-responder-ci-responder', BASELINE_TABLE: table };
    const bus = `restored-${randomUUID().slice(0, 8)}`;
    const busArn = (await eventBridge.send(new CreateEventBusCommand({ Name: bus, Tags: PRODUCTION }))).EventBusArn!;
    await eventBridge.send(new PutRuleCommand({ Name: `on-${bus}`, EventBusName: bus, EventPattern: JSON.stringify({ source: ['orders'] }) }));
    setEnvironment(POLICY, env);
    let snapshotted: Promise<{ stored: number; failures: unknown[] }> | undefined;
    jest.isolateModules(() => {
      const { snapshotDepsFromEnvironment } = require('../../lib/responder/wiring');
      const { snapshotAll } = require('../../lib/snapshot/snapshot');
      const deps = snapshotDepsFromEnvironment(process.env);
      snapshotted = snapshotAll({ ...deps, snapshotters: deps.snapshotters.filter((s: { kind: string }) => s.kind === 'eventbridge') });
    });
    expect((await snapshotted!).failures).toEqual([]);
    await eventBridge.send(new DeleteRuleCommand({ Name: `on-${bus}`, EventBusName: bus }));
    await eventBridge.send(new DeleteEventBusCommand({ Name: bus }));
    const event = envelope('events_DeleteEventBus_synthetic-awsdocs-putrule-clone_1.json', (r) => (r.requestParameters = { name: bus }));

    // Act
    await coldStart('responder', POLICY, env)(event, context);

    // Assess
    expect((await eventBridge.send(new DescribeEventBusCommand({ Name: bus }))).Arn).toBe(busArn);
    // Recreated with its tags, so that the tags keep protecting it.
    expect((await eventBridge.send(new ListTagsForResourceCommand({ ResourceARN: busArn }))).Tags).toEqual(PRODUCTION);
    const [alert] = await alertsFrom(alertQueue, 1, { document: true });
    expect(alert.document.finding).toMatchObject({ control: 'bus-deleted', remediation: { status: 'applied' }, tags: { source: 'baseline', tags: { Environment: 'Production' } } });
  });
});

describe('reading tags live (moto)', () => {
  const wire = wireTestConfig();
  const tagSource = liveTagSource({ eventBridge: eventBridgeService(wire), kms: kmsService(wire), sqs: sqsService(wire), cloudTrail: cloudTrailService(wire), sns: snsService(wire) });

  it('reads the tags of a bus, rule, key, queue, trail and topic, each with its own service', async () => {
    // Prepare
    const id = randomUUID().slice(0, 8);
    const tags = (kind: string) => [{ Key: 'Team', Value: `team-${kind}` }];
    // moto finds an EventBridge resource's tags by name alone (rules first): the bus and the rule get different names.
    const bus = (await eventBridge.send(new CreateEventBusCommand({ Name: `tags-bus-${id}`, Tags: tags('bus') }))).EventBusArn!;
    const rule = (await eventBridge.send(new PutRuleCommand({ Name: `tags-rule-${id}`, ScheduleExpression: 'rate(5 minutes)', Tags: tags('rule') }))).RuleArn!;
    const key = (await kms.send(new CreateKeyCommand({ Tags: [{ TagKey: 'Team', TagValue: 'team-key' }] }))).KeyMetadata!.Arn!;
    const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `tags-${id}`, tags: { Team: 'team-queue' } }))).QueueUrl!;
    const topic = (await sns.send(new CreateTopicCommand({ Name: `tags-${id}`, Tags: tags('topic') }))).TopicArn!;
    const bucket = `tags-${id}`;
    await (await fetch(`${motoEndpoint()}/${bucket}`, { method: 'PUT' })).arrayBuffer();
    const trail = (await cloudTrail.send(new CreateTrailCommand({ Name: `tags-${id}`, S3BucketName: bucket, TagsList: tags('trail') }))).TrailARN!;
    const resources: TaggableResource[] = [
      { kind: 'event-bus', arn: bus },
      { kind: 'rule', arn: rule },
      { kind: 'key', arn: key },
      { kind: 'queue', arn: `arn:aws:sqs:us-east-1:${MOTO_ACCOUNT_ID}:tags-${id}`, url: queueUrl },
      { kind: 'trail', arn: trail },
      { kind: 'topic', arn: topic },
    ];

    // Act
    const readings = await Promise.all(resources.map((r) => tagSource.read(r)));

    // Assess
    expect(readings).toEqual(['bus', 'rule', 'key', 'queue', 'trail', 'topic'].map((kind) => ({ status: 'known', tags: { Team: `team-${kind}` }, source: 'live' })));
  });

  it('a deleted rule has no tags to read: the reading says it no longer exists', async () => {
    // Prepare
    const name = `gone-${randomUUID().slice(0, 8)}`;
    const arn = (await eventBridge.send(new PutRuleCommand({ Name: name, ScheduleExpression: 'rate(5 minutes)', Tags: PRODUCTION }))).RuleArn!;
    await eventBridge.send(new DeleteRuleCommand({ Name: name }));

    // Act
    const reading = await tagSource.read({ kind: 'rule', arn });

    // Assess
    expect(reading).toEqual({ status: 'unknown', reason: `${arn} no longer exists` });
  });

  it('the snapshot function lists tagged buses, keys, queues and topics in one paginated call (Resource Groups Tagging API)', async () => {
    // Prepare
    const id = randomUUID().slice(0, 8);
    const marker = [{ Key: 'Listing', Value: id }];
    const bus = (await eventBridge.send(new CreateEventBusCommand({ Name: `listed-${id}`, Tags: marker }))).EventBusArn!;
    const key = (await kms.send(new CreateKeyCommand({ Tags: [{ TagKey: 'Listing', TagValue: id }] }))).KeyMetadata!.Arn!;
    await sqs.send(new CreateQueueCommand({ QueueName: `listed-${id}`, tags: { Listing: id } }));
    const queue = `arn:aws:sqs:us-east-1:${MOTO_ACCOUNT_ID}:listed-${id}`;
    const topic = (await sns.send(new CreateTopicCommand({ Name: `listed-${id}`, Tags: marker }))).TopicArn!;

    // Act
    const listed = await resourceGroupsTagDirectory(taggingService(wireTestConfig())).taggedResources();

    // Assess
    const mine = [...listed].filter(([, tags]) => tags.Listing === id).map(([arn]) => arn).sort();
    // moto's GetResources lists no EventBridge rules and no trails (AWS does: resource types
    // events:rule and cloudtrail:trail); buses, keys, queues and topics it does.
    expect(mine).toEqual([bus, key, queue, topic].sort());
  });
});
