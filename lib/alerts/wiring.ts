import { wireConfig, type WireConfig } from '../aws/wire/client';
import { CONTROL_IDS } from '../controls/ids';
import { loadShippedPolicy } from '../policy/shipped';
import type { Policy } from '../policy/schema';
import { jsonLogger, type Logger } from '../util/log';
import { dedupSink, fanOutSink, rateLimitedSink, stormSink, type FlushDeps } from './pipeline';
import { securityHubAdapter } from '../aws/security-hub';
import { dynamoDbService, securityHubService, snsService } from '../aws/wire/services';
import { securityHubSink } from './security-hub';
import { snsAlertSink, type AlertSink } from './sns';
import { dynamoDbAlertState } from './state';

export class AlertConfigurationError extends Error {
  override readonly name = 'AlertConfigurationError';
}

/**
 * The responder's alert sink: SNS behind dedup, storm and rate limiting (state in the table
 * named by STATE_TABLE), with Security Hub beside it:
 *
 *   fanOut( dedup -> storm -> rate limit -> SNS ,  Security Hub (policy alerts.securityHub) )
 *
 * Without STATE_TABLE (local runs) alerts go straight to SNS, one per finding.
 */
export function alertSinkFromEnvironment(env: NodeJS.ProcessEnv, policy: Policy, wire: WireConfig, log: Logger, now: () => Date = () => new Date()): AlertSink {
  const topicArn = env.ALERT_TOPIC_ARN;
  if (!topicArn) throw new AlertConfigurationError('environment variable ALERT_TOPIC_ARN is not set');
  const sns = snsAlertSink(snsService(wire), topicArn);
  let channel: AlertSink = sns;
  if (env.STATE_TABLE) {
    const state = dynamoDbAlertState(dynamoDbService(wire), env.STATE_TABLE);
    channel = dedupSink(
      stormSink(rateLimitedSink(sns, state), state, { threshold: policy.alerts.stormThresholdPerMinute, now, log }),
      state,
      { windowMinutes: policy.alerts.dedupWindowMinutes, now, log },
    );
  }
  // Always built, so the role generated from iamActions can import when the policy turns it on.
  const securityHub = securityHubSink(securityHubAdapter(securityHubService(wire)), { enabled: policy.alerts.securityHub, now });
  return fanOutSink([channel, securityHub]);
}

/** The digest function (functions/alert-digest.ts): state, rate-limited SNS, the policy's thresholds. */
export function flushDepsFromEnvironment(env: NodeJS.ProcessEnv = process.env): FlushDeps & { iamActions: readonly string[] } {
  const log = jsonLogger({ service: 'drift-responder', function: env.AWS_LAMBDA_FUNCTION_NAME });
  const policy = loadShippedPolicy(env, CONTROL_IDS);
  const topicArn = env.ALERT_TOPIC_ARN;
  const table = env.STATE_TABLE;
  if (!topicArn || !table) throw new AlertConfigurationError('environment variables ALERT_TOPIC_ARN and STATE_TABLE must be set');
  const wire = wireConfig(env);
  const state = dynamoDbAlertState(dynamoDbService(wire), table);
  const sink = rateLimitedSink(snsAlertSink(snsService(wire), topicArn), state);
  return { state, sink, policy, now: () => new Date(), log, iamActions: sink.iamActions };
}
