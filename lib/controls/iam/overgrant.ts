import type { Change } from '../../events/change';
import { allowsOnAll } from '../../iam/grants';
import { parsePolicyDocument, type PolicyDocument, type PolicyStatement } from '../../iam/policy-document';
import { isActorIn } from '../../policy/decide';
import type { Policy } from '../../policy/schema';
import { matchesAnyGlob } from '../../util/glob';
import { booleanOf, textParam } from '../params';
import type { Control, EvaluationContext, FindingDraft, LiveState, RemediationPlan } from '../types';
import { AWS_MANAGED_OVERGRANTS, awsManagedPolicyName } from './aws-managed-policies';
import type { GrantedPrincipal, IamGrant, PrincipalKind } from './types';

const IAM = 'iam.amazonaws.com';

const PUT_INLINE: Record<string, PrincipalKind> = { PutRolePolicy: 'role', PutUserPolicy: 'user', PutGroupPolicy: 'group' };
const ATTACH: Record<string, PrincipalKind> = { AttachRolePolicy: 'role', AttachUserPolicy: 'user', AttachGroupPolicy: 'group' };

const BUS_ACTIONS = ['PutPermission', 'RemovePermission', 'CreateEventBus', 'DeleteEventBus', 'UpdateEventBus'];
const RULE_ACTIONS = ['PutRule', 'DeleteRule', 'DisableRule', 'PutTargets', 'RemoveTargets'];

/**
 * Each dangerous action with ARNs standing for "any resource of its type" in the change's
 * account and region (names no one would pick): a grant covering them covers them all.
 * Rules are probed on the default bus and on a custom bus; roles with and without a path.
 */
function dangerousActions(change: Change): Array<[action: string, probes: string[]]> {
  const partition = /^arn:([^:]+):/.exec(change.actor.arn ?? '')?.[1] ?? 'aws';
  const events = `arn:${partition}:events:${change.region}:${change.account}`;
  const bus = [`${events}:event-bus/drift-responder-probe-bus`];
  const rules = [`${events}:rule/drift-responder-probe-rule`, `${events}:rule/drift-responder-probe-bus/drift-responder-probe-rule`];
  const roles = [`arn:${partition}:iam::${change.account}:role/drift-responder-probe-role`, `arn:${partition}:iam::${change.account}:role/drift-responder/probe-role`];
  return [
    ...BUS_ACTIONS.map((a): [string, string[]] => [`events:${a}`, bus]),
    ...RULE_ACTIONS.map((a): [string, string[]] => [`events:${a}`, rules]),
    ['iam:PassRole', roles],
  ];
}

/** The dangerous actions a document grants over all resources, and the statements granting them. */
export function overgrantsOf(document: PolicyDocument, change: Change): { actions: string[]; statements: PolicyStatement[] } {
  const actions: string[] = [];
  const statements = new Set<PolicyStatement>();
  for (const [action, probes] of dangerousActions(change)) {
    const granting = allowsOnAll(document, action, probes);
    if (!granting) continue;
    actions.push(action);
    statements.add(granting);
  }
  return { actions, statements: [...statements] };
}

/** The change, read: who gets what. CloudTrail writes the parameters in lower camel case; any casing is read. */
interface GrantChange {
  principal?: GrantedPrincipal;
  grant?: IamGrant;
  /** The new default version of a managed policy (CreatePolicyVersion), or the inline document. */
  document?: PolicyDocument;
  policyArn?: string;
}

function principalOf(change: Change, kind: PrincipalKind): GrantedPrincipal | undefined {
  const name = textParam(change.requestParameters, `${kind}Name`);
  if (!name) return undefined;
  const partition = /^arn:([^:]+):/.exec(change.actor.arn ?? '')?.[1] ?? 'aws';
  return { kind, name, arn: `arn:${partition}:iam::${change.account}:${kind}/${name}` };
}

/** Policy documents arrive as JSON strings (sometimes URL-encoded, as the API takes them) or objects. */
function documentOf(value: unknown): PolicyDocument | undefined {
  const decoded = typeof value === 'string' && /^\s*%7B/i.test(value) ? decodeURIComponent(value) : value;
  try {
    return parsePolicyDocument(decoded);
  } catch {
    return undefined;
  }
}

function grantChangeOf(change: Change): GrantChange | undefined {
  const params = change.requestParameters;
  const inlineKind = PUT_INLINE[change.eventName];
  if (inlineKind) {
    const policyName = textParam(params, 'policyName');
    const document = documentOf(params.policyDocument ?? params.PolicyDocument);
    return { principal: principalOf(change, inlineKind), ...(policyName ? { grant: { kind: 'inline', policyName } } : {}), document };
  }
  const attachKind = ATTACH[change.eventName];
  const policyArn = textParam(params, 'policyArn');
  if (attachKind) {
    return policyArn ? { principal: principalOf(change, attachKind), grant: { kind: 'managed', policyArn }, policyArn } : undefined;
  }
  if (change.eventName === 'CreatePolicyVersion') {
    if (booleanOf(params.setAsDefault ?? params.SetAsDefault) !== true) return undefined;
    return { policyArn, document: documentOf(params.policyDocument ?? params.PolicyDocument) };
  }
  return undefined;
}

const isCustomerManaged = (policyArn: string) => awsManagedPolicyName(policyArn) === undefined;

/** Trusted principals receive what they are given; a trusted actor's grant is approved (matched on its session issuer too). */
function isApproved(change: Change, grant: GrantChange, policy: Policy): boolean {
  if (isActorIn(change.actor, policy.trustedPrincipals)) return true;
  return grant.principal !== undefined && matchesAnyGlob(grant.principal.arn, policy.trustedPrincipals);
}

function describeGrant(grant: GrantChange): string {
  if (grant.grant?.kind === 'inline') return `inline policy "${grant.grant.policyName}"`;
  if (grant.policyArn) return `managed policy ${grant.policyArn}`;
  return 'a policy';
}

function describeTarget(grant: GrantChange): string {
  return grant.principal ? `${grant.principal.kind} ${grant.principal.name}` : `every principal ${grant.policyArn ?? 'the policy'} is attached to`;
}

function planFor(grant: GrantChange, policy: Policy): { plan?: RemediationPlan; note: string } {
  if (!grant.principal || !grant.grant) {
    return { note: ' A new default policy version is not rolled back automatically: set the previous version as default (SetDefaultPolicyVersion).' };
  }
  if (matchesAnyGlob(grant.principal.arn, policy.breakGlassPrincipals)) {
    return { note: ` ${grant.principal.arn} is a break-glass principal (breakGlassPrincipals): never revoked automatically.` };
  }
  return { plan: { kind: 'revoke-iam-grant', principal: grant.principal, grant: grant.grant }, note: '' };
}

function evaluate(change: Change, context: EvaluationContext): FindingDraft[] {
  const grant = grantChangeOf(change);
  if (!grant || isApproved(change, grant, context.policy)) return [];
  const resource = grant.principal?.arn ?? grant.policyArn ?? 'unknown';

  let document = grant.document;
  let actions: string[];
  let statements: PolicyStatement[] = [];
  let source: string;
  const managedName = grant.grant?.kind === 'managed' ? awsManagedPolicyName(grant.grant.policyArn) : undefined;
  if (managedName !== undefined) {
    actions = [...(AWS_MANAGED_OVERGRANTS[managedName] ?? [])];
    source = `AWS managed policy ${managedName}`;
  } else {
    if (grant.grant?.kind === 'managed' && isCustomerManaged(grant.grant.policyArn)) {
      const read = context.managedPolicies?.get(grant.grant.policyArn);
      if (!read || 'error' in read) {
        const why = read ? `its default version could not be read (${read.error})` : 'its default version was not read (replay has no live access to IAM)';
        return [
          {
            resource,
            severity: 'info',
            title: `not evaluated: customer managed policy attached to ${describeTarget(grant)}`,
            evidence: { summary: `${describeGrant(grant)} was attached to ${describeTarget(grant)}, but ${why}: whether it grants EventBridge administrative power is unknown.` },
          },
        ];
      }
      document = read.document;
    }
    if (!document) return [];
    ({ actions, statements } = overgrantsOf(document, change));
    source = describeGrant(grant);
  }
  if (actions.length === 0) return [];

  const { plan, note } = planFor(grant, context.policy);
  return [
    {
      resource,
      title: `${source} gives ${describeTarget(grant)} ${actions.join(', ')} over all resources`,
      evidence: {
        summary: `${change.eventName}: ${describeGrant(grant)} grants ${describeTarget(grant)} ${actions.join(', ')} on every bus, rule or role, and the principal is not in trustedPrincipals.${note}`,
        ...(statements.length > 0 ? { statements } : {}),
        after: { actions, ...(grant.policyArn ? { policyArn: grant.policyArn } : {}) },
      },
      ...(plan ? { plan } : {}),
    },
  ];
}

/** A revoke goes ahead only while the grant is still there: still attached, or the inline policy still over-grants. */
function recheck(plan: RemediationPlan, live: LiveState, change: Change): RemediationPlan | undefined {
  if (plan.kind !== 'revoke-iam-grant' || live.kind !== 'iam-grant') return undefined;
  if (plan.grant.kind === 'managed') return live.attached ? plan : undefined;
  return live.inlineDocument && overgrantsOf(live.inlineDocument, change).actions.length > 0 ? plan : undefined;
}

export const iamEventBridgeOvergrant = {
  id: 'iam-eventbridge-overgrant',
  title: 'IAM grant gives EventBridge administrative power over all resources',
  severity: 'high',
  triggers: [{ eventSource: IAM, eventNames: [...Object.keys(PUT_INLINE), 'CreatePolicyVersion', ...Object.keys(ATTACH)] }],
  remediation: 'revoke-iam-grant',
  managedPolicyArns: (change: Change) => {
    const grant = grantChangeOf(change);
    return grant?.grant?.kind === 'managed' && isCustomerManaged(grant.grant.policyArn) ? [grant.grant.policyArn] : [];
  },
  evaluate,
  recheck,
} as const satisfies Control;
