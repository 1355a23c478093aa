import { DescribeEventBusCommand, ListEventBusesCommand, UpdateEventBusCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { EventBusInventoryPort } from '../baseline/event-bus-settings';
import type { EventBusSettingsPort } from '../remediation/bus-encryption';
import { isEventBridgeNotFound as isNotFound } from './errors';

/** A bus's encryption and dead-letter settings (its policy is lib/aws/eventbridge.ts's). */
export function eventBusSettingsAdapter(client: EventBridgeClient): EventBusSettingsPort & EventBusInventoryPort {
  return {
    async getSettings(busName) {
      try {
        const bus = await client.send(new DescribeEventBusCommand({ Name: busName }));
        return {
          ...(bus.KmsKeyIdentifier ? { kmsKeyIdentifier: bus.KmsKeyIdentifier } : {}),
          ...(bus.DeadLetterConfig?.Arn ? { deadLetterArn: bus.DeadLetterConfig.Arn } : {}),
          ...(bus.Description ? { description: bus.Description } : {}),
          ...(bus.LogConfig ? { logConfig: { IncludeDetail: bus.LogConfig.IncludeDetail, Level: bus.LogConfig.Level } } : {}),
        };
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    async updateSettings(busName, settings) {
      await client.send(
        new UpdateEventBusCommand({
          Name: busName,
          KmsKeyIdentifier: settings.kmsKeyIdentifier,
          DeadLetterConfig: settings.deadLetterArn ? { Arn: settings.deadLetterArn } : undefined,
          Description: settings.description,
          LogConfig: settings.logConfig as never,
        }),
      );
    },
    async listBuses() {
      const buses: Array<{ name: string; arn: string }> = [];
      let NextToken: string | undefined;
      do {
        const page = await client.send(new ListEventBusesCommand({ NextToken }));
        buses.push(...(page.EventBuses ?? []).flatMap((b) => (b.Name && b.Arn ? [{ name: b.Name, arn: b.Arn }] : [])));
        NextToken = page.NextToken;
      } while (NextToken);
      return buses;
    },
  };
}
