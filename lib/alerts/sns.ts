import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Alert } from './format';

export interface AlertSink {
  /** IAM actions publishing needs (the topic is KMS-encrypted). */
  readonly iamActions: readonly string[];
  publish(alert: Alert): Promise<void>;
}

export function snsAlertSink(client: SNSClient, topicArn: string): AlertSink {
  return {
    iamActions: ['sns:Publish', 'kms:GenerateDataKey', 'kms:Decrypt'],
    async publish(alert) {
      await client.send(
        new PublishCommand({
          TopicArn: topicArn,
          Subject: alert.subject,
          Message: alert.message,
          MessageAttributes: Object.fromEntries(
            Object.entries(alert.attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
          ),
        }),
      );
    },
  };
}
