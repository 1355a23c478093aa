/**
 * The deployed artifact, not the TypeScript sources: the responder and alert-digest bundles,
 * built as the package step builds them (serverless.yml custom.esbuild and its plugins), laid out
 * as their zips (functions/<fn>.js + policy.json), each run in its own node process with Lambda's
 * environment against the moto server. No DRIFT_POLICY_FILE (the shipped policy.json is read from
 * LAMBDA_TASK_ROOT), credentials only in the variables Lambda sets (the bundle's substituted
 * credential chain), no node_modules within reach (harness/bundles.ts).
 */
import { readFileSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { PUT_PERMISSION_LEGACY } from '../support/fixtures';
import { awsClientConfig, MOTO_ACCOUNT_ID, TEST_REGION, type TestQueue } from './harness/aws';
import { invokeBundle, isBuiltinModule, packageFunction, requiredModules } from './harness/bundles';
import {
  alertsFrom,
  cloudTrailEnvelope,
  createAlertTopic,
  createBaselineTable,
  createIdempotencyTable,
  createStateTable,
  type FunctionName,
} from './harness/functions';
import { busOpenToTheWorld, statementIdsOn } from './harness/buses';

const POLICY = `
trustedAccounts: ["111122223333"]
controls:
  bus-policy-public: { mode: remediate, dryRun: false }
`;
const STAGE_PREFIX = 'drift-responder-ci';
const RESPONDER_ROLE = `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/${STAGE_PREFIX}-responder`;

const eventBridge = new EventBridgeClient(awsClientConfig());
const ssm = new SSMClient(awsClientConfig());

type Bundled = Extract<FunctionName, 'responder' | 'alert-digest'>;
const packaged = {} as Record<Bundled, { taskRoot: string; bundle: string; policyDigest: string }>;
let alertQueue: TestQueue;
let topicArn: string;
/** What the stack creates and hands the responder in its environment (serverless.yml functions.responder.environment). */
let stack: { BASELINE_TABLE: string; STATE_TABLE: string; IDEMPOTENCY_TABLE: string; KILL_SWITCH_PARAMETER: string };

beforeAll(async () => {
  const [responder, alertDigest, alerts, BASELINE_TABLE, STATE_TABLE, IDEMPOTENCY_TABLE] = await Promise.all([
    packageFunction('responder', POLICY),
    packageFunction('alert-digest', POLICY),
    createAlertTopic(),
    createBaselineTable(),
    createStateTable(),
    createIdempotencyTable(),
  ]);
  packaged.responder = responder;
  packaged['alert-digest'] = alertDigest;
  ({ topicArn, queue: alertQueue } = alerts);
  // The kill switch as the stack creates it, `off` (serverless/resources/kill-switch.yml): one the
  // bundle cannot read would turn every remediation into dry-run, and the first test would fail.
  const KILL_SWITCH_PARAMETER = `/${STAGE_PREFIX}/${randomUUID().slice(0, 8)}/kill-switch`;
  await ssm.send(new PutParameterCommand({ Name: KILL_SWITCH_PARAMETER, Type: 'String', Value: 'off' }));
  stack = { BASELINE_TABLE, STATE_TABLE, IDEMPOTENCY_TABLE, KILL_SWITCH_PARAMETER };
}, 120_000);

afterAll(() => {
  for (const { taskRoot } of Object.values(packaged)) rmSync(taskRoot, { recursive: true, force: true });
});

/** What Lambda's runtime sets for every function, plus the emulator's endpoint and `variables` (the stack's). */
function lambdaEnvironment(fn: Bundled, variables: Record<string, string>): Record<string, string> {
  return {
    LAMBDA_TASK_ROOT: packaged[fn].taskRoot,
    AWS_LAMBDA_FUNCTION_NAME: `${STAGE_PREFIX}-${fn}`,
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    AWS_REGION: TEST_REGION,
    AWS_DEFAULT_REGION: TEST_REGION,
    // The role's temporary credentials, as Lambda sets them (moto accepts any): the bundle's only
    // way to them is lib/aws/lambda-credentials.ts, which replaced the SDK's default chain.
    AWS_ACCESS_KEY_ID: 'ASIAEXAMPLEBUNDLED',
    AWS_SECRET_ACCESS_KEY: 'bundled-function-secret',
    AWS_SESSION_TOKEN: 'bundled-function-session',
    AWS_ENDPOINT_URL: awsClientConfig().endpoint,
    // As the package step records it: the bundle takes its policy.json without validating it again.
    DRIFT_POLICY_SHA256: packaged[fn].policyDigest,
    ...variables,
  };
}

const responderEnvironment = () =>
  lambdaEnvironment('responder', { ...stack, ALERT_TOPIC_ARN: topicArn, RESPONDER_PRINCIPALS: RESPONDER_ROLE, METRICS_NAMESPACE: `${STAGE_PREFIX}-bundled` });



describe('the bundled responder, run as Lambda runs it', () => {
  it('removes the statement that opened a bus to the world, keeps the trusted one, and sends one alert saying so', async () => {
    // Prepare
    const bus = await busOpenToTheWorld(eventBridge);
    const event = cloudTrailEnvelope(PUT_PERMISSION_LEGACY, (r) => {
      r.requestParameters = { action: 'events:PutEvents', principal: '*', statementId: 'open-to-world', eventBusName: bus };
    });

    // Act
    const invocation = await invokeBundle(packaged.responder.bundle, event, responderEnvironment());

    // Assess
    expect({ exitCode: invocation.exitCode, error: invocation.error }).toEqual({ exitCode: 0, error: undefined });
    expect(invocation.result).toMatchObject({
      findings: [expect.objectContaining({ control: 'bus-policy-public', remediation: expect.objectContaining({ status: 'applied' }) })],
    });
    expect(await statementIdsOn(eventBridge, bus)).toEqual(['trusted-partner']);
    const [alert] = await alertsFrom(alertQueue, 1, { document: true });
    expect(alert?.MessageAttributes.control.Value).toBe('bus-policy-public');
    expect(alert?.document.finding.remediation).toEqual({ status: 'applied', reason: expect.stringMatching(/^RemovePermission.*open-to-world/) });
    expect(await alertsFrom(alertQueue, 0, { emptyTimeoutMs: 2000 })).toEqual([]);
    expect(invocation.logs.filter((line) => line.level === 'error')).toEqual([]);
  });

  it('fails the invocation on an event it cannot parse, logging it as one structured error line', async () => {
    // Prepare: a real record without its eventName.
    const event = cloudTrailEnvelope(PUT_PERMISSION_LEGACY, (r) => {
      delete r.eventName;
    });

    // Act
    const invocation = await invokeBundle(packaged.responder.bundle, event, responderEnvironment());

    // Assess
    expect(invocation.exitCode).toBe(1);
    expect(invocation.error).toEqual({ name: 'EventParseError', message: expect.stringMatching(/^not a CloudTrail record: eventName/) });
    const unparseable = invocation.logs.filter((line) => String(line.message).startsWith('unparseable event'));
    expect(unparseable).toEqual([
      expect.objectContaining({ level: 'error', function: `${STAGE_PREFIX}-responder`, error: expect.objectContaining({ name: 'EventParseError' }) }),
    ]);
    expect(unparseable[0]?.event).toContain(event.detail.eventID);
  });
});

describe('the bundled alert digest, run as Lambda runs it', () => {
  it('starts with its own environment and flushes an alert state with nothing to send', async () => {
    // Prepare: the schedule's event (serverless.yml functions.alertDigest).
    const event = { version: '0', id: randomUUID(), 'detail-type': 'Scheduled Event', source: 'aws.events', account: MOTO_ACCOUNT_ID, time: new Date().toISOString(), region: TEST_REGION, resources: [], detail: {} };

    // Act
    const invocation = await invokeBundle(packaged['alert-digest'].bundle, event, lambdaEnvironment('alert-digest', { ALERT_TOPIC_ARN: topicArn, STATE_TABLE: stack.STATE_TABLE }));

    // Assess
    expect({ exitCode: invocation.exitCode, error: invocation.error }).toEqual({ exitCode: 0, error: undefined });
    expect(invocation.result).toEqual({ digests: 0, updates: 0, heldFindings: 0 });
    expect(invocation.logs.filter((line) => line.level === 'error')).toEqual([]);
  });
});

describe('the bundles', () => {
  it.each(['responder', 'alert-digest'] as const)('%s requires nothing but node built-ins at run time', (fn) => {
    // Act
    const modules = requiredModules(readFileSync(packaged[fn].bundle, 'utf8'));

    // Assess: built-ins are found (the SDK's HTTP handler loads node:https), anything else is not.
    expect(modules.some(isBuiltinModule)).toBe(true);
    expect(modules.filter((specifier) => !isBuiltinModule(specifier))).toEqual([]);
  });
});
