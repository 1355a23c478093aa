import type { Finding } from '../controls/types';
import { emfMetrics } from './emf';

const finding = (status: Finding['remediation']['status']): Finding => ({
  control: 'trail-stopped',
  severity: 'critical',
  resource: 'arn:aws:cloudtrail:us-east-1:123456789012:trail/t',
  title: 't',
  evidence: { summary: 's' },
  account: '123456789012',
  region: 'us-east-1',
  event: { id: 'e', name: 'StopLogging', source: 'cloudtrail.amazonaws.com', time: '2026-01-01T00:00:00Z' },
  actor: {},
  remediation: { status, reason: 'r' },
});

describe('emfMetrics', () => {
  it('writes one embedded-metric-format line per finding: Findings by Severity and Control, Remediations by Status', () => {
    const lines: string[] = [];
    emfMetrics('drift-responder/ci', (l) => lines.push(l), () => new Date(1_700_000_000_000)).finding(finding('applied'));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toEqual({
      _aws: {
        Timestamp: 1_700_000_000_000,
        CloudWatchMetrics: [
          { Namespace: 'drift-responder/ci', Dimensions: [['Severity'], ['Control']], Metrics: [{ Name: 'Findings', Unit: 'Count' }] },
          { Namespace: 'drift-responder/ci', Dimensions: [['Status']], Metrics: [{ Name: 'Remediations', Unit: 'Count' }] },
        ],
      },
      Severity: 'critical',
      Control: 'trail-stopped',
      Findings: 1,
      Status: 'applied',
      Remediations: 1,
    });
  });

  it.each([['failed', true], ['planned', true], ['skipped', true], ['none', false]] as const)('counts a remediation %s: %s', (status, counted) => {
    const lines: string[] = [];
    emfMetrics('ns', (l) => lines.push(l)).finding(finding(status));
    const line = JSON.parse(lines[0]!);
    expect(line.Remediations === 1).toBe(counted);
    expect(line._aws.CloudWatchMetrics).toHaveLength(counted ? 2 : 1);
  });
});
