import { iamGrantAdapter, managedPolicyAdapter } from '../aws/iam';
import { liveTagSource } from '../aws/tags';
import { resourceGroupsTagDirectory } from '../aws/tag-directory';
import { revokeIamGrantRemediator } from '../remediation/iam-grants';
import { alertSinkFromEnvironment } from '../alerts/wiring';
import { dynamoDbBaselineStore } from '../baseline/dynamodb';
import type { Snapshotter } from '../baseline/snapshotter';
import { eventBusPolicyAdapter } from '../aws/eventbridge';
import { encryptionWiring } from './encryption-wiring';
import { withOwnResourcesProtected } from './own-resources';
import { eventRulesAdapter } from '../aws/event-rules';
import { rulesSnapshotter } from '../baseline/rules';
import { removeTargetsRemediator, restoreBusRemediator, restoreRuleRemediator } from '../remediation/rules';
import { controls } from '../controls/registry';
import { CONTROL_IDS } from '../controls/ids';
import { loadShippedPolicy } from '../policy/shipped';
import type { Policy } from '../policy/schema';
import { busStatementsRemediator } from '../remediation/bus-statements';
import type { Remediator } from '../remediation/types';
import type { SnapshotDeps } from '../snapshot/snapshot';
import { jsonLogger } from '../util/log';
import type { ResponderDeps } from './respond';
import { cloudTrailAdapter } from '../aws/cloudtrail';
import { cloudTrailService, dynamoDbService, ec2Service, eventBridgeService, iamService, ssmService, taggingService } from '../aws/wire/services';
import { vpcEndpointAdapter } from '../aws/ec2-endpoints';
import { endpointSnapshotter } from '../baseline/endpoints';
import { trailSnapshotter } from '../baseline/trails';
import { withResponderIdentity } from '../controls/self/resources';
import { emfMetrics } from '../metrics/emf';
import { restoreTrailConfigRemediator, restoreTrailSelectorsRemediator, startTrailLoggingRemediator } from '../remediation/cloudtrail';
import { restoreEndpointPolicyRemediator } from '../remediation/endpoints';
import { dynamoDbBurstCounter } from '../state/dynamodb-burst-counter';
import { wireConfig } from '../aws/wire/client';
import type { JsonService } from '../aws/wire/json';
import type { QueryService } from '../aws/wire/query-service';
import { ssmKillSwitch } from '../safety/kill-switch';
import { dynamoDbLoopGuard } from '../safety/remediation-loop';
import { dynamoDbIdempotencyStore, type IdempotencyStore } from './idempotency-store';

export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new ConfigurationError(`environment variable ${name} is not set`);
  return value;
}

/**
 * The responder's own rules (RESPONDER_RULES, comma-separated names from the stack) are
 * always protected: they are added to protect.rules, which every rule control and the
 * rules snapshotter read. Rule names cannot contain glob characters, so each is an exact glob.
 */
export function withOwnRulesProtected(policy: Policy, env: NodeJS.ProcessEnv): Policy {
  const own = (env.RESPONDER_RULES ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (own.length === 0) return policy;
  return { ...policy, protect: { ...policy.protect, rules: [...new Set([...policy.protect.rules, ...own])] } };
}

/** What every function builds once per container: logger, policy, AWS services (lib/aws/wire), baselines. */
function commonFromEnvironment(env: NodeJS.ProcessEnv) {
  const log = jsonLogger({ service: 'drift-responder', function: env.AWS_LAMBDA_FUNCTION_NAME });
  const policy = withOwnResourcesProtected(withResponderIdentity(withOwnRulesProtected(loadShippedPolicy(env, CONTROL_IDS), env), env), env);
  // Retries with backoff, plus request timeouts: a hung call is retried, then fails the invocation.
  const wire = wireConfig(env);
  const eventBridge = eventBridgeService(wire);
  const cloudTrailClient = cloudTrailService(wire);
  const cloudTrail = cloudTrailAdapter(cloudTrailClient);
  // Trails are among the users that make a KMS key protected (the key snapshotter reads their KmsKeyId).
  const encryption = encryptionWiring(eventBridge, wire, cloudTrail);
  // Tag-driven policy (lib/tags): each service's own tag API, read only when the policy has tag rules.
  const tags = liveTagSource({ eventBridge, cloudTrail: cloudTrailClient, ...encryption.clients });
  // Every kind of baseline. The responder re-captures what a trusted change touched; the
  // snapshot function (functions/snapshot.ts) captures all of them. A new kind is one entry
  // here plus a resource scope for its read actions in scripts/serverless-iam.cjs.
  const eventRules = eventRulesAdapter(eventBridge);
  const vpcEndpoints = vpcEndpointAdapter(ec2Service(wire), wire.region);
  const snapshotters: Snapshotter[] = [rulesSnapshotter(eventRules), trailSnapshotter(cloudTrail), endpointSnapshotter(vpcEndpoints), ...encryption.snapshotters];
  // The baseline table arrives with the stack that deploys it; without one nothing is restored from baselines.
  const baselines = env.BASELINE_TABLE ? dynamoDbBaselineStore(dynamoDbService(wire), env.BASELINE_TABLE) : undefined;
  return { log, policy, wire, eventBridge, eventRules, snapshotters, baselines, cloudTrail, vpcEndpoints, encryption, tags };
}

/** What the snapshot function (functions/snapshot.ts) needs: the snapshotters, and the table it writes to. */
export function snapshotDepsFromEnvironment(env: NodeJS.ProcessEnv = process.env): SnapshotDeps {
  required(env, 'BASELINE_TABLE');
  const { log, policy, snapshotters, baselines, wire } = commonFromEnvironment(env);
  // Tag rules protect resources no glob names; one paginated listing finds them (tag:GetResources).
  const tagDirectory = resourceGroupsTagDirectory(taggingService(wire));
  return { log, policy, snapshotters, baselines: baselines!, now: () => new Date(), tagDirectory };
}

/** Every remediator, from the adapters that act for it: the deployed responder's and the sweep CLI's. */
export function remediatorsOf(adapters: {
  eventBridge: JsonService;
  eventRules: ReturnType<typeof eventRulesAdapter>;
  cloudTrail: ReturnType<typeof cloudTrailAdapter>;
  vpcEndpoints: ReturnType<typeof vpcEndpointAdapter>;
  encryption: { remediators: readonly Remediator[] };
  iam: QueryService;
}): Remediator[] {
  const { eventBridge, eventRules, cloudTrail, vpcEndpoints, encryption, iam } = adapters;
  return [
    busStatementsRemediator(eventBusPolicyAdapter(eventBridge)),
    restoreRuleRemediator(eventRules),
    removeTargetsRemediator(eventRules),
    restoreBusRemediator(eventRules),
    startTrailLoggingRemediator(cloudTrail),
    restoreTrailSelectorsRemediator(cloudTrail),
    restoreTrailConfigRemediator(cloudTrail),
    restoreEndpointPolicyRemediator(vpcEndpoints),
    ...encryption.remediators,
    revokeIamGrantRemediator(iamGrantAdapter(iam)),
  ];
}

/**
 * Everything the deployed function needs, from its environment. Runs once per
 * container: an invalid policy throws here, failing the cold start loudly (lib/policy/shipped.ts).
 * AWS calls retry throttling, 5xx and network errors with backoff (lib/aws/wire/client.ts).
 */
export function depsFromEnvironment(env: NodeJS.ProcessEnv = process.env): ResponderDeps {
  const { log, policy, wire, eventBridge, eventRules, snapshotters, baselines, cloudTrail, vpcEndpoints, encryption, tags } = commonFromEnvironment(env);
  // IAM is global: one service, whatever the function's region (iam-eventbridge-overgrant); the endpoint resolver signs for the partition's IAM region.
  const iam = iamService(wire);
  const remediators = remediatorsOf({ eventBridge, eventRules, cloudTrail, vpcEndpoints, encryption, iam });
  return {
    policy,
    controls,
    remediators,
    // SNS behind dedup, storm digests and the email rate limit (STATE_TABLE), Security Hub beside it.
    alerts: alertSinkFromEnvironment({ ...env, ALERT_TOPIC_ARN: required(env, 'ALERT_TOPIC_ARN') }, policy, wire, log),
    selfPrincipals: (env.RESPONDER_PRINCIPALS ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    now: () => new Date(),
    log,
    baselines,
    snapshotters,
    // iam-eventbridge-overgrant reads an attached customer managed policy's default version before evaluating.
    managedPolicies: managedPolicyAdapter(iam),
    tags,
    // access-denied-burst counts in the shared state table (serverless/resources/state.yml).
    bursts: env.STATE_TABLE ? dynamoDbBurstCounter(dynamoDbService(wire), env.STATE_TABLE) : undefined,
    // Embedded metric format lines on stdout feed the dashboard (serverless/resources/dashboard.yml).
    metrics: env.METRICS_NAMESPACE ? emfMetrics(env.METRICS_NAMESPACE) : undefined,
    // The global kill switch (serverless/resources/kill-switch.yml): "on" turns every remediation into dry-run.
    killSwitch: env.KILL_SWITCH_PARAMETER ? ssmKillSwitch(ssmService(wire), env.KILL_SWITCH_PARAMETER, { log }) : undefined,
    // Remediation-loop protection counts remediations in the shared state table (policy remediationLoop).
    loopGuard: env.STATE_TABLE ? dynamoDbLoopGuard(dynamoDbService(wire), env.STATE_TABLE) : undefined,
  };
}

/**
 * The responder's idempotency records (IDEMPOTENCY_TABLE, serverless/resources/idempotency.yml):
 * each CloudTrail event is processed once however often it is delivered. Without the variable
 * (local runs, tests that do not test it) every delivery is processed.
 */
export function idempotencyFromEnvironment(env: NodeJS.ProcessEnv = process.env): IdempotencyStore | undefined {
  return env.IDEMPOTENCY_TABLE ? dynamoDbIdempotencyStore(dynamoDbService(wireConfig(env)), env.IDEMPOTENCY_TABLE) : undefined;
}
