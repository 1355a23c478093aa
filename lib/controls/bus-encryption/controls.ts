import type { Change } from '../../events/change';
import { isRecord } from '../../util/json';
import { busArn, busNameOf } from '../bus-policy/statements';
import { param, textParam } from '../params';
import { isNamedBy } from '../protected-resources';
import type { Control, EvaluationContext, FindingDraft } from '../types';
import { busSettingsBaselineKey, EVENT_BUS_SETTINGS_BASELINE, type BusEncryptionSettings, type EventBusSettingsDefinition } from './types';

/** The settings an UpdateEventBus / CreateEventBus writes: no key means the AWS owned key, no DLQ means none. */
export function busSettingsWritten(change: Change): BusEncryptionSettings {
  const dlq = param(change.requestParameters, 'deadLetterConfig');
  const deadLetterArn = isRecord(dlq) ? textParam(dlq, 'arn') : undefined;
  const kmsKeyIdentifier = textParam(change.requestParameters, 'kmsKeyIdentifier');
  return { ...(kmsKeyIdentifier ? { kmsKeyIdentifier } : {}), ...(deadLetterArn ? { deadLetterArn } : {}) };
}

function baselineOf(context: EvaluationContext, arn: string): EventBusSettingsDefinition | undefined {
  const baseline = context.baselines.get(busSettingsBaselineKey(arn));
  return baseline?.kind === EVENT_BUS_SETTINGS_BASELINE ? (baseline.definition as EventBusSettingsDefinition) : undefined;
}

/** What an update weakened, compared with the baseline (or, without one, with `requireBusCmk`). */
function downgrades(written: BusEncryptionSettings, baseline: BusEncryptionSettings | undefined, requireCmk: boolean): string[] {
  const found: string[] = [];
  if (baseline?.kmsKeyIdentifier && written.kmsKeyIdentifier !== baseline.kmsKeyIdentifier) {
    found.push(
      written.kmsKeyIdentifier
        ? `customer managed key changed from ${baseline.kmsKeyIdentifier} to ${written.kmsKeyIdentifier}`
        : `no KmsKeyIdentifier: EventBridge silently fell back from ${baseline.kmsKeyIdentifier} to an AWS owned key`,
    );
  } else if (!written.kmsKeyIdentifier && !baseline?.kmsKeyIdentifier && requireCmk) {
    found.push('no KmsKeyIdentifier: events are encrypted with an AWS owned key, and requireBusCmk is on');
  }
  if (baseline?.deadLetterArn && written.deadLetterArn !== baseline.deadLetterArn) {
    found.push(written.deadLetterArn ? `dead-letter queue changed from ${baseline.deadLetterArn} to ${written.deadLetterArn}` : `dead-letter queue ${baseline.deadLetterArn} dropped`);
  }
  return found;
}

/** The bus, from a CreateEventBus/UpdateEventBus `name` (a name or, for UpdateEventBus, an ARN; absent = default). */
function busOf(change: Change) {
  const name = busNameOf(param(change.requestParameters, 'name'));
  return { name, arn: busArn(change, name) };
}

export const busEncryptionDowngraded = {
  id: 'bus-encryption-downgraded',
  title: 'Protected event bus encryption or dead-letter queue weakened',
  severity: 'high',
  triggers: [{ eventSource: 'events.amazonaws.com', eventNames: ['UpdateEventBus', 'CreateEventBus'] }],
  remediation: 'restore-bus-encryption',
  baselineResources: (change) => [busSettingsBaselineKey(busOf(change).arn)],
  evaluate(change, context): FindingDraft[] {
    const bus = busOf(change);
    if (!isNamedBy([bus.name, bus.arn], context.policy.protect.buses)) return [];
    const written = busSettingsWritten(change);
    if (change.eventName === 'CreateEventBus') {
      if (written.kmsKeyIdentifier || !context.policy.requireBusCmk) return [];
      // A new bus has no baseline to restore: alert only.
      return [
        {
          resource: bus.arn,
          title: `event bus ${bus.name} created without a customer managed key`,
          evidence: { summary: `CreateEventBus ${bus.name} without KmsKeyIdentifier: events are encrypted with an AWS owned key, and requireBusCmk is on`, after: written },
        },
      ];
    }
    const baseline = baselineOf(context, bus.arn);
    const found = downgrades(written, baseline, context.policy.requireBusCmk);
    if (found.length === 0) return [];
    const settings = baseline ? { kmsKeyIdentifier: baseline.kmsKeyIdentifier, deadLetterArn: baseline.deadLetterArn } : undefined;
    return [
      {
        resource: bus.arn,
        title: `event bus ${bus.name}: ${found[0]}`,
        evidence: { summary: `UpdateEventBus ${bus.name}: ${found.join('; ')}`, before: settings, after: written },
        plan: {
          kind: 'restore-bus-encryption',
          busName: bus.name,
          ...(settings ? { settings } : { noBaseline: 'no baseline of this bus is stored: its previous key and dead-letter queue are unknown, nothing to restore (the snapshot function captures protected buses)' }),
        },
      },
    ];
  },
  recheck(plan, live, _change, context) {
    if (plan.kind !== 'restore-bus-encryption' || live.kind !== 'event-bus-settings' || !live.settings) return undefined;
    if (!plan.settings) return live.settings.kmsKeyIdentifier || !context.policy.requireBusCmk ? undefined : plan;
    const same = (live.settings.kmsKeyIdentifier ?? '') === (plan.settings.kmsKeyIdentifier ?? '') && (live.settings.deadLetterArn ?? '') === (plan.settings.deadLetterArn ?? '');
    return same ? undefined : plan;
  },
} as const satisfies Control;
