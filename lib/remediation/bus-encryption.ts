import type { EventBusSettingsLiveState, RestoreBusEncryptionPlan } from '../controls/bus-encryption/types';
import { NoBaselineError } from './no-baseline';
import type { RemediationResult, Remediator } from './types';

type LiveSettings = NonNullable<EventBusSettingsLiveState['settings']>;

/** The slice of EventBridge the bus-encryption remediation needs. */
export interface EventBusSettingsPort {
  /** The bus's key, dead-letter queue, description and log config, or undefined when it no longer exists. */
  getSettings(busName: string): Promise<LiveSettings | undefined>;
  /** UpdateEventBus with exactly these settings (a missing key means the AWS owned key). */
  updateSettings(busName: string, settings: LiveSettings): Promise<void>;
}

const encryptionOnly = (s: LiveSettings | undefined) => (s ? { kmsKeyIdentifier: s.kmsKeyIdentifier ?? null, deadLetterArn: s.deadLetterArn ?? null } : null);

export function restoreBusEncryptionRemediator(port: EventBusSettingsPort): Remediator<RestoreBusEncryptionPlan> {
  return {
    kind: 'restore-bus-encryption',
    iamActions: ['events:DescribeEventBus', 'events:UpdateEventBus'],
    async readLive(plan) {
      return { kind: 'event-bus-settings', busName: plan.busName, settings: await port.getSettings(plan.busName) };
    },
    /**
     * UpdateEventBus resets what it is not given (no key = AWS owned key), so the call
     * carries the baseline key and DLQ plus the bus's live description and log config.
     */
    async apply(plan, live): Promise<RemediationResult> {
      if (!plan.settings) throw new NoBaselineError(`event bus ${plan.busName}: ${plan.noBaseline ?? 'no baseline'}`);
      const current = live.kind === 'event-bus-settings' ? live.settings : undefined;
      const wanted: LiveSettings = { ...current, kmsKeyIdentifier: plan.settings.kmsKeyIdentifier, deadLetterArn: plan.settings.deadLetterArn };
      await port.updateSettings(plan.busName, wanted);
      return {
        before: encryptionOnly(current),
        after: encryptionOnly(await port.getSettings(plan.busName)),
        actions: [`UpdateEventBus ${plan.busName} KmsKeyIdentifier=${plan.settings.kmsKeyIdentifier ?? '(AWS owned key)'} DeadLetterConfig=${plan.settings.deadLetterArn ?? '(none)'}`],
      };
    },
  };
}
