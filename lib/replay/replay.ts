import { NO_BASELINES, type BaselineLookup } from '../baseline/types';
import { evaluateChange } from '../controls/evaluate';
import type { Control, Finding } from '../controls/types';
import { EventParseError } from '../events/errors';
import { parseChange } from '../events/parse';
import { dryRunOf, exemptionFor } from '../policy/decide';
import type { Policy } from '../policy/schema';
import { describePlan, remediationHeldBack } from '../responder/respond';
import type { InputFile } from './read';

export interface RecordProblem {
  file: string;
  /** 1-based position of the record in its file. */
  record: number;
  message: string;
}

export interface ReplayResult {
  findings: Finding[];
  suppressed: number;
  records: number;
  files: number;
  problems: RecordProblem[];
}

/**
 * Runs every control over recorded changes, offline. Nothing is changed in AWS:
 * a finding whose control would remediate is reported as `planned` (the live
 * re-check a deployed responder does first cannot happen here).
 */
export function replay(
  inputs: Iterable<InputFile>,
  policy: Policy,
  controls: readonly Control[],
  now: Date,
  baselines: BaselineLookup = NO_BASELINES,
): ReplayResult {
  const result: ReplayResult = { findings: [], suppressed: 0, records: 0, files: 0, problems: [] };
  for (const input of inputs) {
    result.files += 1;
    if (input.error) {
      result.problems.push({ file: input.file, record: 0, message: input.error });
      continue;
    }
    input.records.forEach((raw, index) => {
      result.records += 1;
      let change;
      try {
        change = parseChange(raw);
      } catch (error) {
        if (!(error instanceof EventParseError)) throw error;
        result.problems.push({ file: input.file, record: index + 1, message: error.message });
        return;
      }
      const evaluation = evaluateChange(change, { policy, baselines }, controls);
      for (const failure of evaluation.failures) {
        result.problems.push({ file: input.file, record: index + 1, message: `control ${failure.control} failed: ${failure.error.message}` });
      }
      for (const finding of evaluation.findings) {
        if (exemptionFor(finding.control, finding.resource, policy, now)) {
          result.suppressed += 1;
          continue;
        }
        const control = controls.find((c) => c.id === finding.control) as Control;
        const held = finding.plan ? remediationHeldBack(control, change, policy) : 'no automatic remediation for this control';
        result.findings.push({
          ...finding,
          remediation: held
            ? { status: finding.plan ? 'skipped' : 'none', reason: held }
            : { status: 'planned', reason: `${dryRunOf(control.id, policy) ? 'dry-run: ' : ''}would ${describePlan(finding.plan!)} (after re-reading live state)` },
        });
      }
    });
  }
  return result;
}
