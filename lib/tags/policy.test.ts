import { controlIds } from '../controls/registry';
import { parsePolicy } from '../policy/load';
import type { Policy } from '../policy/schema';
import { matchedTags, policyForTaggedResource, stricter, tagVerdict } from './policy';
import type { TaggableResource, TagReading } from './types';

const NOW = new Date('2026-11-29T12:00:00Z');
const BUS: TaggableResource = { kind: 'event-bus', arn: 'arn:aws:events:us-east-1:123456789012:event-bus/orders' };
const QUEUE: TaggableResource = { kind: 'queue', arn: 'arn:aws:sqs:us-east-1:123456789012:orders-dlq', url: 'https://sqs.us-east-1.amazonaws.com/123456789012/orders-dlq' };
const live = (tags: Record<string, string>): TagReading => ({ status: 'known', tags, source: 'live' });
const policy = (yaml: string): Policy => parsePolicy(yaml, 'policy.yml', controlIds);

const GUIDE_POLICY = policy(`
defaults: { mode: alert, dryRun: true }
controls:
  target-no-dlq: { mode: off }
tags:
  - match: { Environment: Production }
    protect: true
    mode: remediate
    dryRun: false
  - match: { Team: "sandbox-*" }
    exempt: { reason: "sandbox buses are open by design (SEC-42)", expires: 2027-01-31 }
    controls: [bus-policy-public]
  - match: { Team: legacy }
    exempt: { reason: "migration", expires: 2026-01-31 }
  - match: { DataClass: Restricted }
    mode: alert
    controls: [target-no-dlq]
`);

describe('matchedTags', () => {
  test.each([
    ['every key present with a matching value', { Environment: 'Production', Team: 'a' }, { Environment: 'Production' }],
    ['a value differing only in case (AWS tags are case-sensitive)', { Environment: 'production' }, undefined],
    ['a key differing only in case', { environment: 'Production' }, undefined],
    ['the key absent', { Team: 'a' }, undefined],
  ])('a rule matching Environment=Production on %s', (_case, tags, expected) => {
    const rule = GUIDE_POLICY.tags[0]!;

    expect(matchedTags(rule, tags)).toEqual(expected);
  });

  test('value globs match, and every key of the rule must match', () => {
    const rule = policy(`tags: [{ match: { Team: "sandbox-*", Environment: "Dev*" }, protect: true }]`).tags[0]!;

    expect([matchedTags(rule, { Team: 'sandbox-7', Environment: 'Development' }), matchedTags(rule, { Team: 'sandbox-7' })]).toEqual([
      { Team: 'sandbox-7', Environment: 'Development' },
      undefined,
    ]);
  });
});

describe('stricter', () => {
  test.each([
    ['alert', 'remediate', 'remediate'],
    ['remediate', 'alert', 'remediate'],
    ['off', 'alert', 'alert'],
    ['alert', undefined, 'alert'],
  ] as const)('of %s and %s is %s', (a, b, expected) => {
    expect(stricter(a, b)).toBe(expected);
  });
});

describe('tagVerdict', () => {
  test('Environment=Production protects the resource and binds it to remediate without dry-run, naming the deciding tag', () => {
    const verdict = tagVerdict('bus-policy-public', BUS, live({ Environment: 'Production', Owner: 'x' }), GUIDE_POLICY, NOW);

    expect(verdict).toEqual({
      resource: BUS.arn,
      source: 'live',
      tags: { Environment: 'Production' },
      decisions: ['Environment=Production (tags[0]): protected', 'Environment=Production (tags[0]): mode remediate', 'Environment=Production (tags[0]): dryRun off'],
      protect: true,
      mode: 'remediate',
      dryRun: false,
    });
  });

  test('an exemption by tag applies only to the controls it lists', () => {
    const reading = live({ Team: 'sandbox-3' });

    const verdicts = ['bus-policy-public', 'bus-policy-untrusted-account'].map((id) => tagVerdict(id, BUS, reading, GUIDE_POLICY, NOW)?.exempt);

    expect(verdicts).toEqual(['exempt by tag Team=sandbox-3 until 2027-01-31: sandbox buses are open by design (SEC-42)', undefined]);
  });

  test('an expired exemption by tag is reported and not applied', () => {
    const verdict = tagVerdict('bus-policy-public', BUS, live({ Team: 'legacy' }), GUIDE_POLICY, NOW);

    expect([verdict?.exempt, verdict?.decisions]).toEqual([undefined, ['Team=legacy (tags[2]): exemption expired 2026-01-31, not applied']]);
  });

  test('unknown tags are judged as untagged, and the verdict says why', () => {
    const verdict = tagVerdict('rule-deleted', BUS, { status: 'unknown', reason: 'no tags file given (--tags)' }, GUIDE_POLICY, NOW);

    expect(verdict).toEqual({ resource: BUS.arn, source: 'unknown', tags: {}, decisions: ['tags not known (no tags file given (--tags)): judged as untagged'], protect: false });
  });

  test('a policy without tag rules has nothing to say', () => {
    expect(tagVerdict('bus-policy-public', BUS, live({ Environment: 'Production' }), policy('{}'), NOW)).toBeUndefined();
  });

  test('untagged resources get a verdict with no decisions', () => {
    expect(tagVerdict('bus-policy-public', BUS, live({}), GUIDE_POLICY, NOW)).toEqual({ resource: BUS.arn, source: 'live', tags: {}, decisions: [], protect: false });
  });
});

describe('policyForTaggedResource', () => {
  test('a resource protected by tag joins the protect list of its kind (a queue by ARN and URL)', () => {
    const evaluated = policyForTaggedResource(GUIDE_POLICY, QUEUE, live({ Environment: 'Production' }), controlIds, NOW);

    expect([evaluated.protect.queues, evaluated.protect.buses, GUIDE_POLICY.protect.queues]).toEqual([[QUEUE.arn, QUEUE.url], [], []]);
  });

  test('a control the file switches off runs when a tag binds the resource to a mode for it', () => {
    const evaluated = policyForTaggedResource(GUIDE_POLICY, BUS, live({ DataClass: 'Restricted' }), controlIds, NOW);

    expect([evaluated.controls['target-no-dlq']?.mode, evaluated.controls['bus-policy-public']]).toEqual(['alert', undefined]);
  });

  test.each([
    ['untagged', live({})],
    ['tags unknown', { status: 'unknown', reason: 'AccessDenied' } as TagReading],
  ])('a resource %s leaves the policy as it is', (_case, reading) => {
    expect(policyForTaggedResource(GUIDE_POLICY, BUS, reading, controlIds, NOW)).toBe(GUIDE_POLICY);
  });
});

describe('the policy file', () => {
  test.each([
    ['a rule with no effect', 'tags: [{ match: { Environment: Production } }]', 'a tag rule needs at least one of protect, mode, dryRun or exempt'],
    ['an exemption mixed with a mode', 'tags: [{ match: { A: b }, mode: remediate, exempt: { reason: r, expires: 2027-01-01 } }]', 'cannot also protect or set mode/dryRun'],
    ['mode off (tags only tighten)', 'tags: [{ match: { A: b }, mode: off }]', 'tags.0.mode'],
    ['an empty match', 'tags: [{ match: {}, protect: true }]', 'at least one tag key'],
    ['an exemption without a reason', 'tags: [{ match: { A: b }, exempt: { expires: 2027-01-01 } }]', 'tags.0.exempt.reason'],
    ['an unknown control', 'tags: [{ match: { A: b }, mode: alert, controls: [nope] }]', 'a known control id'],
    ['an unknown key', 'tags: [{ match: { A: b }, protect: true, protected: true }]', 'protected'],
  ])('rejects %s, saying what is wrong', (_case, yaml, message) => {
    expect(() => policy(yaml)).toThrow(message);
  });
});
