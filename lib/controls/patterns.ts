import type { Control } from './types';

/** The `source` EventBridge gives a CloudTrail event: `aws.` + the service prefix of its eventSource. */
export function eventBridgeSourceOf(eventSource: string): string {
  const prefix = eventSource.replace(/\.amazonaws\.com$/, '');
  const exceptions: Record<string, string> = { monitoring: 'aws.cloudwatch' };
  return exceptions[prefix] ?? `aws.${prefix}`;
}

export interface EventPattern {
  source: string[];
  'detail-type': string[];
  detail: {
    eventSource: string[];
    eventName: string[];
    errorCode?: Array<{ exists: boolean }>;
  };
}

/**
 * One pattern per CloudTrail eventSource, covering every event some control
 * handles. Failed calls are filtered out in EventBridge unless a control asks
 * for them, so the function is not invoked for nothing.
 */
export function eventPatternsOf(controls: readonly Control[]): EventPattern[] {
  const bySource = new Map<string, { names: Set<string>; failed: boolean }>();
  for (const control of controls) {
    for (const trigger of control.triggers) {
      const entry = bySource.get(trigger.eventSource) ?? { names: new Set<string>(), failed: false };
      trigger.eventNames.forEach((n) => entry.names.add(n));
      entry.failed ||= control.handlesFailedCalls === true;
      bySource.set(trigger.eventSource, entry);
    }
  }
  return [...bySource.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([eventSource, { names, failed }]) => ({
      source: [eventBridgeSourceOf(eventSource)],
      'detail-type': ['AWS API Call via CloudTrail'],
      detail: {
        eventSource: [eventSource],
        eventName: [...names].sort(),
        ...(failed ? {} : { errorCode: [{ exists: false }] }),
      },
    }));
}
