import { jsonLogger } from '../../util/log';
import { wireConfig } from '../../aws/wire/client';
import { ssmService } from '../../aws/wire/services';
import { SlackConfigurationError, ssmWebhookUrl, type NotifierDeps } from './notifier';

/** The Slack notifier's dependencies: SLACK_WEBHOOK_PARAMETER names the SecureString holding the webhook URL. */
export function slackNotifierDepsFromEnvironment(env: NodeJS.ProcessEnv = process.env): NotifierDeps {
  const name = env.SLACK_WEBHOOK_PARAMETER;
  if (!name) throw new SlackConfigurationError('environment variable SLACK_WEBHOOK_PARAMETER (the SSM parameter name) is not set');
  return {
    webhook: ssmWebhookUrl(ssmService(wireConfig(env)), name),
    log: jsonLogger({ service: 'drift-responder', function: env.AWS_LAMBDA_FUNCTION_NAME }),
  };
}
