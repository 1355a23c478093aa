import type { Finding } from '../controls/types';

/** What the responder counts, for its dashboard. */
export interface MetricsSink {
  /** One finding handled (after remediation, before the alert). */
  finding(finding: Finding): void;
}

export const METRIC_NAMES = { findings: 'Findings', remediations: 'Remediations' } as const;

/** Remediation outcomes worth counting: the ones where a remediation was considered. */
const REMEDIATION_OUTCOMES = ['applied', 'failed', 'planned', 'skipped'];

/**
 * CloudWatch embedded metric format: one JSON line on stdout per finding, which
 * Lambda's log pipeline turns into metrics (no PutMetricData call, no extra IAM).
 * `Findings` by Severity and by Control; `Remediations` by Status.
 */
export function emfMetrics(namespace: string, write: (line: string) => void = (line) => process.stdout.write(`${line}\n`), now: () => Date = () => new Date()): MetricsSink {
  return {
    finding(finding) {
      const status = finding.remediation.status;
      const counted = REMEDIATION_OUTCOMES.includes(status);
      const metrics = [
        { Namespace: namespace, Dimensions: [['Severity'], ['Control']], Metrics: [{ Name: METRIC_NAMES.findings, Unit: 'Count' }] },
        ...(counted ? [{ Namespace: namespace, Dimensions: [['Status']], Metrics: [{ Name: METRIC_NAMES.remediations, Unit: 'Count' }] }] : []),
      ];
      write(
        JSON.stringify({
          _aws: { Timestamp: now().getTime(), CloudWatchMetrics: metrics },
          Severity: finding.severity,
          Control: finding.control,
          [METRIC_NAMES.findings]: 1,
          ...(counted ? { Status: status, [METRIC_NAMES.remediations]: 1 } : {}),
        }),
      );
    },
  };
}
