import type { Change } from '../../events/change';
import type { PolicyStatement } from '../../iam/policy-document';
import type { Control, EvaluationContext, FindingDraft, LiveState, RemediationPlan } from '../types';
import { busArn, busPolicyChangeOf, exposureOf, trustOf, type Exposure, type TrustContext } from './statements';

const TRIGGER_EVENTS = ['PutPermission', 'CreateEventBus', 'UpdateEventBus'] as const;

type Offends = (exposure: Exposure) => boolean;

function offendingStatements(statements: readonly PolicyStatement[], trust: TrustContext, offends: Offends) {
  return statements.filter((s) => offends(exposureOf(s, trust)));
}

function draft(change: Change, context: EvaluationContext, offends: Offends, describe: (statements: PolicyStatement[], trust: TrustContext) => { title: string; summary: string }): FindingDraft[] {
  const written = busPolicyChangeOf(change);
  if (!written) return [];
  const trust = trustOf(change, context.policy);
  const offending = offendingStatements(written.statements, trust, offends);
  if (offending.length === 0) return [];
  const { title, summary } = describe(offending, trust);
  return [
    {
      resource: busArn(change, written.busName),
      title,
      evidence: { summary, statements: offending, after: written.form === 'policy' ? { Statement: written.statements } : offending[0] },
      plan: { kind: 'remove-bus-statements', busName: written.busName, statements: offending },
    },
  ];
}

/**
 * Narrows a removal to statements still on the bus and still offending. A statement
 * is matched by Sid, or, having none, by being Sid-less; a statement someone has
 * since fixed or removed is left alone.
 */
function recheck(offends: Offends) {
  return (plan: RemediationPlan, live: LiveState, change: Change, context: EvaluationContext): RemediationPlan | undefined => {
    if (plan.kind !== 'remove-bus-statements' || live.kind !== 'bus-policy' || !live.policy) return undefined;
    const trust = trustOf(change, context.policy);
    const wantedSids = new Set(plan.statements.flatMap((s) => (s.Sid ? [s.Sid] : [])));
    // EventBridge may store a statement in another but equivalent form, so a statement
    // without a Sid is matched by being Sid-less and still offending, not by its text.
    const wantsSidless = plan.statements.some((s) => !s.Sid);
    const still = live.policy.Statement.filter(
      (s) => (s.Sid ? wantedSids.has(s.Sid) : wantsSidless) && offends(exposureOf(s, trust)),
    );
    return still.length > 0 ? { ...plan, statements: still } : undefined;
  };
}

const MAX_NAMED = 10;

function sids(statements: PolicyStatement[]): string {
  const named = statements.slice(0, MAX_NAMED).map((s) => (s.Sid ? `"${s.Sid}"` : '(no Sid)'));
  const more = statements.length - named.length;
  return `${named.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}

const isPublic: Offends = (e) => e.public;
const isUntrusted: Offends = (e) => !e.public && e.untrusted.length > 0;

export const busPolicyPublic = {
  id: 'bus-policy-public',
  title: 'Event bus policy open to the world',
  severity: 'critical',
  triggers: [{ eventSource: 'events.amazonaws.com', eventNames: TRIGGER_EVENTS }],
  remediation: 'remove-bus-statements',
  evaluate: (change, context) =>
    draft(change, context, isPublic, (statements) => ({
      title: 'event bus policy allows any AWS principal',
      summary: `statement ${sids(statements)} allows Principal "*" with no condition restricting it to the organization or trusted accounts`,
    })),
  recheck: recheck(isPublic),
} as const satisfies Control;

export const busPolicyUntrustedAccount = {
  id: 'bus-policy-untrusted-account',
  title: 'Event bus policy grants an untrusted account or organization',
  severity: 'high',
  triggers: [{ eventSource: 'events.amazonaws.com', eventNames: TRIGGER_EVENTS }],
  remediation: 'remove-bus-statements',
  evaluate: (change, context) =>
    draft(change, context, isUntrusted, (statements, trust) => {
      const outsiders = [...new Set(statements.flatMap((s) => exposureOf(s, trust).untrusted))];
      return {
        title: `event bus policy grants ${outsiders.join(', ')}`,
        summary: `statement ${sids(statements)} grants ${outsiders.join(', ')}, not in trustedAccounts/organizationId`,
      };
    }),
  recheck: recheck(isUntrusted),
} as const satisfies Control;
