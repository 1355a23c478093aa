import { createHash } from 'node:crypto';
import { canonicalJson, isRecord, nestsDeeperThan, parseMaybeJson } from '../util/json';
import type { Actor, Change } from './change';
import { EventParseError } from './errors';
import { checkEnvelope, checkRecord, type RecordFields } from './shapes';

/**
 * Records nesting objects/arrays deeper than this are rejected (EventParseError). Real CloudTrail
 * records nest about 10 levels (documents such as policies and patterns arrive as JSON strings);
 * 200 leaves a wide margin and keeps recursive code far from the stack limit.
 */
export const MAX_NESTING = 200;

/** True for an EventBridge envelope (`detail-type` + `detail`) rather than a bare CloudTrail record. */
export function isEnvelope(input: unknown): boolean {
  return isRecord(input) && 'detail-type' in input && 'detail' in input;
}

/** arn:aws:sts::A:assumed-role/Name/session -> arn:aws:iam::A:role/Name (path unknown to CloudTrail here). */
export function roleArnOfSession(sessionArn: string): string | undefined {
  const match = /^arn:(aws[\w-]*):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(sessionArn);
  return match ? `arn:${match[1]}:iam::${match[2]}:role/${match[3]}` : undefined;
}

function toActor(record: RecordFields): Actor {
  const identity = record.userIdentity ?? undefined;
  const issuer = identity?.sessionContext?.sessionIssuer ?? undefined;
  const arn = identity?.arn;
  const issuerArn = issuer?.arn || (arn ? roleArnOfSession(arn) : undefined);
  const actor: Actor = {
    arn,
    type: identity?.type,
    principalId: identity?.principalId,
    accountId: identity?.accountId,
    userName: identity?.userName,
    issuerArn,
    invokedBy: identity?.invokedBy,
    sourceIp: record.sourceIPAddress,
    userAgent: record.userAgent,
  };
  // An empty field (hand-sanitised logs write "arn": "") names no one: left out, so whoever reads
  // the actor falls back to the next field (principalOf: issuer, ARN, principal id, account).
  return Object.fromEntries(Object.entries(actor).filter(([, v]) => v !== undefined && v !== '')) as Actor;
}

/**
 * Parses one CloudTrail record, or an EventBridge envelope ("AWS API Call via
 * CloudTrail") wrapping one, into a Change. Throws EventParseError naming what is wrong.
 */
export function parseChange(input: unknown): Change {
  let recordInput: unknown = parseMaybeJson(input);
  let envelopeAccount: string | undefined;
  let envelopeRegion: string | undefined;
  if (isEnvelope(recordInput)) {
    const envelope = checkEnvelope(recordInput as Record<string, unknown>);
    if (!envelope.ok) throw new EventParseError('malformed EventBridge envelope', envelope.problems);
    envelopeAccount = envelope.value.account;
    envelopeRegion = envelope.value.region;
    recordInput = parseMaybeJson(envelope.value.detail);
    if (!isRecord(recordInput)) {
      throw new EventParseError(`EventBridge envelope "${envelope.value['detail-type']}" has no CloudTrail record in detail`);
    }
  }
  if (!isRecord(recordInput)) throw new EventParseError('input is not a JSON object');
  // Deeper than any AWS API shape: refused here, typed, before recursive code (the derived
  // id's canonicalJson, controls, alert rendering) can overflow the stack on it.
  if (nestsDeeperThan(recordInput, MAX_NESTING)) throw new EventParseError(`record nests deeper than ${MAX_NESTING} levels`);

  const checked = checkRecord(recordInput);
  if (!checked.ok) throw new EventParseError('not a CloudTrail record', checked.problems);
  const record = checked.value;

  const request = parseMaybeJson(record.requestParameters);
  const response = parseMaybeJson(record.responseElements);
  // Documents given as JSON strings were not in the walk above.
  for (const [field, value, given] of [['requestParameters', request, record.requestParameters], ['responseElements', response, record.responseElements]] as const) {
    if (value !== given && nestsDeeperThan(value, MAX_NESTING)) throw new EventParseError(`${field} nests deeper than ${MAX_NESTING} levels`);
  }
  const account =
    record.recipientAccountId ?? envelopeAccount ?? record.userIdentity?.accountId ?? 'unknown';
  // Hand-sanitised logs sometimes lack eventID: derive a stable id from the content so
  // the same record always gets the same id (dedup, alerts), and say where it came from.
  // An empty eventID/requestID is no id (it would make every such record a duplicate of the first).
  const eventId =
    record.eventID || record.requestID || `derived-${createHash('sha256').update(canonicalJson(recordInput)).digest('hex').slice(0, 32)}`;

  return {
    eventId,
    eventName: record.eventName,
    eventSource: record.eventSource,
    eventTime: record.eventTime,
    eventVersion: record.eventVersion,
    region: record.awsRegion ?? envelopeRegion ?? 'unknown',
    account,
    actor: toActor(record),
    requestParameters: isRecord(request) ? request : {},
    responseElements: isRecord(response) ? response : null,
    errorCode: record.errorCode,
    errorMessage: record.errorMessage,
    readOnly: record.readOnly,
    record: recordInput,
  };
}
