// Exactly-once processing of each CloudTrail event, on top of at-least-once delivery
// (EventBridge and Lambda's async invocations may deliver the same event twice, also at the
// same time). Powertools for AWS Lambda's idempotency utility keeps one record per event id in
// a DynamoDB table (serverless/resources/idempotency.yml):
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
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Context } from 'aws-lambda';
import type { JsonService } from '../aws/wire/json';
import type { Change } from '../events/change';
import { WireDynamoDBPersistenceLayer } from './idempotency-store';
import type { Outcome } from './respond';

/** 24 hours: longer than EventBridge's retry window (24 h) and Lambda's maximum event age (6 h). */
export const EXPIRES_AFTER_SECONDS = 24 * 60 * 60;
/** Prefix of every key: `cloudtrail-event#<hash of the event id>`. Stable across function renames. */
export const KEY_PREFIX = 'cloudtrail-event';

export interface Idempotency {
  /** IAM actions on the idempotency table (scripts/serverless-iam.cjs scopes them to it). */
  readonly iamActions: readonly string[];
  readonly persistenceStore: BasePersistenceLayer;
}

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

/**
 * Records in a DynamoDB table: partition key `id`, TTL attribute `expiration` (Powertools' defaults),
 * stored as Powertools' DynamoDBPersistenceLayer stores them, over the wire client (idempotency-store.ts).
 */
export function dynamoDbIdempotency(dynamodb: JsonService, tableName: string): Idempotency {
  return {
    // PutItem (conditional: claim), UpdateItem (completed), DeleteItem (failed: release), GetItem
    // (read the existing record when the failed condition did not return it).
    iamActions: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem'],
    persistenceStore: new WireDynamoDBPersistenceLayer(dynamodb, { tableName }),
  };
}

export type ProcessOnce = (change: Change, context: Context) => Promise<Outcome | DuplicateDelivery>;

/**
 * Runs `handleChange` once per event id. The first copy returns its Outcome; a later copy returns a
 * DuplicateDelivery with what the first did; a concurrent copy throws
 * IdempotencyAlreadyInProgressError (the invocation fails; Lambda retries it).
 *
 * The function wrapper (makeIdempotent), not the Middy middleware: in 2.35.0 the middleware's
 * onError deletes the record even when its own `before` rejected a duplicate, releasing the lock
 * of the copy still running (aws-powertools/powertools-lambda-typescript#5675, fixed after 2.35.0).
 */
export function processOnce(handleChange: (change: Change) => Promise<Outcome>, idempotency: Idempotency): ProcessOnce {
  const config = new IdempotencyConfig({ eventKeyJmesPath: 'eventId', throwOnNoIdempotencyKey: true, expiresAfterSeconds: EXPIRES_AFTER_SECONDS });
  const once = makeIdempotent(
    // `fresh` carries the full Outcome out of the first copy; the store keeps only its summary.
    async (change: Change, _context: Context, fresh: { outcome?: Outcome }): Promise<ProcessedSummary> => {
      const outcome = await handleChange(change);
      fresh.outcome = outcome;
      return summaryOf(change, outcome);
    },
    { persistenceStore: idempotency.persistenceStore, config, keyPrefix: KEY_PREFIX },
  );
  return async (change, context) => {
    const fresh: { outcome?: Outcome } = {};
    // The Lambda context bounds the INPROGRESS lock by the invocation's remaining time.
    const processed = await once(change, context, fresh);
    return fresh.outcome ?? { duplicate: true, eventId: change.eventId, processed };
  };
}

export function isDuplicateDelivery(result: Outcome | DuplicateDelivery): result is DuplicateDelivery {
  return 'duplicate' in result;
}
