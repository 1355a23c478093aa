// zod/mini: the same validation as zod's chained API at a fraction of the bundle and cold start.
import * as z from 'zod/mini';
import { createHash } from 'node:crypto';
import { canonicalJson, isRecord, nestsDeeperThan, parseMaybeJson } from '../util/json';
import type { Actor, Change } from './change';
import { EventParseError } from './errors';

/**
 * Records nesting objects/arrays deeper than this are rejected (EventParseError). Real CloudTrail
 * records nest about 10 levels (documents such as policies and patterns arrive as JSON strings);
 * 200 leaves a wide margin and keeps recursive code far from the stack limit.
 */
export const MAX_NESTING = 200;

/** Real logs carry booleans both as JSON booleans and as "true"/"false" strings. */
const looseBoolean = z.optional(
  z.pipe(
    z.union([z.boolean(), z.string()]),
    z.transform((v: boolean | string) => (typeof v === 'boolean' ? v : v.toLowerCase() === 'true')),
  ),
);

const optionalText = z.pipe(z.nullish(z.string()), z.transform((v: string | null | undefined) => v ?? undefined));
const requiredText = z.string().check(z.minLength(1));

const sessionIssuer = z.nullish(z.looseObject({ arn: optionalText, type: optionalText, accountId: optionalText }));

const userIdentity = z.nullish(
  z.looseObject({
    type: optionalText,
    principalId: optionalText,
    arn: optionalText,
    accountId: optionalText,
    userName: optionalText,
    invokedBy: optionalText,
    sessionContext: z.nullish(z.looseObject({ sessionIssuer })),
  }),
);

/** The CloudTrail record, eventVersion 1.02 to 1.11: only what every version has is required. */
const cloudTrailRecord = z.looseObject({
  eventVersion: optionalText,
  eventID: optionalText,
  eventTime: requiredText,
  eventSource: requiredText,
  eventName: requiredText,
  awsRegion: optionalText,
  sourceIPAddress: optionalText,
  userAgent: optionalText,
  userIdentity,
  requestParameters: z.optional(z.unknown()),
  responseElements: z.optional(z.unknown()),
  errorCode: optionalText,
  errorMessage: optionalText,
  readOnly: looseBoolean,
  recipientAccountId: optionalText,
  requestID: optionalText,
});

const envelope = z.looseObject({
  'detail-type': z.string(),
  source: z.optional(z.string()),
  account: z.optional(z.string()),
  region: z.optional(z.string()),
  id: z.optional(z.string()),
  detail: z.unknown(),
});

/** True for an EventBridge envelope (`detail-type` + `detail`) rather than a bare CloudTrail record. */
export function isEnvelope(input: unknown): boolean {
  return isRecord(input) && 'detail-type' in input && 'detail' in input;
}

/** arn:aws:sts::A:assumed-role/Name/session -> arn:aws:iam::A:role/Name (path unknown to CloudTrail here). */
export function roleArnOfSession(sessionArn: string): string | undefined {
  const match = /^arn:(aws[\w-]*):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(sessionArn);
  return match ? `arn:${match[1]}:iam::${match[2]}:role/${match[3]}` : undefined;
}

function issues(error: z.core.$ZodError): string[] {
  return error.issues.map((i) => `${i.path.map(String).join('.') || '(record)'}: ${i.message}`);
}

function toActor(record: z.infer<typeof cloudTrailRecord>): Actor {
  const identity = record.userIdentity ?? undefined;
  const issuer = identity?.sessionContext?.sessionIssuer ?? undefined;
  const arn = identity?.arn;
  const issuerArn = issuer?.arn ?? (arn ? roleArnOfSession(arn) : undefined);
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
  return Object.fromEntries(Object.entries(actor).filter(([, v]) => v !== undefined)) as Actor;
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
    const parsed = envelope.safeParse(recordInput);
    if (!parsed.success) throw new EventParseError('malformed EventBridge envelope', issues(parsed.error));
    envelopeAccount = parsed.data.account;
    envelopeRegion = parsed.data.region;
    recordInput = parseMaybeJson(parsed.data.detail);
    if (!isRecord(recordInput)) {
      throw new EventParseError(`EventBridge envelope "${parsed.data['detail-type']}" has no CloudTrail record in detail`);
    }
  }
  if (!isRecord(recordInput)) throw new EventParseError('input is not a JSON object');
  // Deeper than any AWS API shape: refused here, typed, before recursive code (the derived
  // id's canonicalJson, controls, alert rendering) can overflow the stack on it.
  if (nestsDeeperThan(recordInput, MAX_NESTING)) throw new EventParseError(`record nests deeper than ${MAX_NESTING} levels`);

  const parsed = cloudTrailRecord.safeParse(recordInput);
  if (!parsed.success) throw new EventParseError('not a CloudTrail record', issues(parsed.error));
  const record = parsed.data;

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
