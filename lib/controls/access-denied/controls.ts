import type { Actor } from '../../events/change';
import type { Control, FindingDraft, Trigger } from '../types';

/**
 * A finding that only counts once enough of its kind arrive: the pipeline records
 * each occurrence under `key` and keeps the finding only for the occurrence that
 * reaches `threshold` (one per key, however many invocations race).
 */
export interface BurstCount {
  key: string;
  threshold: number;
  windowSeconds: number;
  /** Start of the tumbling window (epoch seconds); the counter expires after it ends. */
  windowStart: number;
}

/** AccessDenied, AccessDeniedException, ... (most services) and EC2's UnauthorizedOperation. */
export function isDenial(errorCode: string | undefined): boolean {
  return !!errorCode && (/^AccessDenied/.test(errorCode) || /^(Client\.)?UnauthorizedOperation$/.test(errorCode));
}

/** One principal: a role's sessions count together (an attacker rotates session names). */
export function principalOf(actor: Actor): string {
  return actor.issuerArn ?? actor.arn ?? actor.principalId ?? actor.accountId ?? 'unknown principal';
}

/** Every event the given controls guard, merged per eventSource. */
function guardedTriggers(guarded: readonly Control[]): Trigger[] {
  const bySource = new Map<string, Set<string>>();
  for (const control of guarded) {
    for (const trigger of control.triggers) {
      const names = bySource.get(trigger.eventSource) ?? new Set<string>();
      trigger.eventNames.forEach((n) => names.add(n));
      bySource.set(trigger.eventSource, names);
    }
  }
  return [...bySource.entries()].map(([eventSource, names]) => ({ eventSource, eventNames: [...names].sort() }));
}

/**
 * access-denied-burst: N denied calls by one principal on the APIs the other
 * controls guard, within a window (policy `accessDeniedBurst`). Pure: it marks each
 * denial with its window; the pipeline's counter (DynamoDB, or memory in replay)
 * decides which single denial raises the alert.
 */
export function accessDeniedBurstOver(guarded: readonly Control[]) {
  return {
    id: 'access-denied-burst',
    title: 'Burst of access denials on guarded APIs',
    severity: 'medium',
    handlesFailedCalls: true,
    triggers: guardedTriggers(guarded),
    evaluate(change, context): FindingDraft[] {
      if (!isDenial(change.errorCode)) return [];
      const { threshold, windowSeconds } = context.policy.accessDeniedBurst;
      const at = Date.parse(change.eventTime);
      if (Number.isNaN(at)) return [];
      const windowStart = Math.floor(at / 1000 / windowSeconds) * windowSeconds;
      const principal = principalOf(change.actor);
      const window = `${new Date(windowStart * 1000).toISOString()} + ${windowSeconds}s`;
      return [
        {
          resource: principal,
          title: `${threshold} access denials by ${principal} on guarded APIs within ${windowSeconds}s`,
          evidence: {
            summary: `${principal} was denied ${threshold} times on APIs this responder guards in the window ${window}; the last: ${change.eventName} (${change.eventSource}) ${change.errorCode}`,
            after: { eventName: change.eventName, errorCode: change.errorCode, errorMessage: change.errorMessage },
          },
          burst: { key: `access-denied-burst#${change.account}#${principal}#${windowStart}`, threshold, windowSeconds, windowStart },
        },
      ];
    },
  } as const satisfies Control;
}
