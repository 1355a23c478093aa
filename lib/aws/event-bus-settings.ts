import type { DescribeEventBusRequest, ListEventBusesRequest, LogConfig, UpdateEventBusRequest } from '@aws-sdk/client-eventbridge';
import type { EventBusInventoryPort } from '../baseline/event-bus-settings';
import type { EventBusSettingsPort } from '../remediation/bus-encryption';
import { isEventBridgeNotFound as isNotFound } from './errors';
import type { JsonService } from './wire/json';

/** The parts of DescribeEventBus's answer this adapter reads (its timestamps would be epoch seconds). */
interface BusSettingsAnswer {
  KmsKeyIdentifier?: string;
  DeadLetterConfig?: { Arn?: string };
  Description?: string;
  LogConfig?: LogConfig;
}

interface BusesPage {
  EventBuses?: Array<{ Name?: string; Arn?: string }>;
  NextToken?: string;
}

/** A bus's encryption and dead-letter settings (its policy is lib/aws/eventbridge.ts's). */
export function eventBusSettingsAdapter(events: JsonService): EventBusSettingsPort & EventBusInventoryPort {
  return {
    async getSettings(busName) {
      try {
        const bus = await events.call<BusSettingsAnswer>('DescribeEventBus', { Name: busName } satisfies DescribeEventBusRequest);
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
      await events.call('UpdateEventBus', {
        Name: busName,
        KmsKeyIdentifier: settings.kmsKeyIdentifier,
        DeadLetterConfig: settings.deadLetterArn ? { Arn: settings.deadLetterArn } : undefined,
        Description: settings.description,
        LogConfig: settings.logConfig as LogConfig | undefined,
      } satisfies UpdateEventBusRequest);
    },
    async listBuses() {
      const buses: Array<{ name: string; arn: string }> = [];
      let NextToken: string | undefined;
      do {
        const page = await events.call<BusesPage>('ListEventBuses', { NextToken } satisfies ListEventBusesRequest);
        buses.push(...(page.EventBuses ?? []).flatMap((b) => (b.Name && b.Arn ? [{ name: b.Name, arn: b.Arn }] : [])));
        NextToken = page.NextToken;
      } while (NextToken);
      return buses;
    },
  };
}
