// Exactly-once processing of each CloudTrail event, on top of at-least-once delivery
// (EventBridge and Lambda's async invocations may deliver the same event twice, also at the
// same time). One record per event id in a DynamoDB table (serverless/resources/idempotency.yml,
// idempotency-store.ts), the protocol of Powertools for AWS Lambda's idempotency utility, whose
// records and errors these are:
//   - the first copy writes an INPROGRESS record with a conditional PutItem (the condition is
//     what makes two concurrent copies unable to both win: DynamoDB evaluates it atomically);
//   - a copy that arrives while the first is still running fails with
//     IdempotencyAlreadyInProgressError, so Lambda retries it (1 and 2 minutes later, past the
//     function timeout); by then the first has finished and the retry returns the stored result,
//     without remediating or alerting again;
//   - a copy that fails deletes its record, so Lambda's retry processes the event again;
//   - records expire after EXPIRES_AFTER_SECONDS (the table's TTL attribute `expiration`); an
//     INPROGRESS record whose invocation died (timeout) can be taken over once the function's
//     remaining time at its start has passed.
// The key is the CloudTrail eventID (or the id the parser derives for a record without one:
// lib/events/parse.ts), never the whole payload: a redelivery can come in a new envelope.
//
// Written here rather than taken from @aws-lambda-powertools/idempotency: the utility brought a
// JMESPath engine (for the key path), node:zlib and its class hierarchy into the responder's
// bundle, about 6 ms of a cold start that has to stay within 2 x an empty handler's (README,
// Benchmarks). What the responder used of it is this file; idempotency-store.test.ts runs the same
// deliveries through Powertools 2.35 and through this and compares every request and outcome.
import type { Context } from 'aws-lambda';
import { createHash } from 'node:crypto';
import type { Change } from '../events/change';
import { COMPLETED, IN_PROGRESS, type IdempotencyRecord, type IdempotencyStore } from './idempotency-store';
import type { Outcome } from './respond';

/** 24 hours: longer than EventBridge's retry window (24 h) and Lambda's maximum event age (6 h). */
export const EXPIRES_AFTER_SECONDS = 24 * 60 * 60;
/** Prefix of every key: `cloudtrail-event#<hash of the event id>`. Stable across function renames. */
export const KEY_PREFIX = 'cloudtrail-event';

/** What is stored for a processed event, and returned to its duplicates: small, whatever the evidence size. */
export interface ProcessedSummary {
  eventId: string;
  skipped?: Outcome['skipped'];
  findings: Array<{ control: string; resource: string; remediation?: string }>;
  suppressed: number;
}

/** A copy of an event that was processed already: nothing was done again. */
export interface DuplicateDelivery {
  duplicate: true;
  eventId: string;
  /** What the copy that processed it did. */
  processed: ProcessedSummary;
}

export function summaryOf(change: Change, outcome: Outcome): ProcessedSummary {
  return {
    eventId: change.eventId,
    ...(outcome.skipped ? { skipped: outcome.skipped } : {}),
    findings: outcome.findings.map((f) => ({ control: f.control, resource: f.resource, ...(f.remediation ? { remediation: f.remediation.status } : {}) })),
    suppressed: outcome.suppressed.length,
  };
}

/** Another invocation holds the event's record: this one fails, and Lambda retries it after that one finished. */
export class IdempotencyAlreadyInProgressError extends Error {
  override readonly name = 'IdempotencyAlreadyInProgressError';
}

/** The record changed between the claim and its reading, more often than the retries allow. */
export class IdempotencyInconsistentStateError extends Error {
  override readonly name = 'IdempotencyInconsistentStateError';
}

/** The idempotency table could not be written or read: the invocation fails, and Lambda retries it. */
export class IdempotencyPersistenceLayerError extends Error {
  override readonly name = 'IdempotencyPersistenceLayerError';
}

/** An event without an id: nothing to key its record on (the parser gives every change one). */
export class IdempotencyKeyError extends Error {
  override readonly name = 'IdempotencyKeyError';
}

/** A record with a status this code never writes. */
export class IdempotencyInvalidStatusError extends Error {
  override readonly name = 'IdempotencyInvalidStatusError';
}

/** How often a claim is tried again after the holder vanished or expired between the claim and its reading (Powertools: 2). */
const CLAIM_RETRIES = 2;

/** `cloudtrail-event#<md5 of the JSON event id, base64>`: Powertools' key for the event-id path, so records survive an upgrade. */
export function idempotencyKey(eventId: string): string {
  if (!eventId) throw new IdempotencyKeyError('No data found to create a hashed idempotency_key');
  return `${KEY_PREFIX}#${createHash('md5').update(JSON.stringify(eventId)).digest('base64')}`;
}

export type ProcessOnce = (change: Change, context: Context) => Promise<Outcome | DuplicateDelivery>;

/**
 * Runs `handleChange` once per event id. The first copy returns its Outcome; a later copy returns a
 * DuplicateDelivery with what the first did; a concurrent copy throws
 * IdempotencyAlreadyInProgressError (the invocation fails; Lambda retries it).
 */
export function processOnce(handleChange: (change: Change) => Promise<Outcome>, store: IdempotencyStore): ProcessOnce {
  const expiry = () => Math.round(Date.now() / 1000 + EXPIRES_AFTER_SECONDS);
  const failed = (what: string) => (cause: unknown) => {
    throw new IdempotencyPersistenceLayerError(`Failed to ${what} idempotency store`, { cause });
  };

  return async (change, context) => {
    const key = idempotencyKey(change.eventId);
    // The Lambda context bounds the INPROGRESS claim by the invocation's remaining time.
    const remaining = context?.getRemainingTimeInMillis?.();
    for (let attempt = 0; ; attempt += 1) {
      const now = Date.now();
      const claim = await store
        .claim({ key, expiresAt: expiry(), ...(remaining ? { inProgressUntil: now + remaining } : {}) }, now)
        .catch(failed('save in progress record to'));
      if (claim.won) break;
      const holder = claim.holder ?? (await store.read(key).catch(failed('read record from')));
      const processed = resultOf(holder, key);
      if (processed !== undefined) return { duplicate: true, eventId: change.eventId, processed };
      // The holder vanished or expired since the claim failed: claim again.
      if (attempt === CLAIM_RETRIES) throw new IdempotencyInconsistentStateError(`The record of idempotency key ${key} changed while it was being claimed, ${CLAIM_RETRIES + 1} times`);
    }

    let outcome: Outcome;
    try {
      outcome = await handleChange(change);
    } catch (error) {
      await store.release(key).catch(failed('delete record from'));
      throw error;
    }
    // Only a small summary is stored, whatever the evidence size: what a duplicate gets back.
    await store.complete(key, expiry(), summaryOf(change, outcome)).catch(failed('update success record to'));
    return outcome;
  };
}

/** What a copy that lost its claim to `holder` returns: the stored summary; undefined to claim again; or the error. */
function resultOf(holder: IdempotencyRecord | undefined, key: string): ProcessedSummary | undefined {
  const now = Date.now();
  if (!holder || holder.expiresAt < now / 1000) return undefined;
  if (holder.status === IN_PROGRESS) {
    if (holder.inProgressUntil !== undefined && holder.inProgressUntil < now) return undefined;
    throw new IdempotencyAlreadyInProgressError(`There is already an execution in progress with idempotency key: ${key}`);
  }
  if (holder.status === COMPLETED) return holder.response as ProcessedSummary;
  throw new IdempotencyInvalidStatusError(`Record ${key} has the unknown status ${String(holder.status)}`);
}

export function isDuplicateDelivery(result: Outcome | DuplicateDelivery): result is DuplicateDelivery {
  return 'duplicate' in result;
}
