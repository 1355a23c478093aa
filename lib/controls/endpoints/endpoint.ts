import type { Change } from '../../events/change';
import { parsePolicyDocument, type PolicyDocument } from '../../iam/policy-document';
import { isRecord } from '../../util/json';
import { exposureOf, trustOf } from '../bus-policy/statements';
import type { Policy } from '../../policy/schema';
import { booleanOf, param } from '../params';

/** Interface endpoints of these services carry the responder's traffic and the events it guards. */
export const GUARDED_ENDPOINT_SERVICES = ['events', 'kms', 'sqs', 'sns'] as const;

export function isGuardedService(serviceName: string): boolean {
  const service = /^com\.amazonaws\.[a-z0-9-]+\.([a-z0-9-]+)$/.exec(serviceName)?.[1];
  return (GUARDED_ENDPOINT_SERVICES as readonly string[]).includes(service ?? '');
}

/** Baseline kind `vpc-endpoint-policy`: a guarded endpoint and its last known good policy. */
export interface EndpointBaseline {
  /** arn:aws:ec2:region:account:vpc-endpoint/vpce-...: the baseline's key. */
  arn?: string;
  vpcEndpointId: string;
  serviceName: string;
  vpcEndpointType?: string;
  /** The policy document as EC2 returns it (a JSON string). */
  policyDocument?: string;
}

export const ENDPOINT_BASELINE_KIND = 'vpc-endpoint-policy';

export interface RestoreEndpointPolicyPlan {
  kind: 'restore-endpoint-policy';
  vpcEndpointId: string;
  policyDocument: string;
}

export type EndpointLiveState = { kind: 'vpc-endpoint-policy'; vpcEndpointId: string; policyDocument: string | undefined; exists: boolean };

export function endpointArn(change: Change, id: string): string {
  const partition = /^arn:(aws[\w-]*):/.exec(change.actor.arn ?? '')?.[1] ?? 'aws';
  return `arn:${partition}:ec2:${change.region}:${change.account}:vpc-endpoint/${id}`;
}

/**
 * The request as EC2 records it. Newer EC2 APIs are recorded nested under
 * `<EventName>Request`, list members as `{"tag": n, "content": value}` (seen in real
 * logs for DeleteFlowLogs, CreateNatGateway); older ones flat in lower camel case.
 * Both are read.
 */
export function ec2RequestOf(change: Change): Record<string, unknown> {
  const nested = param(change.requestParameters, `${change.eventName}Request`);
  return isRecord(nested) ? nested : change.requestParameters;
}

function unwrap(value: unknown): unknown {
  return isRecord(value) && 'content' in value ? value.content : value;
}

/** Every VPC endpoint id a request names, wherever and however it is nested. */
export function endpointIdsOf(change: Change): string[] {
  const ids = new Set<string>();
  const visit = (value: unknown): void => {
    if (typeof value === 'string' && /^vpce-[0-9a-z]+$/i.test(value)) ids.add(value);
    else if (Array.isArray(value)) value.forEach(visit);
    else if (isRecord(value)) Object.values(value).forEach(visit);
  };
  visit(change.requestParameters);
  return [...ids];
}

export interface EndpointPolicyChange {
  vpcEndpointId: string;
  reset: boolean;
  /** The new policy, when one was written. */
  policy?: PolicyDocument;
}

export function endpointPolicyChangeOf(change: Change): EndpointPolicyChange | undefined {
  const request = ec2RequestOf(change);
  const [vpcEndpointId] = endpointIdsOf(change);
  if (!vpcEndpointId) return undefined;
  const reset = booleanOf(unwrap(param(request, 'ResetPolicy'))) === true;
  const raw = unwrap(param(request, 'PolicyDocument'));
  const policy = raw !== undefined && raw !== null && raw !== '' ? parsePolicyDocument(raw) : undefined;
  if (!reset && !policy) return undefined;
  return { vpcEndpointId, reset, policy };
}

/** An endpoint policy lets anyone through (Principal * with no org/account condition). No policy = the full-access default. */
export function isPublicEndpointPolicy(policy: PolicyDocument | string | undefined, change: Change, config: Policy): boolean {
  if (policy === undefined || policy === '') return true;
  const document = typeof policy === 'string' ? parsePolicyDocument(policy) : policy;
  const trust = trustOf(change, config);
  return document.Statement.some((s) => exposureOf(s, trust).public);
}

export function endpointBaselineOf(definition: unknown): EndpointBaseline | undefined {
  return isRecord(definition) && typeof definition.vpcEndpointId === 'string' && typeof definition.serviceName === 'string'
    ? (definition as unknown as EndpointBaseline)
    : undefined;
}
