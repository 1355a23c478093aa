import { busArn, busNameOf } from '../controls/bus-policy/statements';
import { busSettingsBaselineKey, EVENT_BUS_SETTINGS_BASELINE, type EventBusSettingsDefinition } from '../controls/bus-encryption/types';
import { param } from '../controls/params';
import { isNamedBy } from '../controls/protected-resources';
import type { EventBusSettingsPort } from '../remediation/bus-encryption';
import type { Baseline } from './types';
import type { Snapshotter } from './snapshotter';

/** What capturing bus settings reads from EventBridge. */
export interface EventBusInventoryPort extends Pick<EventBusSettingsPort, 'getSettings'> {
  listBuses(): Promise<Array<{ name: string; arn: string }>>;
}

export function eventBusSettingsSnapshotter(events: EventBusInventoryPort, now: () => Date = () => new Date()): Snapshotter {
  async function capture(resource: string): Promise<Baseline | undefined> {
    const arn = resource.replace(/#settings$/, '');
    const name = busNameOf(arn);
    const settings = await events.getSettings(name);
    if (!settings) return undefined;
    const definition: EventBusSettingsDefinition = {
      name,
      ...(settings.kmsKeyIdentifier ? { kmsKeyIdentifier: settings.kmsKeyIdentifier } : {}),
      ...(settings.deadLetterArn ? { deadLetterArn: settings.deadLetterArn } : {}),
      ...(settings.description ? { description: settings.description } : {}),
    };
    return { resource: busSettingsBaselineKey(arn), kind: EVENT_BUS_SETTINGS_BASELINE, definition, capturedAt: now().toISOString(), source: 'snapshot' };
  }
  return {
    kind: EVENT_BUS_SETTINGS_BASELINE,
    iamActions: ['events:ListEventBuses', 'events:DescribeEventBus'],
    touchedBy(change, policy) {
      if (change.eventSource !== 'events.amazonaws.com' || !['UpdateEventBus', 'CreateEventBus'].includes(change.eventName)) return [];
      const name = busNameOf(param(change.requestParameters, 'name'));
      const arn = busArn(change, name);
      return isNamedBy([name, arn], policy.protect.buses) ? [busSettingsBaselineKey(arn)] : [];
    },
    capture,
    async *captureAll(policy) {
      for (const bus of await events.listBuses()) {
        if (!isNamedBy([bus.name, bus.arn], policy.protect.buses)) continue;
        const baseline = await capture(bus.arn);
        if (baseline) yield baseline;
      }
    },
  };
}

