// Types only: the SDK adapter lives in lib/aws/security-hub.ts.
import type { AwsSecurityFinding, SeverityLabel } from '@aws-sdk/client-securityhub';
import { createHash } from 'node:crypto';
import type { Finding, Severity } from '../controls/types';
import { capLine, linksOf, nextStepOf } from './format';
import type { AlertSink } from './sns';

/** What the Security Hub sink needs from Security Hub (an SDK adapter below; a fake in tests of what moto lacks). */
export interface SecurityHubPort {
  readonly iamActions: readonly string[];
  /** The finding with this Id, if Security Hub has it. */
  find(id: string): Promise<AwsSecurityFinding | undefined>;
  import(finding: AwsSecurityFinding): Promise<void>;
  /** Sets the workflow status to RESOLVED (BatchImportFindings cannot change Workflow once a finding exists). */
  resolve(id: string, productArn: string, note: string): Promise<void>;
}

/** Every action the Security Hub sink may call. */
export const SECURITY_HUB_ACTIONS = ['securityhub:GetFindings', 'securityhub:BatchImportFindings', 'securityhub:BatchUpdateFindings'] as const;

export class SecurityHubImportError extends Error {
  override readonly name = 'SecurityHubImportError';
}

const LABELS: Record<Severity, SeverityLabel> = { critical: 'CRITICAL', high: 'HIGH', medium: 'MEDIUM', low: 'LOW', info: 'INFORMATIONAL' };
const NORMALIZED: Record<Severity, number> = { critical: 90, high: 70, medium: 40, low: 1, info: 0 };

/** ASFF resource types for what the controls guard; anything else is "Other". */
const RESOURCE_TYPES: Array<[RegExp, string]> = [
  [/^arn:[^:]+:events:[^:]*:[^:]*:event-bus\//, 'AwsEventsEventbus'],
  [/^arn:[^:]+:kms:[^:]*:[^:]*:key\//, 'AwsKmsKey'],
  [/^arn:[^:]+:cloudtrail:[^:]*:[^:]*:trail\//, 'AwsCloudTrailTrail'],
  [/^arn:[^:]+:sqs:/, 'AwsSqsQueue'],
  [/^arn:[^:]+:sns:/, 'AwsSnsTopic'],
  [/^arn:[^:]+:iam::[^:]*:role\//, 'AwsIamRole'],
  [/^arn:[^:]+:iam::[^:]*:user\//, 'AwsIamUser'],
  [/^arn:[^:]+:iam::[^:]*:policy\//, 'AwsIamPolicy'],
  [/^arn:[^:]+:lambda:/, 'AwsLambdaFunction'],
  [/^arn:[^:]+:ec2:[^:]*:[^:]*:vpc-endpoint\//, 'AwsEc2VpcEndpointService'],
];

export function partitionOf(arn: string): string {
  return /^arn:([^:]+):/.exec(arn)?.[1] ?? 'aws';
}

/** Stable per control and resource: a recurrence updates the same Security Hub finding. */
export function securityHubIdOf(finding: Finding): string {
  const digest = createHash('sha256').update(`${finding.account}\n${finding.region}\n${finding.control}\n${finding.resource}`).digest('hex').slice(0, 40);
  return `drift-responder/${finding.control}/${digest}`;
}

export function productArnOf(finding: Finding): string {
  return `arn:${partitionOf(finding.resource)}:securityhub:${finding.region}:${finding.account}:product/${finding.account}/default`;
}

/**
 * The finding in the AWS Security Finding Format. `existing` (the finding Security Hub already
 * has under this Id) keeps its creation and first-observed times. Remediated (applied) means
 * the offending setting is gone: the record is ARCHIVED; a recurrence makes it ACTIVE again
 * (and Security Hub then resets a RESOLVED workflow to NEW).
 */
export function asffOf(finding: Finding, now: Date, existing?: AwsSecurityFinding): AwsSecurityFinding {
  const resolved = finding.remediation.status === 'applied';
  const cloudTrail = linksOf(finding).find((l) => l.label === 'CloudTrail event')?.url;
  const types = ['Software and Configuration Checks/AWS Security Best Practices'];
  const severity = { Label: LABELS[finding.severity], Normalized: NORMALIZED[finding.severity], Original: finding.severity } as const;
  return {
    SchemaVersion: '2018-10-08',
    Id: securityHubIdOf(finding),
    ProductArn: productArnOf(finding),
    ProductName: 'drift-responder',
    CompanyName: 'drift-responder',
    GeneratorId: `drift-responder/${finding.control}`,
    AwsAccountId: finding.account,
    Region: finding.region,
    Types: types,
    CreatedAt: existing?.CreatedAt ?? finding.event.time,
    UpdatedAt: now.toISOString(),
    FirstObservedAt: existing?.FirstObservedAt ?? finding.event.time,
    LastObservedAt: finding.event.time,
    Severity: { Label: severity.Label, Normalized: severity.Normalized, Original: severity.Original },
    FindingProviderFields: { Severity: { Label: severity.Label, Original: severity.Original }, Types: types },
    Title: capLine(finding.title, 256),
    Description: capLine(`${finding.evidence.summary} Response: ${finding.remediation.status}: ${finding.remediation.reason}`, 1024),
    SourceUrl: cloudTrail,
    Remediation: { Recommendation: { Text: capLine(nextStepOf(finding), 512) } },
    ProductFields: {
      'drift-responder/control': finding.control,
      'drift-responder/eventId': finding.event.id,
      'drift-responder/eventName': finding.event.name,
      'drift-responder/eventSource': finding.event.source,
      'drift-responder/actor': capLine(finding.actor.arn ?? 'unknown', 1000),
      'drift-responder/sourceIp': finding.actor.sourceIp ?? 'unknown',
      'drift-responder/remediation': finding.remediation.status,
    },
    Resources: [{ Type: RESOURCE_TYPES.find(([p]) => p.test(finding.resource))?.[1] ?? 'Other', Id: finding.resource, Partition: partitionOf(finding.resource) as 'aws', Region: finding.region }],
    RecordState: resolved ? 'ARCHIVED' : 'ACTIVE',
    // Workflow is the customer's once the finding exists: set only when creating it.
    ...(existing ? {} : { Workflow: { Status: resolved ? 'RESOLVED' : 'NEW' } }),
  };
}

/**
 * Imports every finding into Security Hub (policy alerts.securityHub; off by default). It sits
 * beside the dedup chain: each occurrence updates the one Security Hub finding of its control
 * and resource, and a remediated one is resolved.
 */
export function securityHubSink(port: SecurityHubPort, options: { enabled: boolean; now: () => Date }): AlertSink {
  return {
    iamActions: port.iamActions,
    async publish(alert) {
      if (!options.enabled || alert.content.kind !== 'finding') return;
      const finding = alert.content.finding;
      const id = securityHubIdOf(finding);
      const existing = await port.find(id);
      await port.import(asffOf(finding, options.now(), existing));
      if (existing && finding.remediation.status === 'applied' && existing.Workflow?.Status !== 'RESOLVED') {
        await port.resolve(id, productArnOf(finding), capLine(`Remediated by drift-responder: ${finding.remediation.reason}`, 512));
      }
    },
  };
}
