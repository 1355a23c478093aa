/**
 * Rules and targets against the moto server, through the REAL functions: the snapshot function
 * (functions/snapshot.ts) captures the baseline into a DynamoDB table, an untrusted principal
 * deletes / disables / modifies / removes targets, the responder (functions/responder.ts) gets
 * the CloudTrail event and restores; the rule and its targets are read back with separate
 * clients and compared with the baseline field by field.
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DeleteRuleCommand,
  DescribeRuleCommand,
  DisableRuleCommand,
  EnableRuleCommand,
  EventBridgeClient,
  ListTargetsByRuleCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import type { Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RuleDefinition } from '../../lib/controls/rules/model';
import { cloneWith } from '../support/fixtures';
import { awsClientConfig, createQueue, MOTO_ACCOUNT_ID, type TestQueue } from './harness/aws';
import { alertsFrom, coldStart as startFunction, createAlertTopic, createBaselineTable, type Handler, eventBridgeEnvelope } from './harness/functions';

// The snapshot captures every kind of baseline in the shared moto server: allow it time.
jest.setTimeout(60_000);

const eventBridge = new EventBridgeClient(awsClientConfig());
const dynamodb = new DynamoDBClient(awsClientConfig());
const RESPONDER_ROLE = 'arn:aws:iam::123456789012:role/drift-responder-ci-responder';
const REGION = 'us-east-1';

const context = { functionName: 'fn', awsRequestId: 'test', getRemainingTimeInMillis: () => 300_000 } as unknown as Context;

/** Names unique to this file's run: the snapshot only sees these rules in the shared moto server. */
const PREFIX = `prod-${randomUUID().slice(0, 8)}`;
let table: string;
let alertQueue: TestQueue;
let topicArn: string;
let targetQueues: { first: { arn: string }; second: { arn: string }; dlq: { arn: string } };

beforeAll(async () => {
  table = await createBaselineTable();
  ({ topicArn, queue: alertQueue } = await createAlertTopic());
  targetQueues = {
    first: await createQueue(`${PREFIX}-first`),
    second: await createQueue(`${PREFIX}-second`),
    dlq: await createQueue(`${PREFIX}-dlq`),
  };
});

const POLICY = (dryRun: boolean) => `
trustedPrincipals: ["arn:aws:iam::*:role/deployer"]
protect:
  rules: ["${PREFIX}-*"]
defaults: { mode: remediate, dryRun: ${dryRun} }
`;

/** Loads a function module afresh with this environment, as a Lambda cold start would. */
function coldStart(module: 'responder' | 'snapshot', policyYaml = POLICY(false)): Handler {
  return startFunction(module, policyYaml, {
    ALERT_TOPIC_ARN: topicArn,
    RESPONDER_PRINCIPALS: RESPONDER_ROLE,
    BASELINE_TABLE: table,
    RESPONDER_RULES: '',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
  });
}

const PATTERN = JSON.stringify({ source: ['aws.ec2'], 'detail-type': ['EC2 Instance State-change Notification'] });

/** A protected rule with two targets: one with an input transformer, a retry policy and a DLQ. */
async function newRule(): Promise<string> {
  const name = `${PREFIX}-${randomUUID().slice(0, 8)}`;
  await eventBridge.send(new PutRuleCommand({ Name: name, EventPattern: PATTERN, State: 'ENABLED', Description: 'orders to fulfilment' }));
  await eventBridge.send(
    new PutTargetsCommand({
      Rule: name,
      Targets: [
        {
          Id: 'transformed',
          Arn: targetQueues.first.arn,
          InputTransformer: { InputPathsMap: { instance: '$.detail.instance-id' }, InputTemplate: '{"id": <instance>}' },
          RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 3600 },
          DeadLetterConfig: { Arn: targetQueues.dlq.arn },
        },
        { Id: 'plain', Arn: targetQueues.second.arn },
      ],
    }),
  );
  return name;
}

const ruleArn = (name: string) => `arn:aws:events:${REGION}:${MOTO_ACCOUNT_ID}:rule/${name}`;

async function liveRule(name: string): Promise<Omit<RuleDefinition, 'targets'> & { targets: unknown[] }> {
  const rule = await eventBridge.send(new DescribeRuleCommand({ Name: name }));
  const { Targets = [] } = await eventBridge.send(new ListTargetsByRuleCommand({ Rule: name }));
  return {
    name: rule.Name!,
    eventBusName: rule.EventBusName ?? 'default',
    arn: rule.Arn!,
    eventPattern: rule.EventPattern,
    state: rule.State!,
    description: rule.Description,
    targets: JSON.parse(JSON.stringify(Targets)),
  };
}

async function storedBaseline(name: string): Promise<{ definition: RuleDefinition; source: string } | undefined> {
  const { Item } = await dynamodb.send(new GetItemCommand({ TableName: table, Key: { resource: { S: ruleArn(name) } }, ConsistentRead: true }));
  return Item ? { definition: JSON.parse(Item.definition!.S!), source: Item.source!.S! } : undefined;
}

/** Field by field: the restored rule and targets are exactly the baseline. */
function expectSameAsBaseline(live: Awaited<ReturnType<typeof liveRule>>, baseline: RuleDefinition) {
  expect(live.state).toBe(baseline.state);
  expect(JSON.parse(live.eventPattern!)).toEqual(JSON.parse(baseline.eventPattern!));
  expect(live.description).toBe(baseline.description);
  const byId = (targets: unknown[]) => [...(targets as Array<{ Id: string }>)].sort((a, b) => a.Id.localeCompare(b.Id));
  expect(byId(live.targets)).toEqual(byId(baseline.targets));
  const transformed = baseline.targets.find((t) => t.Id === 'transformed');
  expect(transformed).toMatchObject({ InputTransformer: expect.any(Object), RetryPolicy: expect.any(Object), DeadLetterConfig: { Arn: targetQueues.dlq.arn } });
}

const UNTRUSTED = { type: 'IAMUser', arn: `arn:aws:iam::${MOTO_ACCOUNT_ID}:user/mallory`, accountId: MOTO_ACCOUNT_ID, userName: 'mallory' };
const DEPLOYER = {
  type: 'AssumedRole',
  arn: `arn:aws:sts::${MOTO_ACCOUNT_ID}:assumed-role/deployer/ci`,
  accountId: MOTO_ACCOUNT_ID,
  sessionContext: { sessionIssuer: { type: 'Role', arn: `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/deployer`, accountId: MOTO_ACCOUNT_ID } },
};

/** The CloudTrail event EventBridge delivers: a clone of a real (or documented) record. */
function cloudTrailEvent(file: string, requestParameters: Record<string, unknown>, userIdentity: Record<string, unknown> = UNTRUSTED) {
  const detail = cloneWith(file, (r) => {
    r.requestParameters = requestParameters;
    // PutRule answers with the rule's ARN; the other calls return nothing about the rule.
    if (r.eventName === 'PutRule') r.responseElements = { ruleArn: ruleArn(String(requestParameters.name)) };
    r.eventID = randomUUID();
    r.recipientAccountId = MOTO_ACCOUNT_ID;
    r.awsRegion = REGION;
    r.userIdentity = userIdentity;
    delete r.errorCode;
  });
  return eventBridgeEnvelope(detail, REGION);
}

const FILES = {
  DeleteRule: 'events_DeleteRule_elastic-integrations_1.json',
  DisableRule: 'events_DisableRule_synthetic-awsdocs-putrule-clone_1.json',
  PutRule: 'events_PutRule_awsdocs-eventbridge_1.json',
  RemoveTargets: 'events_RemoveTargets_synthetic-awsdocs-putrule-clone_1.json',
  PutTargets: 'events_PutTargets_synthetic-awsdocs-putrule-clone_1.json',
};

async function alerts(expected: number) {
  return alertsFrom(alertQueue, expected);
}

/**
 * Other kinds of baselines (keys, trails, queues, ...) are captured in the same run, against a
 * moto server other tests share; only the EventBridge kind is this file's business.
 */
async function tolerateOtherKinds(run: Promise<unknown>): Promise<void> {
  try {
    await run;
  } catch (error) {
    if ((error as Error).name !== 'SnapshotError' || /eventbridge \(/.test((error as Error).message)) throw error;
  }
}

async function snapshot(): Promise<void> {
  await tolerateOtherKinds(coldStart('snapshot')({ source: 'aws.events', 'detail-type': 'Scheduled Event' }, context));
}

describe('restoring rules and targets from the baseline (moto)', () => {
  it('the snapshot function stores the rule and both targets exactly as EventBridge returns them', async () => {
    // Prepare
    const name = await newRule();
    // Act
    await snapshot();
    // Assess
    const stored = await storedBaseline(name);
    expect(stored?.source).toBe('snapshot');
    expectSameAsBaseline(await liveRule(name), stored!.definition);
  });

  it.each([
    [
      'deleted (targets removed, then the rule)',
      'rule-deleted',
      async (name: string) => {
        await eventBridge.send(new RemoveTargetsCommand({ Rule: name, Ids: ['transformed', 'plain'] }));
        await eventBridge.send(new DeleteRuleCommand({ Name: name }));
      },
      (name: string) => cloudTrailEvent(FILES.DeleteRule, { force: false, name }),
    ],
    [
      'disabled',
      'rule-disabled',
      (name: string) => eventBridge.send(new DisableRuleCommand({ Name: name })),
      (name: string) => cloudTrailEvent(FILES.DisableRule, { name }),
    ],
    [
      'modified (another pattern)',
      'rule-modified',
      (name: string) => eventBridge.send(new PutRuleCommand({ Name: name, EventPattern: '{"source":["aws.s3"]}', State: 'ENABLED', Description: 'orders to fulfilment' })),
      (name: string) => cloudTrailEvent(FILES.PutRule, { name, eventPattern: '{"source":["aws.s3"]}', state: 'ENABLED', description: 'orders to fulfilment', scheduleExpression: '' }),
    ],
    [
      'stripped of its transformed target',
      'targets-removed',
      (name: string) => eventBridge.send(new RemoveTargetsCommand({ Rule: name, Ids: ['transformed'] })),
      (name: string) => cloudTrailEvent(FILES.RemoveTargets, { rule: name, ids: ['transformed'] }),
    ],
  ])('a protected rule %s by an untrusted user is restored exactly as in the baseline', async (_what, control, tamper, event) => {
    // Prepare
    const name = await newRule();
    await snapshot();
    const baseline = (await storedBaseline(name))!.definition;
    await tamper(name);
    const responder = coldStart('responder');

    // Act
    await responder(event(name), context);

    // Assess
    expectSameAsBaseline(await liveRule(name), baseline);
    const [alert, ...more] = await alerts(1);
    expect(more).toEqual([]);
    expect(alert.MessageAttributes.control.Value).toBe(control);
    expect(JSON.parse(alert.Message).finding.remediation.status).toBe('applied');
    expect((await storedBaseline(name))?.definition).toEqual(baseline); // an untrusted change never moves it
  });

  it('a change by a trusted principal moves the baseline and raises nothing', async () => {
    const name = await newRule();
    await snapshot();
    await eventBridge.send(new PutRuleCommand({ Name: name, EventPattern: '{"source":["aws.s3"]}', State: 'ENABLED', Description: 'orders to fulfilment' }));
    const responder = coldStart('responder');

    await responder(cloudTrailEvent(FILES.PutRule, { name, eventPattern: '{"source":["aws.s3"]}', state: 'ENABLED', description: 'orders to fulfilment' }, DEPLOYER), context);

    expect(await alerts(0)).toEqual([]);
    const stored = await storedBaseline(name);
    expect(JSON.parse(stored!.definition.eventPattern!)).toEqual({ source: ['aws.s3'] });
    expect(stored!.source).toMatch(/^trusted-change .+ by arn:aws:sts::123456789012:assumed-role\/deployer\/ci$/);
    expect(JSON.parse((await liveRule(name)).eventPattern!)).toEqual({ source: ['aws.s3'] });
  });

  it('a rule someone already restored leads to no action', async () => {
    const name = await newRule();
    await snapshot();
    await eventBridge.send(new DisableRuleCommand({ Name: name }));
    await eventBridge.send(new EnableRuleCommand({ Name: name }));
    const responder = coldStart('responder');

    await responder(cloudTrailEvent(FILES.DisableRule, { name }), context);

    const [alert] = await alerts(1);
    expect(JSON.parse(alert.Message).finding.remediation).toMatchObject({ status: 'skipped', reason: expect.stringContaining('already compliant') });
    expect((await liveRule(name)).state).toBe('ENABLED');
  });

  it('removes just the target put in an untrusted account', async () => {
    const name = await newRule();
    await eventBridge.send(new PutTargetsCommand({ Rule: name, Targets: [{ Id: 'exfil', Arn: 'arn:aws:sqs:us-east-1:444455556666:exfil' }] }));
    const responder = coldStart('responder');

    await responder(cloudTrailEvent(FILES.PutTargets, { rule: name, targets: [{ id: 'exfil', arn: 'arn:aws:sqs:us-east-1:444455556666:exfil' }] }), context);

    expect(((await liveRule(name)).targets as Array<{ Id: string }>).map((t) => t.Id).sort()).toEqual(['plain', 'transformed']);
    const controls = (await alerts(2)).map((a) => a.MessageAttributes.control.Value).sort();
    expect(controls).toEqual(['target-cross-account', 'target-no-dlq']); // the new target has no DLQ either
  });

  it('without a baseline, reports that the restore needs one and changes nothing', async () => {
    const name = `${PREFIX}-unsnapped-${randomUUID().slice(0, 8)}`;
    await eventBridge.send(new PutRuleCommand({ Name: name, EventPattern: PATTERN }));
    await eventBridge.send(new DisableRuleCommand({ Name: name }));
    const responder = coldStart('responder');

    await responder(cloudTrailEvent(FILES.DisableRule, { name }), context);

    const [alert] = await alerts(1);
    expect(JSON.parse(alert.Message).finding.remediation).toMatchObject({ status: 'failed', reason: expect.stringContaining('BaselineMissingError') });
    expect((await liveRule(name)).state).toBe('DISABLED');
  });
});

describe('the snapshot function as a CloudFormation custom resource', () => {
  /** A stand-in for the pre-signed S3 URL CloudFormation waits on. */
  async function responseUrl(): Promise<{ url: string; received: Promise<Record<string, unknown>>; close: () => void }> {
    let resolve: (body: Record<string, unknown>) => void = () => {};
    const received = new Promise<Record<string, unknown>>((r) => (resolve = r));
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        res.end();
        resolve({ method: req.method, ...JSON.parse(body) });
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/presigned`, received, close: () => server.close() };
  }

  const request = (type: string, url: string) => ({
    RequestType: type,
    ResponseURL: url,
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/drift-responder-ci/x',
    RequestId: randomUUID(),
    LogicalResourceId: 'BaselineSnapshotOnDeploy',
    ResourceType: 'AWS::CloudFormation::CustomResource',
    ResourceProperties: {},
  });

  it.each(['Create', 'Update'])('on %s: captures the baselines, then answers SUCCESS', async (type) => {
    const name = await newRule();
    const cfn = await responseUrl();
    try {
      await tolerateOtherKinds(coldStart('snapshot')(request(type, cfn.url), context));
      const answer = await cfn.received;
      expect(answer).toMatchObject({ method: 'PUT', Status: 'SUCCESS', LogicalResourceId: 'BaselineSnapshotOnDeploy', PhysicalResourceId: 'drift-responder-baseline-snapshot' });
      expect(answer.Reason).not.toMatch(/eventbridge \(/);
      expect(await storedBaseline(name)).toBeDefined();
    } finally {
      cfn.close();
    }
  });

  it('when the function cannot even start (table unset), still answers: FAILED on Create, SUCCESS on Delete', async () => {
    for (const [type, status] of [['Create', 'FAILED'], ['Delete', 'SUCCESS']] as const) {
      const cfn = await responseUrl();
      try {
        coldStart('snapshot');
        delete process.env.BASELINE_TABLE;
        let broken: Handler | undefined;
        jest.isolateModules(() => {
          broken = require('../../functions/snapshot').handler;
        });
        await expect(broken!(request(type, cfn.url), context)).rejects.toThrow(/BASELINE_TABLE/);
        expect(await cfn.received).toMatchObject({ Status: status, Reason: expect.stringContaining('BASELINE_TABLE') });
      } finally {
        cfn.close();
        process.env.BASELINE_TABLE = table;
      }
    }
  });
});
