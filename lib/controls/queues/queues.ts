import type { Change } from '../../events/change';
import { parsePolicyDocument, type PolicyDocument, type PolicyStatement } from '../../iam/policy-document';
import { isRecord } from '../../util/json';
import { param, textParam } from '../params';
import { isNamedBy } from '../protected-resources';
import type { EvaluationContext } from '../types';
import { SQS_QUEUE_BASELINE, type SqsQueueDefinition } from './types';

export const SQS_SOURCE = 'sqs.amazonaws.com';

export interface QueueRef {
  url: string;
  name: string;
  arn: string;
}

/**
 * The queue a call acted on, from its queueUrl: `https://sqs.<region>.amazonaws.com/<account>/<name>`
 * (also the legacy `<region>.queue.amazonaws.com` host, and emulator URLs).
 */
export function queueOf(change: Change): QueueRef | undefined {
  const url = textParam(change.requestParameters, 'queueUrl');
  if (!url) return undefined;
  const match = /^(?:https?:\/\/([^/]+))?\/(\d{12})\/([^/?#]+)\/?$/.exec(url);
  if (!match) return undefined;
  const host = match[1] ?? '';
  const region = /^sqs\.([a-z0-9-]+)\.amazonaws\.com/.exec(host)?.[1] ?? /^([a-z0-9-]+)\.queue\.amazonaws\.com/.exec(host)?.[1] ?? change.region;
  const [account, name] = [match[2] as string, match[3] as string];
  return { url, name, arn: `arn:aws:sqs:${region}:${account}:${name}` };
}

export function protectedQueueOf(change: Change, context: EvaluationContext): QueueRef | undefined {
  const queue = queueOf(change);
  return queue && isNamedBy([queue.url, queue.arn, queue.name], context.policy.protect.queues) ? queue : undefined;
}

export function queueBaselineOf(context: EvaluationContext, queueArn: string): SqsQueueDefinition | undefined {
  const baseline = context.baselines.get(queueArn);
  return baseline?.kind === SQS_QUEUE_BASELINE ? (baseline.definition as SqsQueueDefinition) : undefined;
}

/** The attributes a SetQueueAttributes writes, values as strings (CloudTrail may log numbers, booleans, objects). */
export function writtenAttributes(change: Change): Record<string, unknown> {
  const attributes = param(change.requestParameters, 'attributes');
  if (!isRecord(attributes)) return {};
  // Attribute names are case-sensitive in SQS; normalise only what a hand-written log may vary.
  const canonical = ['KmsMasterKeyId', 'KmsDataKeyReusePeriodSeconds', 'SqsManagedSseEnabled', 'MessageRetentionPeriod', 'Policy'];
  return Object.fromEntries(
    Object.entries(attributes).map(([k, v]) => [canonical.find((c) => c.toLowerCase() === k.toLowerCase()) ?? k, v]),
  );
}

export function text(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
}

export type Encryption = { kind: 'kms'; key: string } | { kind: 'sqs' } | { kind: 'none' };

export function encryptionOf(attributes: Record<string, unknown>): Encryption {
  const key = text(attributes.KmsMasterKeyId);
  if (key) return { kind: 'kms', key };
  return text(attributes.SqsManagedSseEnabled)?.toLowerCase() === 'true' ? { kind: 'sqs' } : { kind: 'none' };
}

export function sameEncryption(a: Encryption, b: Encryption): boolean {
  return a.kind === b.kind && (a.kind !== 'kms' || a.key === (b as { key: string }).key);
}

export function describeEncryption(e: Encryption): string {
  if (e.kind === 'kms') return e.key === 'alias/aws/sqs' ? 'SSE-KMS with the AWS managed key alias/aws/sqs' : `SSE-KMS with ${e.key}`;
  return e.kind === 'sqs' ? 'SSE-SQS (SQS owned key)' : 'no server-side encryption';
}

/**
 * The queue's encryption after a SetQueueAttributes, or undefined when the call does not
 * touch encryption. SSE-KMS and SSE-SQS exclude each other: turning SSE-SQS on replaces
 * a KMS key, and an empty KmsMasterKeyId removes SSE-KMS.
 */
export function encryptionWritten(written: Record<string, unknown>, before: Encryption | undefined): Encryption | undefined {
  const key = text(written.KmsMasterKeyId);
  const sse = text(written.SqsManagedSseEnabled)?.toLowerCase();
  if (key === undefined && sse === undefined) return undefined;
  if (key) return { kind: 'kms', key };
  if (sse === 'true') return { kind: 'sqs' };
  if (key === '') return { kind: 'none' };
  // Only SqsManagedSseEnabled=false: a KMS key, if the queue had one, stays.
  return before?.kind === 'kms' ? before : { kind: 'none' };
}

/** The encryption attributes that put a baseline's encryption back. */
export function encryptionAttributes(baseline: Record<string, string>): Record<string, string> {
  const encryption = encryptionOf(baseline);
  if (encryption.kind === 'kms') {
    return { KmsMasterKeyId: encryption.key, ...(baseline.KmsDataKeyReusePeriodSeconds ? { KmsDataKeyReusePeriodSeconds: baseline.KmsDataKeyReusePeriodSeconds } : {}) };
  }
  return encryption.kind === 'sqs' ? { SqsManagedSseEnabled: 'true' } : {};
}

export function queuePolicyOf(value: unknown): PolicyDocument | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  return parsePolicyDocument(value);
}

export function sidList(statements: readonly PolicyStatement[]): string {
  return statements.map((s) => (s.Sid ? `"${s.Sid}"` : '(no Sid)')).join(', ');
}
