import type { Policy } from '../policy/schema';
import { errorFields, type Logger } from '../util/log';
import { digestAlertOf, digestEntryOf, updateAlertOf, type DigestContent, type DigestEntry } from './digest-format';
import type { Alert } from './format';
import type { AlertSink } from './sns';
import { dedupKeyOf, type AlertState, type TakenUpdate } from './state';

/**
 * SNS delivers email at most 10 messages a second. Publishes are counted in fixed one-second
 * windows shared by every invocation (DynamoDB): 5 per window means at most 10 in any sliding
 * second, with room left for CloudWatch alarm notifications on the same topic.
 */
export const PUBLISHES_PER_SECOND = 5;

export class RateLimitTimeoutError extends Error {
  override readonly name = 'RateLimitTimeoutError';
}

export class AlertFanOutError extends Error {
  override readonly name = 'AlertFanOutError';
}

const union = (...lists: ReadonlyArray<readonly string[]>) => [...new Set(lists.flat())];

/**
 * One alert per control and resource per window (policy alerts.dedupWindowMinutes): the first
 * occurrence goes on, later ones are counted for the flusher's update message. Anything else
 * (updates, digests) passes through.
 */
export function dedupSink(next: AlertSink, state: AlertState, options: { windowMinutes: number; now: () => Date; log: Logger }): AlertSink {
  return {
    iamActions: union(next.iamActions, state.iamActions),
    async publish(alert) {
      if (alert.content.kind !== 'finding') return next.publish(alert);
      const finding = alert.content.finding;
      const key = dedupKeyOf(finding);
      const claim = await state.claim(key, finding, options.now(), options.windowMinutes * 60_000);
      if (!claim.first) {
        options.log.info('alert deduplicated: counted for the next update', { dedupKey: key, occurrences: claim.count, eventId: finding.event.id });
        return;
      }
      try {
        await next.publish(alert);
      } catch (error) {
        await state.release(key, claim.token).catch((releaseError) => options.log.error('dedup claim not released', { dedupKey: key, ...errorFields(releaseError) }));
        throw error;
      }
    },
  };
}

/** Beyond `threshold` findings in a minute (policy alerts.stormThresholdPerMinute), findings wait for the minute's digest. */
export function stormSink(next: AlertSink, state: AlertState, options: { threshold: number; now: () => Date; log: Logger }): AlertSink {
  return {
    iamActions: union(next.iamActions, state.iamActions),
    async publish(alert) {
      if (alert.content.kind !== 'finding') return next.publish(alert);
      const minute = Math.floor(options.now().getTime() / 60_000);
      const count = await state.countInMinute(minute);
      if (count <= options.threshold) return next.publish(alert);
      const finding = alert.content.finding;
      await state.hold(minute, count - options.threshold - 1, digestEntryOf(finding));
      options.log.info('alert held for the digest (storm)', { minute, findingsThisMinute: count, control: finding.control, eventId: finding.event.id });
    },
  };
}

/** Waits for a publish slot (PUBLISHES_PER_SECOND across all invocations) before each publish. */
export function rateLimitedSink(
  next: AlertSink,
  state: AlertState,
  options: { perSecond?: number; maxWaitMs?: number; clock?: () => number; sleep?: (ms: number) => Promise<void> } = {},
): AlertSink {
  const perSecond = options.perSecond ?? PUBLISHES_PER_SECOND;
  const maxWaitMs = options.maxWaitMs ?? 20_000;
  const clock = options.clock ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  return {
    iamActions: union(next.iamActions, state.iamActions),
    async publish(alert) {
      const started = clock();
      for (;;) {
        const now = clock();
        const second = Math.floor(now / 1000);
        if (await state.takeSlot(second, perSecond)) break;
        if (now - started > maxWaitMs) throw new RateLimitTimeoutError(`no publish slot within ${maxWaitMs} ms (limit ${perSecond}/s)`);
        // Into the next second, with jitter so waiting invocations do not all retry at once.
        await sleep((second + 1) * 1000 - now + Math.floor(Math.random() * 100));
      }
      await next.publish(alert);
    },
  };
}

/** Publishes to every sink; all are attempted, and the publish fails if any of them failed. */
export function fanOutSink(sinks: readonly AlertSink[]): AlertSink {
  return {
    iamActions: union(...sinks.map((s) => s.iamActions)),
    async publish(alert) {
      const results = await Promise.allSettled(sinks.map((s) => s.publish(alert)));
      const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown);
      if (failures.length > 0) throw new AlertFanOutError(`${failures.length} of ${sinks.length} alert sink(s) failed`, { cause: failures[0] });
    },
  };
}

export interface FlushDeps {
  state: AlertState;
  /** Publishes updates and digests: rate-limited SNS. */
  sink: AlertSink;
  policy: Pick<Policy, 'alerts'>;
  now: () => Date;
  log: Logger;
  /** Minutes looked back for unsent digests and repeats (a missed run is caught up by the next). */
  lookbackMinutes?: number;
}

export interface FlushOutcome {
  digests: number;
  updates: number;
  heldFindings: number;
}

const minuteIso = (minute: number) => new Date(minute * 60_000).toISOString();

function repeatEntry(taken: TakenUpdate): DigestEntry {
  const entry = digestEntryOf(taken.finding);
  return { ...entry, title: `${entry.title} (${taken.count - taken.reportedBefore} more, ${taken.count} since ${taken.firstSeen})` };
}

/**
 * Runs every minute (functions/alert-digest.ts): sends the digest of each closed storm minute
 * and one count update per repeated finding (or one message for all of them when there are
 * more than the storm threshold). Claims are conditional writes: concurrent runs never send
 * the same thing twice; what failed to publish is put back for the next run.
 */
export async function flushAlerts(deps: FlushDeps): Promise<FlushOutcome> {
  const { state, sink, log } = deps;
  const threshold = deps.policy.alerts.stormThresholdPerMinute;
  const now = deps.now();
  const current = Math.floor(now.getTime() / 60_000);
  const lookback = deps.lookbackMinutes ?? 60;
  const closed = Array.from({ length: lookback }, (_, i) => current - lookback + i);
  const errors: unknown[] = [];
  const outcome: FlushOutcome = { digests: 0, updates: 0, heldFindings: 0 };

  for (const digest of await state.claimDigests(closed, threshold, now)) {
    const content: DigestContent = {
      kind: 'digest',
      reason: 'storm',
      window: { start: minuteIso(digest.minute), end: minuteIso(digest.minute + 1) },
      threshold,
      total: digest.entries.length,
      entries: digest.entries,
    };
    try {
      if (digest.entries.length > 0) await sink.publish(digestAlertOf(content));
      outcome.digests += 1;
      outcome.heldFindings += digest.entries.length;
      log.info('digest sent', { minute: content.window.start, findings: digest.entries.length });
    } catch (error) {
      log.error('digest not sent: left for the next run', { minute: content.window.start, ...errorFields(error) });
      await state.unclaimDigest(digest);
      errors.push(error);
    }
  }

  const taken: TakenUpdate[] = [];
  for (const key of await state.keysWithRepeats([...closed, current])) {
    const update = await state.takeUnreported(key);
    if (update) taken.push(update);
  }
  const publishUpdate = async (alert: Alert, batch: TakenUpdate[]) => {
    try {
      await sink.publish(alert);
      outcome.updates += batch.length;
    } catch (error) {
      log.error('count update not sent: left for the next run', { keys: batch.map((t) => t.key), ...errorFields(error) });
      for (const t of batch) await state.untake(t);
      errors.push(error);
    }
  };
  if (taken.length > threshold) {
    const content: DigestContent = {
      kind: 'digest',
      reason: 'repeats',
      window: { start: minuteIso(closed[0] ?? current), end: now.toISOString() },
      threshold,
      total: taken.length,
      entries: taken.map(repeatEntry),
    };
    await publishUpdate(digestAlertOf(content), taken);
  } else {
    for (const t of taken) {
      const alert = updateAlertOf({
        kind: 'update',
        finding: t.finding,
        count: t.count,
        sinceLast: t.count - t.reportedBefore,
        firstSeen: t.firstSeen,
        lastSeen: t.lastSeen,
        windowEnds: t.windowEnds,
      });
      await publishUpdate(alert, [t]);
    }
  }

  if (errors.length > 0) throw new AlertFanOutError(`${errors.length} digest/update message(s) could not be sent`, { cause: errors[0] });
  return outcome;
}
