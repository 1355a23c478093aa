import type { Finding } from '../controls/types';
import { dryRunOf, exemptionFor, modeOf } from '../policy/decide';
import type { Mode, Policy } from '../policy/schema';
import { stricter, tagVerdict, type TagVerdict } from './policy';
import type { TaggableResource, TagReading } from './types';

/** The resource a change acted on and what is known of its tags (absent: not a taggable resource). */
export interface TaggedResource {
  resource: TaggableResource;
  reading: TagReading;
}

/** How the policy, its exemptions and the resource's tags treat one finding. */
export type FindingDecision =
  | { kind: 'off' }
  | { kind: 'suppressed'; reason: string; tags?: TagVerdict }
  | { kind: 'act'; mode: Mode; dryRun: boolean; tags?: TagVerdict };

/**
 * The one place the real-time pipeline and replay decide a finding's fate: an exemption in
 * the file, then one by tag, suppresses it; otherwise its mode is the file's for the control,
 * made stricter by the tags of the resource it names (never laxer), and dry-run likewise.
 * `off`: the control is off and no tag turns it on for this resource.
 */
export function decideFinding(finding: Finding, policy: Policy, tagged: TaggedResource | undefined, now: Date): FindingDecision {
  const names = tagged && (finding.resource === tagged.resource.arn || finding.resource === tagged.resource.url);
  const tags = names ? tagVerdict(finding.control, tagged.resource, tagged.reading, policy, now) : undefined;
  const withTags = tags ? { tags } : {};
  const exemption = exemptionFor(finding.control, finding.resource, policy, now);
  if (exemption) return { kind: 'suppressed', reason: `exempt until ${exemption.expires}: ${exemption.reason}`, ...withTags };
  if (tags?.exempt) return { kind: 'suppressed', reason: tags.exempt, tags };
  const mode = stricter(modeOf(finding.control, policy), tags?.mode);
  if (mode === 'off') return { kind: 'off' };
  return { kind: 'act', mode, dryRun: tags?.dryRun ?? dryRunOf(finding.control, policy), ...withTags };
}
