import type { Alert } from '../alerts/format';
import { memoryBaselineStore } from '../baseline/memory';
import { controlIds, controls } from '../controls/registry';
import type { RuleDefinition } from '../controls/rules/model';
import type { KmsKeyState } from '../controls/kms/types';
import { policySchema } from '../policy/schema';
import type { ResponderDeps } from '../responder/respond';
import { silentLogger } from '../util/log';
import { memoryCheckpointStore, type SweepReaders } from './ports';
import { BUDGET_MARGIN_MS, createSweepHandler, SweepIncompleteError } from './handler';
import { sweep, type SweepDeps } from './sweep';
import type { SweepWiring } from './wiring';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const policy = policySchema(controlIds).parse({ protect: { rules: ['prod-*'], keys: ['*'], trails: ['prod-trail-*'] } });
/** A healthy account's organization trail: logging every management event (not protected here, so only the health check reads it). */
const ORG_TRAIL = { name: 'org-trail', arn: `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/org-trail` };

/** An account of `rules` disabled protected rules and `keys` disabled keys, in memory; every read advances the clock by `readMs`. */
function account({ rules, keys, readMs = 0, trailLogging = true }: { rules: number; keys: number; readMs?: number; trailLogging?: boolean }) {
  let now = 0;
  const tick = () => {
    now += readMs;
  };
  const ruleNames = Array.from({ length: rules }, (_, i) => `prod-${String(i).padStart(3, '0')}`);
  const keyArns = Array.from({ length: keys }, (_, i) => `arn:aws:kms:${REGION}:${ACCOUNT}:key/k-${String(i).padStart(3, '0')}`);
  const rule = (name: string): RuleDefinition => ({ name, eventBusName: 'default', arn: `arn:aws:events:${REGION}:${ACCOUNT}:rule/${name}`, eventPattern: '{"source":["aws.kms"]}', state: 'DISABLED', targets: [] });
  const key = (arn: string): KmsKeyState => ({ keyId: arn.split('/').pop() as string, arn, keyState: 'Disabled', keyManager: 'CUSTOMER', rotationEnabled: true });
  const readers: SweepReaders = {
    rules: {
      async *listBuses() {
        yield { name: 'default', arn: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/default` };
      },
      async *listRules() {
        for (const name of ruleNames) yield rule(name);
      },
      getRule: async (_bus, name) => {
        tick();
        return rule(name);
      },
      getBus: async () => ({ name: 'default', arn: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/default` }),
    },
    kms: {
      listKeyArns: async () => keyArns,
      listAliases: async () => [],
      describeKey: async (arn) => {
        tick();
        return key(arn);
      },
      getKeyPolicy: async () => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }] }),
      listGrants: async () => [],
    },
    trails: {
      listTrails: async () => (trailLogging ? [ORG_TRAIL] : []),
      isLogging: async () => true,
      getConfig: async () => undefined,
      getSelectors: async () => ({ eventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: true }] }),
    },
    queues: { listQueueUrls: async () => [], getAttributes: async () => undefined },
    topics: { listTopicArns: async () => [], getAttributes: async () => undefined, confirmedSubscriptions: async () => 1 },
    endpoints: { listInterfaceEndpoints: async () => [], describe: async () => undefined },
    destinations: { listDestinations: async () => [] },
    iam: { listPrincipals: async () => [], grantsOf: async () => undefined },
    baselines: memoryBaselineStore(),
    catalog: { iamActions: [], resourcesOf: async () => [] },
  };
  return { readers, clock: () => now };
}

function depsOf(readers: SweepReaders, clock: () => number, checkpoints = memoryCheckpointStore()): SweepDeps & { alerts: Alert[] } {
  const alerts: Alert[] = [];
  const responder: ResponderDeps = {
    policy,
    controls,
    remediators: [],
    alerts: { iamActions: [], publish: async (alert) => void alerts.push(alert) },
    selfPrincipals: [],
    now: () => new Date('2026-11-29T12:00:00Z'),
    log: silentLogger,
  };
  let runs = 0;
  return { readers, responder, checkpoints, origin: { account: ACCOUNT, region: REGION, sweepArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:sweep` }, ownRules: [], clock, newRunId: () => `run-${(runs += 1)}`, alerts };
}

describe('sweep', () => {
  it('judges every rule and key of an account larger than a page, once each', async () => {
    // Prepare
    const { readers, clock } = account({ rules: 150, keys: 120 });
    const deps = depsOf(readers, clock);
    // Act
    const summary = await sweep(deps);
    // Assess
    expect(summary).toMatchObject({ complete: true, invocations: 1, errors: [] });
    const byControl = (id: string) => summary.findings.filter((f) => f.control === id).map((f) => f.resource);
    expect(new Set(byControl('rule-disabled')).size).toBe(150);
    expect(new Set(byControl('key-disabled')).size).toBe(120);
    expect(deps.alerts).toHaveLength(270);
    expect(summary.findings.every((f) => f.foundBy === 'sweep')).toBe(true);
  });

  it('stops at its deadline, checkpoints, and the next invocation finishes the same run without repeating an item', async () => {
    // Prepare: every read takes 10 ms of the injected clock; the first invocation may use 500 ms.
    const { readers, clock } = account({ rules: 150, keys: 120, readMs: 10 });
    const checkpoints = memoryCheckpointStore();
    const deps = depsOf(readers, clock, checkpoints);
    // Act
    const first = await sweep(deps, { deadline: clock() + 500 });
    const saved = checkpoints.current();
    const second = await sweep(deps, { deadline: clock() + 60_000 });
    // Assess
    expect(first).toMatchObject({ complete: false, invocations: 1, resumeAt: { phase: 'rules' } });
    expect(saved).toMatchObject({ runId: first.runId, phase: 'rules', after: first.resumeAt?.after, invocations: 1 });
    expect(second).toMatchObject({ complete: true, invocations: 2, runId: first.runId });
    expect(checkpoints.current()).toBeUndefined();
    const resources = [...first.findings, ...second.findings].map((f) => `${f.control} ${f.resource}`);
    expect(resources).toHaveLength(270);
    expect(new Set(resources).size).toBe(270);
  });

  it('does nothing while another sweep holds the lease, and runs once it is released or expired', async () => {
    // Prepare
    const { readers, clock } = account({ rules: 2, keys: 0 });
    const checkpoints = memoryCheckpointStore();
    await checkpoints.tryLease('other', clock() + 1000, clock());
    const deps = depsOf(readers, clock, checkpoints);
    // Act
    const blocked = await sweep(deps);
    await checkpoints.releaseLease('other');
    const afterRelease = await sweep(deps);
    await checkpoints.tryLease('other', clock() - 1, clock() - 2); // a lease that ran out (its holder died)
    const afterExpiry = await sweep(deps);
    // Assess
    expect(blocked).toMatchObject({ complete: false, skipped: expect.stringContaining('another sweep'), findings: [] });
    expect(afterRelease).toMatchObject({ complete: true });
    expect(afterRelease.findings).toHaveLength(2);
    expect(afterExpiry).toMatchObject({ complete: true });
  });

  it('reports an item it cannot read and goes on with the others', async () => {
    // Prepare
    const { readers, clock } = account({ rules: 3, keys: 0 });
    const getRule = readers.rules.getRule;
    readers.rules.getRule = async (bus, name) => {
      if (name === 'prod-001') throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      return getRule(bus, name);
    };
    // Act
    const summary = await sweep(depsOf(readers, clock));
    // Assess
    expect(summary.errors).toEqual([{ phase: 'rules', item: `arn:aws:events:${REGION}:${ACCOUNT}:rule/prod-001`, error: 'ThrottlingException: Rate exceeded' }]);
    expect(summary.findings.map((f) => f.resource.split('/').pop())).toEqual(['prod-000', 'prod-002']);
  });
  it('raises one critical finding, and alerts it, when no trail of the region logs write management events', async () => {
    // Prepare
    const { readers, clock } = account({ rules: 0, keys: 0, trailLogging: false });
    const deps = depsOf(readers, clock);
    // Act
    const summary = await sweep(deps);
    // Assess
    expect(summary.findings.map((f) => [f.control, f.severity, f.resource, f.remediation.status, f.foundBy])).toEqual([
      ['trail-stopped', 'critical', `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/*`, 'none', 'sweep'],
    ]);
    expect(summary.health).toEqual([expect.stringContaining('no trail in this region is logging')]);
    expect(deps.alerts.map((a) => a.subject)).toEqual([expect.stringMatching(/^\[CRITICAL\] trail-stopped: \*/)]);
  });
});

describe('createSweepHandler', () => {
  const context = (remainingMs: number) => ({ invokedFunctionArn: `arn:aws:lambda:eu-west-1:210987654321:function:drift-responder-prod-sweep:live`, getRemainingTimeInMillis: () => remainingMs });

  function wiringOf(readers: SweepReaders) {
    const deps = depsOf(readers, () => 0);
    const scopes: Array<{ account: string; region: string; sweepArn?: string }> = [];
    const checkpoints = memoryCheckpointStore();
    const wiring: SweepWiring = {
      responder: deps.responder,
      readers,
      ownRules: [],
      checkpointsFor: (scope) => {
        scopes.push(scope);
        return checkpoints;
      },
      iamActions: { readers: [], catalog: [], checkpoints: [] },
    };
    return { wiring, scopes, checkpoints };
  }

  it('sweeps the account and region of its own ARN, as itself, and stops BUDGET_MARGIN_MS before the timeout', async () => {
    // Prepare: every read takes 1 s of the injected clock; 23 s remain, so 3 s of budget.
    const { readers } = account({ rules: 40, keys: 0 });
    let now = 0;
    const getRule = readers.rules.getRule;
    readers.rules.getRule = async (bus, name) => {
      now += 1000;
      return getRule(bus, name);
    };
    const { wiring, scopes, checkpoints } = wiringOf(readers);
    // Act
    const result = await createSweepHandler(wiring, () => now)({}, context(BUDGET_MARGIN_MS + 3000));
    // Assess
    expect(scopes).toEqual([{ account: '210987654321', region: 'eu-west-1', sweepArn: 'arn:aws:lambda:eu-west-1:210987654321:function:drift-responder-prod-sweep' }]);
    expect(result).toMatchObject({ complete: false, resumeAt: { phase: 'rules' } });
    expect(result.findings).toBeGreaterThan(0);
    expect(result.findings).toBeLessThan(40);
    expect(checkpoints.current()?.phase).toBe('rules');
  });

  it('fails the invocation (Errors alarm) when items could not be read, after handling the others', async () => {
    // Prepare
    const { readers } = account({ rules: 2, keys: 0 });
    readers.rules.getRule = async () => Promise.reject(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    const { wiring } = wiringOf(readers);
    // Act
    const run = createSweepHandler(wiring, () => 0)({}, context(300_000));
    // Assess
    await expect(run).rejects.toThrow(SweepIncompleteError);
    await expect(run).rejects.toThrow(/2 item\(s\) failed.*AccessDeniedException: denied/);
  });
});
