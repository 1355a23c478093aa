/** Baseline kind of an event bus's encryption and dead-letter settings. */
export const EVENT_BUS_SETTINGS_BASELINE = 'event-bus-settings';

/**
 * The baseline key of a bus's settings: `<bus ARN>#settings`. The bus ARN alone keys the
 * bus's own definition (bus-deleted recreates from it); the store keys by one string.
 */
export function busSettingsBaselineKey(busArn: string): string {
  return `${busArn}#settings`;
}

export interface BusEncryptionSettings {
  /** The customer managed key (ARN, id, alias or alias ARN, as set); absent = AWS owned key. */
  kmsKeyIdentifier?: string;
  /** The bus's dead-letter queue ARN. */
  deadLetterArn?: string;
}

/** The `event-bus-settings` baseline definition. */
export interface EventBusSettingsDefinition extends BusEncryptionSettings {
  name: string;
  description?: string;
}

export interface RestoreBusEncryptionPlan {
  kind: 'restore-bus-encryption';
  busName: string;
  /** The baseline settings to put back; absent when there are none (`noBaseline` says why). */
  settings?: BusEncryptionSettings;
  noBaseline?: string;
}

export interface EventBusSettingsLiveState {
  kind: 'event-bus-settings';
  busName: string;
  /** undefined when the bus no longer exists. Description and log config are kept as they are when restoring. */
  settings: (BusEncryptionSettings & { description?: string; logConfig?: { IncludeDetail?: string; Level?: string } }) | undefined;
}
