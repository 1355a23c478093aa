import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SNSClient } from '@aws-sdk/client-sns';
import path from 'node:path';
import { snsAlertSink } from '../alerts/sns';
import { dynamoDbBaselineStore } from '../baseline/dynamodb';
import type { Snapshotter } from '../baseline/snapshotter';
import { eventBusPolicyAdapter } from '../aws/eventbridge';
import { controlIds, controls } from '../controls/registry';
import { loadPolicyFile } from '../policy/load';
import { busStatementsRemediator } from '../remediation/bus-statements';
import type { Remediator } from '../remediation/types';
import { jsonLogger } from '../util/log';
import type { ResponderDeps } from './respond';

export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new ConfigurationError(`environment variable ${name} is not set`);
  return value;
}

/** The policy file shipped in the function bundle; DRIFT_POLICY_FILE overrides (tests, local runs). */
export function policyPath(env: NodeJS.ProcessEnv): string {
  return env.DRIFT_POLICY_FILE ?? path.join(env.LAMBDA_TASK_ROOT ?? process.cwd(), 'policy.yml');
}

/**
 * Everything the deployed function needs, from its environment. Runs once per
 * container: an invalid policy throws here, failing the cold start loudly.
 * SDK clients retry throttling and 5xx with exponential backoff (adaptive mode).
 */
export function depsFromEnvironment(env: NodeJS.ProcessEnv = process.env): ResponderDeps {
  const log = jsonLogger({ service: 'drift-responder', function: env.AWS_LAMBDA_FUNCTION_NAME });
  const policy = loadPolicyFile(policyPath(env), controlIds);
  const clientConfig = { maxAttempts: 5, retryMode: 'adaptive' as const };
  const eventBridge = new EventBridgeClient(clientConfig);
  const sns = new SNSClient(clientConfig);
  const remediators: Remediator[] = [busStatementsRemediator(eventBusPolicyAdapter(eventBridge))];
  const snapshotters: Snapshotter[] = [];
  // The baseline table arrives with the stack that deploys it; without one nothing is restored from baselines.
  const baselines = env.BASELINE_TABLE ? dynamoDbBaselineStore(new DynamoDBClient(clientConfig), env.BASELINE_TABLE) : undefined;
  return {
    policy,
    controls,
    remediators,
    alerts: snsAlertSink(sns, required(env, 'ALERT_TOPIC_ARN')),
    selfPrincipals: (env.RESPONDER_PRINCIPALS ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    now: () => new Date(),
    log,
    baselines,
    snapshotters,
  };
}
