import { NO_BASELINES } from '../../lib/baseline/types';
import { evaluateChange } from '../../lib/controls/evaluate';
import type { Control, Finding } from '../../lib/controls/types';
import { parseChange } from '../../lib/events/parse';
import type { Policy } from '../../lib/policy/schema';
import { describePlan } from '../../lib/responder/respond';

/**
 * A representative finding of a control, for golden tests of what each channel renders: the
 * first of the given CloudTrail records that makes the control raise one, as the responder
 * would report it (remediation applied when the control remediates). When no record raises
 * one (the control needs a baseline, or no fixture triggers it yet), a finding built from the
 * control's own declarations and a record of its trigger, marked as synthetic in its summary.
 */
export function representativeFinding(control: Control, records: ReadonlyArray<{ name: string; record: unknown }>, policy: Policy): { finding: Finding; source: string } {
  for (const { name, record } of records) {
    let findings: Finding[];
    try {
      findings = evaluateChange(parseChange(record), { policy, baselines: NO_BASELINES }, [control]).findings;
    } catch {
      continue; // not a record this parser or control accepts
    }
    const raised = findings[0];
    if (!raised) continue;
    const finding: Finding = raised.plan
      ? { ...raised, remediation: { status: 'applied', reason: describePlan(raised.plan) } }
      : { ...raised, remediation: { status: 'none', reason: 'no automatic remediation for this control' } };
    return { finding, source: name };
  }
  const triggered = records.find(({ record }) => {
    try {
      const change = parseChange(record);
      return control.triggers.some((t) => t.eventSource === change.eventSource && t.eventNames.includes(change.eventName));
    } catch {
      return false;
    }
  });
  const base = parseChange((triggered ?? records[0])?.record);
  const trigger = control.triggers[0];
  return {
    source: `synthetic (${triggered?.name ?? 'no fixture of its trigger'})`,
    finding: {
      control: control.id,
      severity: control.severity,
      title: control.title,
      resource: `arn:aws:${(trigger?.eventSource ?? 'unknown').split('.')[0]}:${base.region}:${base.account}:example`,
      evidence: { summary: `${control.title} (synthetic example: no fixture raises this control by itself)` },
      account: base.account,
      region: base.region,
      event: { id: base.eventId, name: trigger?.eventNames[0] ?? base.eventName, source: trigger?.eventSource ?? base.eventSource, time: base.eventTime },
      actor: base.actor,
      remediation: control.remediation
        ? { status: 'planned', reason: `dry-run: would ${control.remediation}` }
        : { status: 'none', reason: 'no automatic remediation for this control' },
    },
  };
}
