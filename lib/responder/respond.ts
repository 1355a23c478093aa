import { alertOf } from '../alerts/format';
import type { AlertSink } from '../alerts/sns';
import { NO_BASELINES, type Baseline, type BaselineLookup, type BaselineStore } from '../baseline/types';
import type { Snapshotter } from '../baseline/snapshotter';
import { evaluateChange, handles } from '../controls/evaluate';
import { describeRulesPlan } from '../controls/rules/plans';
import type { Control, EvaluationContext, Finding, RemediationPlan } from '../controls/types';
import type { Change } from '../events/change';
import { isActorIn } from '../policy/decide';
import type { Mode, Policy } from '../policy/schema';
import { decideFinding, type TaggedResource } from '../tags/finding';
import { policyForTaggedResource } from '../tags/policy';
import { taggableResourceOf } from '../tags/resources';
import type { TagReading, TagSource } from '../tags/types';
import type { Remediator } from '../remediation/types';
import { errorFields, type Logger } from '../util/log';
import { crossesBurst, type BurstCounter } from '../state/burst-counter';
import type { MetricsSink } from '../metrics/emf';
import { describeSettings } from '../controls/cloudtrail/trail';
import type { ManagedPolicyLookup, ManagedPolicyPort } from '../controls/iam/types';
import { causeOf, isTransient } from '../aws/errors';
import type { KillSwitch } from '../safety/kill-switch';
import { ownerLockoutRisk } from '../safety/lockout';
import { loopKeyOf, type RemediationLoopGuard } from '../safety/remediation-loop';

export interface ResponderDeps {
  policy: Policy;
  controls: readonly Control[];
  remediators: readonly Remediator[];
  alerts: AlertSink;
  /** ARN globs of the responder's own roles: their changes are the responder's own fixes (loop guard). */
  selfPrincipals: readonly string[];
  now: () => Date;
  log: Logger;
  /** Last known good definitions; absent until the stack deploys a baseline table. */
  baselines?: BaselineStore;
  /** Keep baselines current after changes by trusted principals. */
  snapshotters?: readonly Snapshotter[];
  /** Counts findings that alert only in bursts (access-denied-burst); without one they never alert. */
  bursts?: BurstCounter;
  /** Reads customer managed IAM policies that controls name in `managedPolicyArns` (iam-eventbridge-overgrant). */
  managedPolicies?: ManagedPolicyPort;
  /** Findings and remediation outcomes, for the dashboard. */
  metrics?: MetricsSink;
  /** Reads the tags of the resource a change acted on, when the policy has tag rules (lib/tags). */
  tags?: TagSource;
  /** The global kill switch: when engaged, every remediation is only planned (lib/safety/kill-switch.ts). */
  killSwitch?: KillSwitch;
  /** Counts remediations per control and resource to stop fighting another automation (lib/safety/remediation-loop.ts). */
  loopGuard?: RemediationLoopGuard;
}

/** Publishing failed: the invocation must fail so Lambda's retries, then the DLQ, keep the event. */
export class AlertDeliveryError extends Error {
  override readonly name = 'AlertDeliveryError';
}

/**
 * A remediation call still failed transiently (throttling, 5xx, timeout, network) after the SDK's
 * retries: the finding is not alerted, the invocation fails, Lambda retries the event and the
 * DLQ keeps it if it never succeeds. Permanent failures do not throw: they alert "remediation failed".
 */
export class TransientRemediationError extends Error {
  override readonly name = 'TransientRemediationError';
}

/** A control threw: the others' findings were handled; the event is kept (DLQ) for a second look. */
export class ControlEvaluationError extends Error {
  override readonly name = 'ControlEvaluationError';
}

export interface Outcome {
  skipped?: 'own-change';
  findings: Finding[];
  suppressed: Array<{ finding: Finding; reason: string }>;
}

/** The mode and dry-run setting a finding is handled with: the file's, made stricter by the resource's tags. */
export interface FindingMode {
  mode: Mode;
  dryRun: boolean;
}

async function remediate(
  finding: Finding,
  plan: RemediationPlan,
  control: Control,
  change: Change,
  context: EvaluationContext,
  deps: ResponderDeps,
  settings: FindingMode,
): Promise<Finding> {
  const { policy } = deps;
  const held = remediationHeldBack(settings.mode, change, policy);
  if (held) return { ...finding, remediation: { status: 'skipped', reason: held } };
  const remediator = deps.remediators.find((r) => r.kind === plan.kind);
  if (!remediator) {
    return { ...finding, remediation: { status: 'failed', reason: `no remediator registered for ${plan.kind}` } };
  }
  try {
    const live = await remediator.readLive(plan);
    const narrowed = control.recheck ? control.recheck(plan, live, change, context) : plan;
    if (!narrowed) {
      return { ...finding, remediation: { status: 'skipped', reason: 'already compliant: live state no longer has the offending setting' } };
    }
    const lockout = ownerLockoutRisk(narrowed, { account: finding.account, breakGlassPrincipals: policy.breakGlassPrincipals });
    if (lockout) {
      deps.log.error('remediation refused: it could lock the owner out', { control: control.id, resource: finding.resource, reason: lockout });
      return { ...finding, plan: narrowed, remediation: { status: 'failed', reason: `remediation refused (owner lockout guard): ${lockout}` } };
    }
    if (settings.dryRun) {
      return {
        ...finding,
        plan: narrowed,
        remediation: { status: 'planned', reason: `dry-run: would ${describePlan(narrowed)}` },
      };
    }
    if (await deps.killSwitch?.engaged()) {
      return { ...finding, plan: narrowed, remediation: { status: 'planned', reason: `dry-run: kill switch on: would ${describePlan(narrowed)}` } };
    }
    const loop = await claimRemediation(finding, change, deps);
    if (loop) return { ...loop, plan: narrowed };
    const result = await remediator.apply(narrowed, live);
    return {
      ...finding,
      plan: narrowed,
      evidence: { ...finding.evidence, before: result.before, after: result.after ?? null },
      remediation: { status: 'applied', reason: result.actions.join('; ') },
    };
  } catch (error) {
    if (isTransient(error)) {
      deps.log.warn('remediation interrupted by a transient error: the invocation fails for Lambda to retry', { control: control.id, resource: finding.resource, ...errorFields(error) });
      throw new TransientRemediationError(`${control.id} on ${finding.resource}: ${causeOf(error)}`, { cause: error });
    }
    deps.log.error('remediation failed', { control: control.id, resource: finding.resource, ...errorFields(error) });
    return { ...finding, remediation: { status: 'failed', reason: causeOf(error) } };
  }
}

/**
 * Counts this remediation against policy remediationLoop; when the responder already undid the
 * same change on the same resource that many times in the window, returns the loop finding
 * (remediation skipped, distinct title and flag) instead, and nothing is changed.
 */
async function claimRemediation(finding: Finding, change: Change, deps: ResponderDeps): Promise<Finding | undefined> {
  if (!deps.loopGuard) return undefined;
  const limits = deps.policy.remediationLoop;
  const claim = await deps.loopGuard.claim(loopKeyOf(finding), change.eventId, deps.now(), limits);
  if (claim.allowed) return undefined;
  const reason =
    `remediation loop: ${finding.control} was remediated on this resource ${claim.count} times within ${limits.windowMinutes} min ` +
    `(policy remediationLoop.maxRemediations ${limits.maxRemediations}); something keeps re-applying the change, so it is left as is: stop it at its source`;
  deps.log.error('remediation loop: remediation stopped', { control: finding.control, resource: finding.resource, eventId: change.eventId, remediations: claim.count });
  return {
    ...finding,
    title: `Remediation loop: ${finding.title}`,
    remediationLoop: { remediations: claim.count, windowMinutes: limits.windowMinutes },
    remediation: { status: 'skipped', reason },
  };
}

/** Why a finding's remediation is not attempted at all, or undefined when it may go ahead. */
export function remediationHeldBack(mode: Mode, change: Change, policy: Policy): string | undefined {
  if (mode !== 'remediate') return `alert only: the control mode is "${mode}"`;
  if (isActorIn(change.actor, policy.trustedPrincipals)) {
    return 'made by a trusted principal: approved change, alert only';
  }
  return undefined;
}

export function describePlan(plan: RemediationPlan): string {
  switch (plan.kind) {
    case 'restore-rule':
    case 'remove-targets':
    case 'restore-bus':
      return describeRulesPlan(plan);
    case 'start-trail-logging':
      return `StartLogging ${plan.trailArn}`;
    case 'restore-trail-selectors':
      return `restore the baseline event selectors of ${plan.trailArn} (PutEventSelectors)`;
    case 'restore-trail-config':
      return `UpdateTrail ${plan.trailArn} ${describeSettings(plan.settings)} (restore its baseline)`;
    case 'restore-endpoint-policy':
      return `restore the baseline policy of VPC endpoint ${plan.vpcEndpointId} (ModifyVpcEndpoint)`;
    case 'remove-bus-statements':
      return `remove ${plan.statements.length} statement(s) (${plan.statements.map((s) => s.Sid ?? 'no Sid').join(', ')}) from bus ${plan.busName}`;
    case 'enable-key':
      return `EnableKey ${plan.keyArn}`;
    case 'cancel-key-deletion':
      return `CancelKeyDeletion ${plan.keyArn}${plan.enableAfterCancel ? ', then EnableKey (cancelling leaves it Disabled)' : ' (it stays Disabled, as in its baseline)'}`;
    case 'restore-key-policy':
      return plan.policy ? `restore the baseline key policy of ${plan.keyArn} (PutKeyPolicy, lockout safety check on)` : `restore the key policy of ${plan.keyArn}: not possible, ${plan.noBaseline}`;
    case 'enable-key-rotation':
      return `EnableKeyRotation ${plan.keyArn}`;
    case 'revoke-grant':
      return `RevokeGrant ${plan.grantId} (to ${plan.grantee}) on ${plan.keyArn}`;
    case 'restore-bus-encryption':
      return plan.settings
        ? `restore bus ${plan.busName} to its baseline key (${plan.settings.kmsKeyIdentifier ?? 'AWS owned'}) and dead-letter queue (${plan.settings.deadLetterArn ?? 'none'}) with UpdateEventBus`
        : `restore bus ${plan.busName}'s encryption: not possible, ${plan.noBaseline}`;
    case 'restore-queue-attributes':
      return plan.attributes
        ? `SetQueueAttributes ${plan.queueArn} ${Object.entries(plan.attributes).map(([k, v]) => `${k}=${v}`).join(' ')} (restore ${plan.setting})`
        : `restore the ${plan.setting} of ${plan.queueArn}: not possible, ${plan.noBaseline}`;
    case 'remove-queue-statements':
      return `remove ${plan.statements.length} statement(s) (${plan.statements.map((s) => s.Sid ?? 'no Sid').join(', ')}) from the policy of queue ${plan.queueArn}`;
    case 'revoke-iam-grant':
      return plan.grant.kind === 'managed'
        ? `detach ${plan.grant.policyArn} from ${plan.principal.kind} ${plan.principal.name}`
        : `delete inline policy ${plan.grant.policyName} of ${plan.principal.kind} ${plan.principal.name}`;
    case 'restore-topic-attributes':
      if (plan.removeStatements) return `remove ${plan.removeStatements.length} statement(s) (${plan.removeStatements.map((s) => s.Sid ?? 'no Sid').join(', ')}) from the policy of topic ${plan.topicArn}`;
      return plan.kmsMasterKeyId ? `SetTopicAttributes ${plan.topicArn} KmsMasterKeyId=${plan.kmsMasterKeyId} (restore its baseline key)` : `restore the encryption of topic ${plan.topicArn}: not possible, ${plan.noBaseline}`;
  }
}

/** Prefetches the baselines the handling controls asked for, so the controls stay pure. */
async function baselinesFor(change: Change, policy: Policy, deps: ResponderDeps): Promise<BaselineLookup> {
  const store = deps.baselines;
  if (!store) return NO_BASELINES;
  const wanted = new Set(
    deps.controls.filter((c) => handles(c, change)).flatMap((c) => c.baselineResources?.(change, policy) ?? []),
  );
  const found = await Promise.all([...wanted].map((resource) => store.get(resource)));
  return new Map(found.filter((b): b is Baseline => b !== undefined).map((b) => [b.resource, b]));
}

/** Prefetches the customer managed IAM policies the handling controls asked for, as baselinesFor does for baselines. */
async function managedPoliciesFor(change: Change, deps: ResponderDeps): Promise<ManagedPolicyLookup | undefined> {
  const port = deps.managedPolicies;
  if (!port) return undefined;
  const wanted = new Set(deps.controls.filter((c) => handles(c, change)).flatMap((c) => c.managedPolicyArns?.(change, deps.policy) ?? []));
  return new Map(await Promise.all([...wanted].map(async (arn) => [arn, await port.defaultVersion(arn)] as const)));
}

/**
 * The tags of the resource a change acted on, when the policy has tag rules: read live (the
 * source caches per invocation); for a resource that is gone (a deleted rule, queue or trail),
 * those its baseline recorded while it existed. Unreadable tags leave it judged as untagged,
 * and its findings say so.
 */
async function taggedResourceOf(change: Change, deps: ResponderDeps): Promise<TaggedResource | undefined> {
  if (deps.policy.tags.length === 0) return undefined;
  const resource = taggableResourceOf(change);
  if (!resource) return undefined;
  let reading: TagReading = deps.tags ? await deps.tags.read(resource) : { status: 'unknown', reason: 'no tag reader configured' };
  if (reading.status === 'unknown') {
    const recorded = (await deps.baselines?.get(resource.arn))?.tags;
    if (recorded) reading = { status: 'known', tags: recorded, source: 'baseline' };
  }
  if (reading.status === 'unknown') deps.log.warn('resource tags not known: judged as untagged', { resource: resource.arn, reason: reading.reason });
  return { resource, reading };
}

/**
 * A successful change by a trusted principal is approved drift: re-capture the live
 * definition of what it touched. Nothing else ever moves a baseline.
 */
async function moveBaselines(change: Change, deps: ResponderDeps, policy: Policy, tagged: TaggedResource | undefined): Promise<void> {
  const store = deps.baselines;
  if (!store || change.errorCode || !isActorIn(change.actor, deps.policy.trustedPrincipals)) return;
  for (const snapshotter of deps.snapshotters ?? []) {
    for (const resource of snapshotter.touchedBy(change, policy)) {
      const captured = await snapshotter.capture(resource);
      const source = `trusted-change ${change.eventId} by ${change.actor.arn ?? 'unknown'}`;
      // Keep the tags read live with the baseline: they still decide once the resource is gone.
      const reading = tagged?.resource.arn === resource ? tagged.reading : undefined;
      const tags = reading?.status === 'known' && reading.source === 'live' ? { tags: reading.tags } : {};
      if (captured) await store.put({ ...captured, ...tags, source });
      else await store.delete(resource);
      deps.log.info('baseline moved by a trusted change', { resource, kind: snapshotter.kind, source, deleted: !captured });
    }
  }
}

/**
 * The real-time flow for one change: loop guard, evaluate every control, then per
 * finding: exemption, live re-check, remediation (if opted in and not dry-run), alert.
 */
export async function respond(change: Change, deps: ResponderDeps): Promise<Outcome> {
  const { log, policy } = deps;
  const eventFields = { eventId: change.eventId, eventName: change.eventName, eventSource: change.eventSource };
  if (isActorIn(change.actor, deps.selfPrincipals)) {
    log.info('skipped: change made by the responder itself (loop guard)', { ...eventFields, actor: change.actor.arn });
    return { skipped: 'own-change', findings: [], suppressed: [] };
  }

  const tagged = await taggedResourceOf(change, deps);
  // Controls see the resource as protected, and a control switched off runs, when its tags say so.
  const evaluationPolicy = tagged ? policyForTaggedResource(policy, tagged.resource, tagged.reading, deps.controls.map((c) => c.id), deps.now()) : policy;
  const managedPolicies = await managedPoliciesFor(change, deps);
  const context: EvaluationContext = { policy: evaluationPolicy, baselines: await baselinesFor(change, evaluationPolicy, deps), ...(managedPolicies ? { managedPolicies } : {}) };
  const evaluation = evaluateChange(change, context, deps.controls);
  for (const failure of evaluation.failures) {
    log.error('control failed', { ...eventFields, control: failure.control, ...errorFields(failure.error) });
  }

  const findings: Finding[] = [];
  const suppressed: Outcome['suppressed'] = [];
  const deliveryErrors: unknown[] = [];
  const interrupted: TransientRemediationError[] = [];
  for (const evaluated of evaluation.findings) {
    const decision = decideFinding(evaluated, policy, tagged, deps.now());
    if (decision.kind === 'off') continue;
    const raw = decision.tags ? { ...evaluated, tags: decision.tags } : evaluated;
    if (decision.kind === 'suppressed') {
      log.info('finding suppressed by exemption', { ...eventFields, control: raw.control, resource: raw.resource, reason: decision.reason });
      suppressed.push({ finding: raw, reason: decision.reason });
      continue;
    }
    if (raw.burst && !(await crossesBurst(deps.bursts, raw.burst, change.eventId, log))) continue;
    const control = deps.controls.find((c) => c.id === raw.control) as Control;
    let finding: Finding;
    try {
      finding = raw.plan
        ? await remediate(raw, raw.plan, control, change, context, deps, decision)
        : { ...raw, remediation: { status: 'none' as const, reason: 'no automatic remediation for this control' } };
    } catch (error) {
      // Not alerted now: the retried event alerts it once, with the remediation's real outcome.
      if (!(error instanceof TransientRemediationError)) throw error;
      interrupted.push(error);
      continue;
    }
    deps.metrics?.finding(finding);
    log.info('finding', {
      ...eventFields,
      control: finding.control,
      severity: finding.severity,
      resource: finding.resource,
      remediation: finding.remediation,
    });
    try {
      await deps.alerts.publish(alertOf(finding));
    } catch (error) {
      log.error('alert delivery failed', { ...eventFields, control: finding.control, ...errorFields(error) });
      deliveryErrors.push(error);
    }
    findings.push(finding);
  }

  await moveBaselines(change, deps, evaluationPolicy, tagged);

  if (interrupted.length > 0) throw interrupted.length === 1 ? interrupted[0] : new TransientRemediationError(interrupted.map((e) => e.message).join('; '), { cause: interrupted[0] });
  if (deliveryErrors.length > 0) {
    throw new AlertDeliveryError(`${deliveryErrors.length} alert(s) could not be published`, { cause: deliveryErrors[0] });
  }
  if (evaluation.failures.length > 0) {
    throw new ControlEvaluationError(
      `control(s) failed: ${evaluation.failures.map((f) => `${f.control}: ${f.error.message}`).join('; ')}`,
      { cause: evaluation.failures[0]?.error },
    );
  }
  return { findings, suppressed };
}
