import { TRAIL_BASELINE_KIND, coverageOf, isProtectedTrail, trailBaselineOf, trailNameOf } from '../controls/cloudtrail/trail';
import { busSettingsBaselineKey, EVENT_BUS_SETTINGS_BASELINE, type EventBusSettingsDefinition } from '../controls/bus-encryption/types';
import { keyProtection } from '../controls/kms/keys';
import { KMS_KEY_BASELINE, type KmsKeyDefinition } from '../controls/kms/types';
import { SQS_QUEUE_BASELINE } from '../controls/queues/types';
import { BUS_KIND, busArnOf, isProtectedRule, parseRuleArn, RULE_KIND, ruleArnOf, type RuleDefinition } from '../controls/rules/model';
import { isNamedBy } from '../controls/protected-resources';
import { SNS_TOPIC_BASELINE } from '../controls/topic/types';
import { ENDPOINT_BASELINE_KIND, endpointBaselineOf, GUARDED_ENDPOINT_SERVICES } from '../controls/endpoints/endpoint';
import type { Finding } from '../controls/types';
import type { Change } from '../events/change';
import { respond, type ResponderDeps } from '../responder/respond';
import { alertOf } from '../alerts/format';
import { matchesAnyGlob } from '../util/glob';
import { errorFields } from '../util/log';
import type { CheckpointStore, SweepReaders } from './ports';
import {
  alertTopicUnheardChange,
  busChanges,
  destinationChanges,
  iamGrantChanges,
  endpointChanges,
  keyChanges,
  ownRuleChanges,
  queueChanges,
  ruleChanges,
  sweepActor,
  topicChanges,
  trailChanges,
  type SweepOrigin,
} from './synthesize';

/**
 * The reconciliation sweep: reads the live state of everything protected, turns what drifted
 * from its baseline into the change that would have reported it (lib/sweep/synthesize.ts) and
 * hands each to the real-time pipeline, respond(): exemptions, tags, modes, dry-run, the live
 * re-check before acting, remediation and alerts all apply as they do to CloudTrail events.
 * The work is cut into phases of items in a stable order; when the time budget runs out the
 * position is checkpointed and the next invocation continues after the last item done.
 */
export interface SweepDeps {
  readers: SweepReaders;
  /** The pipeline of the responder, with the same controls, remediators and alert sink. */
  responder: ResponderDeps;
  checkpoints: CheckpointStore;
  origin: Pick<SweepOrigin, 'account' | 'region' | 'sweepArn'>;
  /** The responder's own rules (RESPONDER_RULES), on the default bus: checked for health. */
  ownRules: readonly string[];
  /** The responder's alert topic: it must have a confirmed subscription. */
  alertTopicArn?: string;
  /** Milliseconds since the epoch; the budget is measured on it. */
  clock: () => number;
  newRunId: () => string;
}

export interface SweepOptions {
  /** Stop (and checkpoint) once the clock reaches this; no deadline: run to the end. */
  deadline?: number;
  /** Items of a phase read and judged at once (default 8); EventBridge calls still go through the rate limiter. */
  concurrency?: number;
}

export const DEFAULT_CONCURRENCY = 8;

export interface SweepError {
  phase: string;
  item: string;
  error: string;
}

export interface SweepSummary {
  runId: string;
  /** False: the budget ran out, the checkpoint says where the next invocation continues. */
  complete: boolean;
  invocations: number;
  /** Items (rules, buses, keys, trails, queues, topics, health checks) read in this invocation. */
  items: number;
  /** Changes synthesised from drift in this invocation. */
  changes: number;
  findings: Finding[];
  suppressed: number;
  /** The responder's own health problems found (each also raised as findings where a control covers it). */
  health: string[];
  errors: SweepError[];
  /** Where the next invocation continues, when not complete. */
  resumeAt?: { phase: string; after?: string };
  /** Why nothing was done (another sweep holds the lease). */
  skipped?: string;
}

/** A phase lists its items (stable keys, sorted) and turns one item's state into changes. */
interface Phase {
  name: string;
  /** Health changes go through every control (responder-tampered included): a failure there is critical. */
  health: boolean;
  /** Controls whose findings in this phase are alerted, never remediated, whatever their mode. */
  alertOnly?: readonly string[];
  list(): Promise<string[]>;
  changesFor(key: string): Promise<Change[]>;
}

const sortedUnique = (values: Iterable<string>) => [...new Set(values)].sort();

function queueArnOfUrl(url: string, region: string): string | undefined {
  const match = /\/(\d{12})\/([^/?#]+)\/?$/.exec(url);
  return match ? `arn:aws:sqs:${region}:${match[1]}:${match[2]}` : undefined;
}

/**
 * No trail of the region logs write management events: no CloudTrail event reaches the
 * responder at all. Not a change of one resource, so no control judges it: the sweep raises it
 * itself, critical, under trail-stopped (the control for a responder blinded by its trails).
 */
export function noTrailLoggingFinding(origin: SweepOrigin): Finding {
  return {
    control: 'trail-stopped',
    severity: 'critical',
    account: origin.account,
    region: origin.region,
    resource: `arn:aws:cloudtrail:${origin.region}:${origin.account}:trail/*`,
    title: `no trail in ${origin.region} is logging write management events`,
    evidence: {
      summary: 'no trail of this region (its own or a multi-region one) is logging write management events: no change in this region is recorded, and the responder receives none until one does',
    },
    event: { id: `sweep-${origin.runId}-health-trail-logging`, name: 'Sweep', source: 'drift-responder.sweep', time: origin.time },
    actor: sweepActor(origin),
    remediation: { status: 'none', reason: 'no automatic remediation: start a trail that logs write management events (or create one); protected trails found stopped are restarted by the sweep' },
    foundBy: 'sweep',
  };
}

function phasesOf(deps: SweepDeps, origin: SweepOrigin, health: string[], direct: Finding[]): Phase[] {
  const { readers } = deps;
  const policy = deps.responder.policy;
  const own = new Set(deps.ownRules);
  const ownRuleArn = (name: string) => ruleArnOf(origin.region, origin.account, 'default', name);
  const baselineOf = async <T>(resource: string, kind: string): Promise<T | undefined> => {
    const found = await readers.baselines.get(resource);
    return found?.kind === kind ? (found.definition as T) : undefined;
  };

  const healthPhase: Phase = {
    name: 'health',
    health: true,
    async list() {
      return sortedUnique([...deps.ownRules.map((n) => `rule:${n}`), ...(deps.alertTopicArn ? ['alert-topic'] : []), 'trail-logging']);
    },
    async changesFor(key) {
      if (key.startsWith('rule:')) {
        const name = key.slice('rule:'.length);
        const arn = ownRuleArn(name);
        const live = await readers.rules.getRule('default', name);
        const baseline = await baselineOf<RuleDefinition>(arn, RULE_KIND);
        const functions = policy.responder.resources.filter((g) => g.includes(':lambda:'));
        const targetsOwnFunction = functions.length === 0 || (live?.targets ?? []).some((t) => matchesAnyGlob(t.Arn, functions));
        if (!live) health.push(`own rule ${name} does not exist`);
        else if (live.state !== 'ENABLED') health.push(`own rule ${name} is ${live.state}`);
        if (live && !targetsOwnFunction) health.push(`own rule ${name} targets none of the responder's functions`);
        return ownRuleChanges(origin, { arn, name, busName: 'default', protected: true, baseline, live }, targetsOwnFunction);
      }
      if (key === 'alert-topic' && deps.alertTopicArn) {
        if ((await readers.topics.confirmedSubscriptions(deps.alertTopicArn)) > 0) return [];
        health.push(`alert topic ${deps.alertTopicArn} has no confirmed subscription`);
        return [alertTopicUnheardChange(origin, deps.alertTopicArn)];
      }
      // At least one trail must log management events, or no change reaches the responder.
      for (const trail of await readers.trails.listTrails()) {
        const [logging, selectors] = await Promise.all([readers.trails.isLogging(trail.arn), readers.trails.getSelectors(trail.arn)]);
        const coverage = selectors ? coverageOf(selectors) : undefined;
        if (logging && coverage?.write) return [];
      }
      // Not a change of one resource: the trails phase raises trail-stopped / trail-selectors-weakened on the protected ones.
      health.push('no trail in this region is logging write management events: the responder receives no CloudTrail events');
      direct.push(noTrailLoggingFinding(origin));
      return [];
    },
  };

  const trailsPhase: Phase = {
    name: 'trails',
    health: false,
    async list() {
      const live = (await readers.trails.listTrails()).map((t) => t.arn);
      const known = await readers.catalog.resourcesOf([TRAIL_BASELINE_KIND]);
      return sortedUnique([...live, ...known]).filter((arn) => isProtectedTrail({ name: trailNameOf(arn), arn }, policy));
    },
    async changesFor(arn) {
      const baseline = trailBaselineOf((await readers.baselines.get(arn))?.definition);
      const config = await readers.trails.getConfig(arn);
      if (!config) return trailChanges(origin, { arn, name: trailNameOf(arn), baseline });
      const [isLogging, selectors] = await Promise.all([readers.trails.isLogging(arn), readers.trails.getSelectors(arn)]);
      return trailChanges(origin, { arn, name: trailNameOf(arn), baseline, live: { isLogging: isLogging ?? false, config, selectors: selectors ?? {} } });
    },
  };

  const rulesPhase: Phase = {
    name: 'rules',
    health: false,
    async list() {
      const arns: string[] = [];
      for await (const bus of readers.rules.listBuses()) {
        for await (const rule of readers.rules.listRules(bus.name)) arns.push(rule.arn);
      }
      arns.push(...(await readers.catalog.resourcesOf([RULE_KIND])));
      // The responder's own rules are judged in the health phase, with responder-tampered.
      return sortedUnique(arns).filter((arn) => !(parseRuleArn(arn)?.busName === 'default' && own.has(parseRuleArn(arn)?.name ?? '')));
    },
    async changesFor(arn) {
      const ref = parseRuleArn(arn);
      if (!ref) return [];
      const live = await readers.rules.getRule(ref.busName, ref.name);
      const baseline = await baselineOf<RuleDefinition>(arn, RULE_KIND);
      return ruleChanges(origin, { arn, name: ref.name, busName: ref.busName, protected: isProtectedRule({ name: ref.name, arn }, policy), baseline, live });
    },
  };

  const busesPhase: Phase = {
    name: 'buses',
    health: false,
    async list() {
      const names: string[] = [];
      for await (const bus of readers.rules.listBuses()) names.push(bus.name);
      const known = await readers.catalog.resourcesOf([BUS_KIND, EVENT_BUS_SETTINGS_BASELINE]);
      names.push(...known.map((r) => /:event-bus\/([^#]+)/.exec(r)?.[1]).filter((n): n is string => n !== undefined));
      return sortedUnique(names);
    },
    async changesFor(name) {
      const arn = busArnOf(origin.region, origin.account, name);
      const bus = await readers.rules.getBus(name);
      const hasBusBaseline = (await readers.baselines.get(arn))?.kind === BUS_KIND;
      const settingsBaseline = await baselineOf<EventBusSettingsDefinition>(busSettingsBaselineKey(arn), EVENT_BUS_SETTINGS_BASELINE);
      return busChanges(origin, {
        name,
        arn,
        hasBusBaseline,
        settingsBaseline,
        live: bus ? { policy: bus.policy, kmsKeyIdentifier: bus.kmsKeyIdentifier, deadLetterArn: bus.deadLetterConfig?.Arn } : undefined,
      });
    },
  };

  // API destinations and connections: judged as they are (their endpoints' hosts), listed once per run.
  let destinations: ReturnType<SweepReaders['destinations']['listDestinations']> | undefined;
  const destinationsPhase: Phase = {
    name: 'destinations',
    health: false,
    async list() {
      destinations = readers.destinations.listDestinations();
      return sortedUnique((await destinations).map((d) => d.arn));
    },
    async changesFor(arn) {
      destinations ??= readers.destinations.listDestinations();
      const destination = (await destinations).find((d) => d.arn === arn);
      return destination ? destinationChanges(origin, destination) : [];
    },
  };

  // IAM grants as they are (policy sweep.iamGrants; IAM is global: one region's stack is enough).
  // Alerted only: a standing grant found by the sweep is never revoked automatically, since the
  // first sweep would otherwise strip long-standing access the moment remediation is on.
  const iamPhase: Phase = {
    name: 'iam',
    health: false,
    alertOnly: ['iam-eventbridge-overgrant'],
    async list() {
      if (!policy.sweep.iamGrants) return [];
      return sortedUnique((await readers.iam.listPrincipals()).map((p) => `${p.kind}:${p.name}`));
    },
    async changesFor(key) {
      const [kind, name] = [key.slice(0, key.indexOf(':')) as 'role' | 'user' | 'group', key.slice(key.indexOf(':') + 1)];
      const grants = await readers.iam.grantsOf(kind, name);
      return grants ? iamGrantChanges(origin, grants) : [];
    },
  };

  let aliases: Promise<Array<{ name: string; targetKeyId: string }>> | undefined;
  const keysPhase: Phase = {
    name: 'keys',
    health: false,
    async list() {
      return sortedUnique(await readers.kms.listKeyArns());
    },
    async changesFor(keyArn) {
      const keyId = keyArn.split('/').pop() ?? keyArn;
      const baseline = await baselineOf<KmsKeyDefinition>(keyArn, KMS_KEY_BASELINE);
      aliases ??= readers.kms.listAliases();
      const liveAliases = (await aliases).filter((a) => a.targetKeyId === keyId || a.targetKeyId === keyArn).map((a) => a.name);
      const protectedBy = keyProtection({ keyId, arn: keyArn, aliases: baseline?.aliases ?? liveAliases, usedBy: baseline?.usedBy }, policy);
      if (protectedBy.length === 0) return [];
      const live = await readers.kms.describeKey(keyArn);
      if (!live || live.keyManager === 'AWS') return [];
      const pending = live.keyState.startsWith('Pending');
      const [keyPolicy, grants] = pending ? [undefined, []] : await Promise.all([readers.kms.getKeyPolicy(keyArn), readers.kms.listGrants(keyArn)]);
      return keyChanges(origin, {
        keyArn: live.arn,
        live,
        policy: keyPolicy,
        grants,
        baseline,
        trust: { account: origin.account, trustedAccounts: policy.trustedAccounts, organizationId: policy.organizationId },
      });
    },
  };

  const queueUrls = new Map<string, string>();
  const queuesPhase: Phase = {
    name: 'queues',
    health: false,
    async list() {
      for (const url of await readers.queues.listQueueUrls()) {
        const arn = queueArnOfUrl(url, origin.region);
        if (arn) queueUrls.set(arn, url);
      }
      const arns = [...queueUrls.keys(), ...(await readers.catalog.resourcesOf([SQS_QUEUE_BASELINE]))];
      return sortedUnique(arns).filter((arn) => isNamedBy([arn, queueUrls.get(arn), arn.split(':').pop()], policy.protect.queues));
    },
    async changesFor(arn) {
      const [, , , region, account, name] = arn.split(':');
      const url = queueUrls.get(arn) ?? `https://sqs.${region}.amazonaws.com/${account}/${name}`;
      const hasBaseline = (await readers.baselines.get(arn))?.kind === SQS_QUEUE_BASELINE;
      return queueChanges(origin, { url, arn, hasBaseline, attributes: await readers.queues.getAttributes(url) });
    },
  };

  const topicsPhase: Phase = {
    name: 'topics',
    health: false,
    async list() {
      const arns = [...(await readers.topics.listTopicArns()), ...(await readers.catalog.resourcesOf([SNS_TOPIC_BASELINE])), ...(deps.alertTopicArn ? [deps.alertTopicArn] : [])];
      return sortedUnique(arns).filter((arn) => isNamedBy([arn], policy.protect.topics));
    },
    async changesFor(topicArn) {
      return topicChanges(origin, { topicArn, attributes: await readers.topics.getAttributes(topicArn) });
    },
  };

  const endpointsPhase: Phase = {
    name: 'endpoints',
    health: false,
    async list() {
      const live = (await readers.endpoints.listInterfaceEndpoints(GUARDED_ENDPOINT_SERVICES)).flatMap((e) => (e.arn ? [e.arn] : []));
      return sortedUnique([...live, ...(await readers.catalog.resourcesOf([ENDPOINT_BASELINE_KIND]))]);
    },
    async changesFor(arn) {
      const vpcEndpointId = arn.split('/').pop() as string;
      const baseline = endpointBaselineOf((await readers.baselines.get(arn))?.definition);
      const live = await readers.endpoints.describe(vpcEndpointId);
      return endpointChanges(origin, {
        arn,
        vpcEndpointId,
        hasBaseline: baseline !== undefined,
        ...(baseline?.policyDocument ? { baselinePolicy: baseline.policyDocument } : {}),
        ...(live ? { live: live.policyDocument ? { policyDocument: live.policyDocument } : {} } : {}),
      });
    },
  };

  return [healthPhase, trailsPhase, rulesPhase, busesPhase, destinationsPhase, keysPhase, queuesPhase, topicsPhase, endpointsPhase, iamPhase];
}

/** The pipeline with these controls capped at mode `alert` (their findings alerted, never remediated). */
function alertOnlyDeps(deps: ResponderDeps, controlIds: readonly string[]): ResponderDeps {
  const { policy } = deps;
  const capped = Object.fromEntries(
    controlIds
      .filter((id) => (policy.controls[id]?.mode ?? policy.defaults.mode) === 'remediate')
      .map((id) => [id, { ...policy.controls[id], mode: 'alert' as const }]),
  );
  return { ...deps, policy: { ...policy, controls: { ...policy.controls, ...capped } } };
}

/**
 * One invocation of the sweep: continues a run cut off earlier (checkpoint) or starts one,
 * and goes on until every phase is done or the deadline is reached.
 */
export async function sweep(deps: SweepDeps, options: SweepOptions = {}): Promise<SweepSummary> {
  const { log } = deps.responder;
  const holder = deps.newRunId();
  const started = deps.clock();
  // The lease outlives the deadline a little (the item in progress); without a deadline it lasts an hour.
  if (!(await deps.checkpoints.tryLease(holder, (options.deadline ?? started + 3_600_000) + 60_000, started))) {
    log.info('sweep skipped: another sweep of this account and region is running');
    return { runId: '', complete: false, skipped: 'another sweep of this account and region is running', invocations: 0, items: 0, changes: 0, findings: [], suppressed: 0, health: [], errors: [] };
  }
  try {
    return await sweepLeased(deps, options);
  } finally {
    await deps.checkpoints.releaseLease(holder);
  }
}

async function sweepLeased(deps: SweepDeps, options: SweepOptions): Promise<SweepSummary> {
  const { log } = deps.responder;
  const checkpoint = await deps.checkpoints.load();
  const runId = checkpoint?.runId ?? deps.newRunId();
  const startedAt = checkpoint?.startedAt ?? new Date(deps.clock()).toISOString();
  const invocations = (checkpoint?.invocations ?? 0) + 1;
  const origin: SweepOrigin = { ...deps.origin, runId, time: new Date(deps.clock()).toISOString() };
  const summary: SweepSummary = { runId, complete: false, invocations, items: 0, changes: 0, findings: [], suppressed: 0, health: [], errors: [] };
  // Findings the sweep raises itself (health problems no control judges), alerted after each batch.
  const direct: Finding[] = [];
  const phases = phasesOf(deps, origin, summary.health, direct);
  // The state changes never raise responder-tampered: it says who changed the responder, and the sweep cannot know.
  // The health phase's changes do: a responder that cannot see or alert is a critical finding.
  const stateDeps: ResponderDeps = { ...deps.responder, controls: deps.responder.controls.filter((c) => c.id !== 'responder-tampered') };
  const resumeIndex = checkpoint ? Math.max(0, phases.findIndex((p) => p.name === checkpoint.phase)) : 0;
  log.info(checkpoint ? 'sweep resumed from its checkpoint' : 'sweep started', { runId, invocations, phase: phases[resumeIndex]?.name, after: checkpoint?.after });

  for (let index = resumeIndex; index < phases.length; index += 1) {
    const phase = phases[index] as Phase;
    const after = index === resumeIndex ? checkpoint?.after : undefined;
    let keys: string[];
    try {
      keys = (await phase.list()).filter((k) => after === undefined || k > after);
    } catch (error) {
      log.error('sweep phase could not list its items', { runId, phase: phase.name, ...errorFields(error) });
      summary.errors.push({ phase: phase.name, item: '(list)', error: `${(error as Error).name}: ${(error as Error).message}` });
      continue;
    }
    let lastDone = after;
    const concurrency = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY);
    for (let start = 0; start < keys.length; start += concurrency) {
      if (options.deadline !== undefined && deps.clock() >= options.deadline) {
        summary.resumeAt = { phase: phase.name, ...(lastDone !== undefined ? { after: lastDone } : {}) };
        await deps.checkpoints.save({ runId, startedAt, invocations, phase: phase.name, ...(lastDone !== undefined ? { after: lastDone } : {}) });
        log.info('sweep stopped by its time budget: the next invocation continues', { runId, ...summary.resumeAt, items: summary.items, findings: summary.findings.length });
        return summary;
      }
      // A batch at a time, merged in key order: the checkpoint is always after a batch done whole.
      const batch = keys.slice(start, start + concurrency);
      const results = await Promise.all(batch.map((key) => sweepItem(phase, key, phase.health ? deps.responder : phase.alertOnly ? alertOnlyDeps(stateDeps, phase.alertOnly) : stateDeps)));
      for (const result of results) {
        summary.items += 1;
        summary.changes += result.changes;
        summary.findings.push(...result.findings);
        summary.suppressed += result.suppressed;
        summary.errors.push(...result.errors);
      }
      for (const finding of direct.splice(0)) {
        summary.findings.push(finding);
        try {
          await deps.responder.alerts.publish(alertOf(finding));
        } catch (error) {
          summary.errors.push({ phase: phase.name, item: finding.resource, error: `${(error as Error).name}: ${(error as Error).message}` });
        }
      }
      lastDone = batch[batch.length - 1];
    }
  }
  await deps.checkpoints.clear();
  summary.complete = true;
  log.info('sweep done', { runId, invocations, items: summary.items, changes: summary.changes, findings: summary.findings.length, health: summary.health, errors: summary.errors.length });
  return summary;
}

interface ItemResult {
  changes: number;
  findings: Finding[];
  suppressed: number;
  errors: SweepError[];
}

async function sweepItem(phase: Phase, key: string, responder: ResponderDeps): Promise<ItemResult> {
  const { log } = responder;
  const result: ItemResult = { changes: 0, findings: [], suppressed: 0, errors: [] };
  let changes: Change[];
  try {
    changes = await phase.changesFor(key);
  } catch (error) {
    log.error('sweep could not read an item', { phase: phase.name, item: key, ...errorFields(error) });
    result.errors.push({ phase: phase.name, item: key, error: `${(error as Error).name}: ${(error as Error).message}` });
    return result;
  }
  for (const change of changes) {
    result.changes += 1;
    try {
      const outcome = await respond(change, responder);
      result.findings.push(...outcome.findings);
      result.suppressed += outcome.suppressed.length;
    } catch (error) {
      // respond() has handled every finding it could (alerts that failed, controls that threw); the sweep goes on.
      result.errors.push({ phase: phase.name, item: `${change.eventName} ${key}`, error: `${(error as Error).name}: ${(error as Error).message}` });
    }
  }
  return result;
}
