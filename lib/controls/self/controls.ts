import { isActorIn } from '../../policy/decide';
import { matchesAnyGlob } from '../../util/glob';
import type { Control, FindingDraft } from '../types';
import { resourcesTouched, SELF_TRIGGERS } from './resources';

/**
 * responder-tampered: a change to the responder's own resources (policy
 * `responder.resources`, which the deployed stack fills in) by anyone but its deploy
 * principals. Alert only: the responder cannot be trusted to repair itself.
 */
export const responderTampered = {
  id: 'responder-tampered',
  title: "Change to the responder's own resources",
  severity: 'critical',
  triggers: SELF_TRIGGERS,
  evaluate(change, context): FindingDraft[] {
    const { resources, deployPrincipals } = context.policy.responder;
    if (resources.length === 0 || isActorIn(change.actor, deployPrincipals)) return [];
    return resourcesTouched(change)
      .filter((arn) => matchesAnyGlob(arn, resources))
      .map((arn) => ({
        resource: arn,
        title: `responder resource changed: ${change.eventName} on ${arn.split(/[:/]/).pop()}`,
        evidence: {
          summary: `${change.eventName} (${change.eventSource}) changed ${arn}, a resource of this responder, and the caller is not a deploy principal: the guard itself may be being disabled`,
          after: change.requestParameters,
        },
      }));
  },
} as const satisfies Control;
