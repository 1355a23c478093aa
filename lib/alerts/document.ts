import type { TagVerdict } from '../tags/policy';
import type { Actor } from '../events/change';
import type { Finding, RemediationStatus, Severity } from '../controls/types';
import { digestSeverity, type DigestEntry } from './digest-format';
import { capLine, cutUtf8, linksOf, nextStepOf, type Alert, type Link } from './format';

/** Version of the machine-readable alert (SQS, Lambda and email-json subscribers; the Slack notifier reads it). */
export const ALERT_SCHEMA = 'drift-responder.alert/1';

export interface FindingDocument {
  control: string;
  severity: Severity;
  title: string;
  account: string;
  region: string;
  resource: string;
  event: Finding['event'];
  actor: Actor;
  /** The evidence as the control reported it; when too large, `truncated` is set and `excerpt` holds its JSON cut short. */
  evidence: { summary: string; statements?: unknown[]; before?: unknown; after?: unknown; truncated?: true; excerpt?: string };
  remediation: { status: RemediationStatus; reason: string };
  /** Present when remediation stopped in a loop (policy remediationLoop). */
  remediationLoop?: { remediations: number; windowMinutes: number };
  /** What the resource's tags decided, when the policy has tag rules (lib/tags). */
  tags?: TagVerdict;
  /** `sweep`: found by the reconciliation sweep in live state, not reported by a CloudTrail event. */
  foundBy?: 'sweep';
  nextStep: string;
  links: Link[];
}

interface Common {
  schema: typeof ALERT_SCHEMA;
  subject: string;
  severity: Severity;
}

export type AlertDocument =
  | (Common & { kind: 'finding'; finding: FindingDocument })
  | (Common & {
      kind: 'update';
      finding: FindingDocument;
      occurrences: { count: number; sinceLast: number; firstSeen: string; lastSeen: string; windowEnds: string };
    })
  | (Common & {
      kind: 'digest';
      window: { start: string; end: string };
      threshold: number;
      total: number;
      /** Entries listed here; `total - findings.length` did not fit in the message. */
      findings: DigestEntry[];
    });

export function findingDocumentOf(finding: Finding, evidenceBytes: number): FindingDocument {
  const { summary: fullSummary, ...rest } = finding.evidence;
  // A summary can name thousands of statements: the evidence carries them, the summary stays a line.
  const summary = capLine(fullSummary, 2000);
  const json = JSON.stringify(rest);
  const evidence: FindingDocument['evidence'] =
    Buffer.byteLength(json) <= evidenceBytes ? { summary, ...(rest as object) } : { summary, truncated: true, excerpt: cutUtf8(json, evidenceBytes) };
  return {
    control: finding.control,
    severity: finding.severity,
    title: finding.title,
    account: finding.account,
    region: finding.region,
    resource: finding.resource,
    event: finding.event,
    actor: finding.actor,
    evidence,
    remediation: { status: finding.remediation.status, reason: capLine(finding.remediation.reason, 2000) },
    ...(finding.remediationLoop ? { remediationLoop: finding.remediationLoop } : {}),
    ...(finding.tags ? { tags: finding.tags } : {}),
    ...(finding.foundBy ? { foundBy: finding.foundBy } : {}),
    nextStep: nextStepOf(finding),
    links: linksOf(finding),
  };
}

/**
 * The machine-readable alert. `budget` bounds its variable part: evidence bytes for a finding
 * or update, listed entries (about 400 bytes each) for a digest.
 */
export function documentOf(alert: Alert, budget = 48 * 1024): AlertDocument {
  const content = alert.content;
  const common = { schema: ALERT_SCHEMA, subject: alert.subject } as const;
  switch (content.kind) {
    case 'finding':
      return { ...common, severity: content.finding.severity, kind: 'finding', finding: findingDocumentOf(content.finding, budget) };
    case 'update':
      return {
        ...common,
        severity: content.finding.severity,
        kind: 'update',
        finding: findingDocumentOf(content.finding, budget),
        occurrences: { count: content.count, sinceLast: content.sinceLast, firstSeen: content.firstSeen, lastSeen: content.lastSeen, windowEnds: content.windowEnds },
      };
    case 'digest':
      return {
        ...common,
        severity: digestSeverity(content),
        kind: 'digest',
        window: content.window,
        threshold: content.threshold,
        total: content.total,
        findings: content.entries.slice(0, Math.max(1, Math.floor(budget / 400))),
      };
  }
}

/** The document back from the wire, or undefined when the text is not one (alarms, foreign publishers). */
export function parseAlertDocument(text: string): AlertDocument | undefined {
  try {
    const value = JSON.parse(text) as Partial<AlertDocument> | null;
    if (value && typeof value === 'object' && value.schema === ALERT_SCHEMA && ['finding', 'update', 'digest'].includes(value.kind as string)) {
      return value as AlertDocument;
    }
  } catch {
    // not JSON: a plain-text message
  }
  return undefined;
}
