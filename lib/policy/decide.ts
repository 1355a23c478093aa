import type { Actor } from '../events/change';
import { matchesAnyGlob, matchesGlob } from '../util/glob';
import type { Exemption, Mode, Policy } from './schema';

export function modeOf(controlId: string, policy: Policy): Mode {
  return policy.controls[controlId]?.mode ?? policy.defaults.mode;
}

export function dryRunOf(controlId: string, policy: Policy): boolean {
  return policy.controls[controlId]?.dryRun ?? policy.defaults.dryRun;
}

/** An exemption holds through the whole of its expiry day (UTC). */
export function isExpired(exemption: Pick<Exemption, 'expires'>, now: Date): boolean {
  return now.getTime() >= Date.parse(`${exemption.expires}T00:00:00Z`) + 24 * 60 * 60 * 1000;
}

export function exemptionFor(controlId: string, resource: string, policy: Policy, now: Date): Exemption | undefined {
  return policy.exemptions.find(
    (e) =>
      (e.controls.includes(controlId) || e.controls.includes('*')) &&
      matchesGlob(resource, e.resource) &&
      !isExpired(e, now),
  );
}

/** The actor's identities a trustedPrincipals glob may match: the caller, and the role behind a session. */
export function identitiesOf(actor: Actor): string[] {
  return [actor.arn, actor.issuerArn].filter((v): v is string => typeof v === 'string' && v !== '');
}

export function isActorIn(actor: Actor, globs: readonly string[]): boolean {
  return identitiesOf(actor).some((id) => matchesAnyGlob(id, globs));
}
