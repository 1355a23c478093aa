import { isExpired } from '../policy/decide';
import type { Mode, Policy, TagRule } from '../policy/schema';
import { matchesGlob } from '../util/glob';
import type { TaggableKind, TaggableResource, TagReading, TagSet } from './types';

/**
 * Tag-driven policy, pure. A tag rule whose `match` a resource's tags satisfy (every key
 * present, each value matching its glob) can protect the resource (as a `protect.*` entry
 * would), exempt it from some controls until a date, or bind it to a stricter mode. Tags
 * only ever tighten the file's policy, except through an exemption, which carries a reason
 * and an expiry like the file's own exemptions.
 */

const MODE_RANK: Record<Mode, number> = { off: 0, alert: 1, remediate: 2 };

/** The stricter of two modes. */
export function stricter(a: Mode, b: Mode | undefined): Mode {
  return b !== undefined && MODE_RANK[b] > MODE_RANK[a] ? b : a;
}

const PROTECT_LIST: Record<TaggableKind, keyof Policy['protect']> = {
  'event-bus': 'buses',
  rule: 'rules',
  key: 'keys',
  queue: 'queues',
  trail: 'trails',
  topic: 'topics',
};

/** The tags a rule matched on (its deciding tags), or undefined when it does not match. */
export function matchedTags(rule: TagRule, tags: TagSet): Record<string, string> | undefined {
  const matched: Record<string, string> = {};
  for (const [key, glob] of Object.entries(rule.match)) {
    const value = tags[key];
    if (value === undefined || !matchesGlob(value, glob)) return undefined;
    matched[key] = value;
  }
  return matched;
}

function appliesTo(rule: TagRule, controlId: string): boolean {
  return rule.controls.includes('*') || rule.controls.includes(controlId);
}

/** `Environment=Production, Team=orders`: tags as findings and remediation reports name them. */
export const describeTags = (tags: Readonly<Record<string, string>>) => Object.entries(tags).map(([k, v]) => `${k}=${v}`).join(', ');

/** What the tags of one resource decide for one control's finding on it; carried by the finding. */
export interface TagVerdict {
  resource: string;
  /** Where the tags came from, or `unknown` when they could not be read (judged as untagged). */
  source: 'live' | 'baseline' | 'file' | 'unknown';
  /** The tags that decided (those the matching rules named), empty when none did. */
  tags: Record<string, string>;
  /** One line per decision, e.g. `Environment=Production: mode remediate`. */
  decisions: string[];
  protect: boolean;
  mode?: Mode;
  dryRun?: boolean;
  /** Why the finding is suppressed, when an unexpired tag exemption covers it. */
  exempt?: string;
}

/**
 * The verdict of the policy's tag rules on `controlId` for a resource; undefined when the
 * policy has no tag rules (nothing to say). Expired tag exemptions are reported, not applied.
 */
export function tagVerdict(controlId: string, resource: TaggableResource, reading: TagReading, policy: Policy, now: Date): TagVerdict | undefined {
  if (policy.tags.length === 0) return undefined;
  if (reading.status === 'unknown') {
    return { resource: resource.arn, source: 'unknown', tags: {}, decisions: [`tags not known (${reading.reason}): judged as untagged`], protect: false };
  }
  const verdict: TagVerdict = { resource: resource.arn, source: reading.source, tags: {}, decisions: [], protect: false };
  policy.tags.forEach((rule, index) => {
    const matched = matchedTags(rule, reading.tags);
    if (!matched) return;
    const by = `${describeTags(matched)} (tags[${index}])`;
    if (rule.protect === true) {
      verdict.protect = true;
      Object.assign(verdict.tags, matched);
      verdict.decisions.push(`${by}: protected`);
    }
    if (!appliesTo(rule, controlId)) return;
    if (rule.exempt) {
      const expired = isExpired(rule.exempt, now);
      Object.assign(verdict.tags, matched);
      if (expired) {
        verdict.decisions.push(`${by}: exemption expired ${rule.exempt.expires}, not applied`);
      } else if (verdict.exempt === undefined) {
        verdict.exempt = `exempt by tag ${describeTags(matched)} until ${rule.exempt.expires}: ${rule.exempt.reason}`;
        verdict.decisions.push(`${by}: exempt until ${rule.exempt.expires}`);
      }
    }
    if (rule.mode !== undefined) {
      verdict.mode = stricter(verdict.mode ?? 'off', rule.mode);
      Object.assign(verdict.tags, matched);
      verdict.decisions.push(`${by}: mode ${rule.mode}`);
    }
    if (rule.dryRun !== undefined) {
      // Where rules disagree, acting (dryRun false) is the stricter binding.
      verdict.dryRun = verdict.dryRun === false ? false : rule.dryRun;
      Object.assign(verdict.tags, matched);
      verdict.decisions.push(`${by}: dryRun ${rule.dryRun ? 'on' : 'off'}`);
    }
  });
  return verdict;
}

/**
 * The policy the controls evaluate a change with: the resource counts as protected when a
 * tag rule protects it (its ARN, and a queue's URL, join the `protect.*` list of its kind), and
 * a control the file switches off still runs when a tag binds this resource to a mode for it.
 */
export function policyForTaggedResource(policy: Policy, resource: TaggableResource, reading: TagReading, controlIds: readonly string[], now: Date): Policy {
  if (policy.tags.length === 0 || reading.status !== 'known') return policy;
  let result = policy;
  const list = PROTECT_LIST[resource.kind];
  const protectedByTag = policy.tags.some((rule) => rule.protect === true && matchedTags(rule, reading.tags));
  if (protectedByTag) {
    const added = [resource.arn, ...(resource.url ? [resource.url] : [])];
    result = { ...result, protect: { ...result.protect, [list]: [...result.protect[list], ...added] } };
  }
  const raised: Record<string, Policy['controls'][string]> = {};
  for (const id of controlIds) {
    const mode = tagVerdict(id, resource, reading, policy, now)?.mode;
    const current = result.controls[id]?.mode ?? result.defaults.mode;
    if (mode !== undefined && stricter(current, mode) !== current) raised[id] = { ...result.controls[id], mode };
  }
  if (Object.keys(raised).length > 0) result = { ...result, controls: { ...result.controls, ...raised } };
  return result;
}

/**
 * The policy with every resource a tag rule protects added to the `protect.*` list of its
 * kind, from a listing of tagged resources: how the snapshot function keeps baselines of
 * resources that only their tags protect.
 */
export function policyWithTagProtected(policy: Policy, tagged: ReadonlyMap<string, TagSet>, kindOf: (arn: string) => TaggableKind | undefined): Policy {
  const rules = policy.tags.filter((rule) => rule.protect === true);
  if (rules.length === 0) return policy;
  const protect = { ...policy.protect };
  for (const [arn, tags] of tagged) {
    const kind = kindOf(arn);
    if (kind === undefined || !rules.some((rule) => matchedTags(rule, tags))) continue;
    const list = PROTECT_LIST[kind];
    protect[list] = [...protect[list], arn];
  }
  return { ...policy, protect };
}
