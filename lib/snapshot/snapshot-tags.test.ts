import { memoryBaselineStore } from '../baseline/memory';
import type { Snapshotter } from '../baseline/snapshotter';
import { controlIds } from '../controls/registry';
import { isProtectedRule, RULE_KIND } from '../controls/rules/model';
import { parsePolicy } from '../policy/load';
import type { Policy } from '../policy/schema';
import type { TagDirectory } from '../aws/tag-directory';
import { silentLogger } from '../util/log';
import { snapshotAll } from './snapshot';

const ACCOUNT = '123456789012';
const ruleArn = (name: string) => `arn:aws:events:us-east-1:${ACCOUNT}:rule/${name}`;
const RULES = ['prod-orders', 'billing-sync', 'scratch'];

/** Captures the rules of RULES that the policy protects, as the rules snapshotter does with protect.rules. */
const rulesSnapshotter: Snapshotter = {
  kind: RULE_KIND,
  iamActions: [],
  touchedBy: () => [],
  capture: async () => undefined,
  async *captureAll(policy: Policy) {
    for (const name of RULES) {
      const arn = ruleArn(name);
      if (isProtectedRule({ name, arn }, policy)) yield { resource: arn, kind: RULE_KIND, definition: { name }, capturedAt: '', source: '' };
    }
  },
};

const directory = (tagged: Record<string, Record<string, string>>, fail?: Error): TagDirectory => ({
  iamActions: ['tag:GetResources'],
  async taggedResources() {
    if (fail) throw fail;
    return new Map(Object.entries(tagged));
  },
});

const POLICY = parsePolicy('protect: { rules: ["prod-*"] }\ntags:\n  - { match: { Environment: Production }, protect: true }\n', 'policy.yml', controlIds);
const deps = (policy: Policy, tagDirectory?: TagDirectory) => {
  const baselines = memoryBaselineStore();
  return { baselines, policy, snapshotters: [rulesSnapshotter], now: () => new Date('2026-11-29T12:00:00Z'), log: silentLogger, ...(tagDirectory ? { tagDirectory } : {}) };
};

describe('snapshotAll with tag rules', () => {
  test('captures resources only their tags protect, and every baseline records the tags it had', async () => {
    // Prepare
    const d = deps(POLICY, directory({ [ruleArn('billing-sync')]: { Environment: 'Production' }, [ruleArn('prod-orders')]: { Team: 'orders' }, [ruleArn('scratch')]: { Environment: 'Dev' } }));

    // Act
    const summary = await snapshotAll(d);

    // Assess
    expect(summary).toEqual({ stored: 2, kept: 0, failures: [] });
    expect(d.baselines.all().map((b) => [b.resource, b.tags]).sort()).toEqual([
      [ruleArn('billing-sync'), { Environment: 'Production' }],
      [ruleArn('prod-orders'), { Team: 'orders' }],
    ]);
  });

  test('a listing that fails is reported, and the globs alone decide', async () => {
    // Prepare
    const d = deps(POLICY, directory({}, Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' })));

    // Act
    const summary = await snapshotAll(d);

    // Assess
    expect(summary).toEqual({ stored: 1, kept: 0, failures: [{ kind: 'tags', error: 'AccessDeniedException: not authorized' }] });
    expect(d.baselines.all().map((b) => b.resource)).toEqual([ruleArn('prod-orders')]);
  });

  test('a policy without tag rules never lists tags', async () => {
    // Prepare
    let listed = 0;
    const counting: TagDirectory = { iamActions: [], taggedResources: async () => (listed++, new Map()) };

    // Act
    await snapshotAll(deps(parsePolicy('protect: { rules: ["prod-*"] }', 'policy.yml', controlIds), counting));

    // Assess
    expect(listed).toBe(0);
  });
});
