import type { Change } from '../events/change';
import { modeOf } from '../policy/decide';
import type { Control, EvaluationContext, Finding } from './types';

/** A control that threw: reported with its id, never hiding the other controls' findings. */
export interface ControlFailure {
  control: string;
  error: Error;
}

export interface Evaluation {
  findings: Finding[];
  failures: ControlFailure[];
}

export function handles(control: Control, change: Change): boolean {
  if (change.errorCode && !control.handlesFailedCalls) return false;
  return control.triggers.some(
    (t) => t.eventSource === change.eventSource && t.eventNames.includes(change.eventName),
  );
}

/** Runs every control that handles the change and is not switched off in the policy. Pure. */
export function evaluateChange(change: Change, context: EvaluationContext, controls: readonly Control[]): Evaluation {
  const findings: Finding[] = [];
  const failures: ControlFailure[] = [];
  for (const control of controls) {
    if (!handles(control, change) || modeOf(control.id, context.policy) === 'off') continue;
    try {
      for (const draft of control.evaluate(change, context)) {
        findings.push({
          ...draft,
          control: control.id,
          severity: draft.severity ?? control.severity,
          account: change.account,
          region: change.region,
          event: { id: change.eventId, name: change.eventName, source: change.eventSource, time: change.eventTime },
          actor: change.actor,
          remediation: { status: 'none', reason: 'not evaluated for remediation' },
          ...(change.origin ? { foundBy: change.origin } : {}),
        });
      }
    } catch (cause) {
      failures.push({ control: control.id, error: cause instanceof Error ? cause : new Error(String(cause)) });
    }
  }
  return { findings, failures };
}
