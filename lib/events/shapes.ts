/**
 * The two shapes the parser accepts, the EventBridge envelope and the CloudTrail record, each
 * checked by a small function that reads the fields it declares, collects every problem with
 * its path, and keeps what it does not declare (the record's other fields stay on the input).
 *
 * Written out rather than declared with zod: building and first running zod schemas at module
 * load cost the responder about 8 ms of a cold start that must stay within 2 x an empty
 * handler's (README, Benchmarks), for two flat shapes. The zod schema they replaced is the
 * oracle of shapes.test.ts, which fuzzes both and requires the same verdicts and values.
 * The policy file, which is nested, defaulted and validated off the hot path, keeps zod.
 */
import { isRecord } from '../util/json';

/** What is wrong, one line per field: `path: expected ..., received ...`. */
export type Problems = string[];

/** The envelope's fields that the parser reads. */
export interface EnvelopeFields {
  'detail-type': string;
  source?: string;
  account?: string;
  region?: string;
  id?: string;
  detail: unknown;
}

export interface SessionIssuer {
  arn?: string;
  type?: string;
  accountId?: string;
}

export interface UserIdentity {
  type?: string;
  principalId?: string;
  arn?: string;
  accountId?: string;
  userName?: string;
  invokedBy?: string;
  sessionContext?: { sessionIssuer?: SessionIssuer };
}

/** The CloudTrail record's fields, eventVersion 1.02 to 1.11: only what every version has is required. */
export interface RecordFields {
  eventVersion?: string;
  eventID?: string;
  eventTime: string;
  eventSource: string;
  eventName: string;
  awsRegion?: string;
  sourceIPAddress?: string;
  userAgent?: string;
  userIdentity?: UserIdentity;
  requestParameters?: unknown;
  responseElements?: unknown;
  errorCode?: string;
  errorMessage?: string;
  /** Real logs carry booleans both as JSON booleans and as "true"/"false" strings. */
  readOnly?: boolean;
  recipientAccountId?: string;
  requestID?: string;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; problems: Problems };

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** One field's reader: the value it makes of the input, or a problem added under `path`. */
type Reader<T> = (value: unknown, path: string, problems: Problems) => T;

const expected =
  (what: string) =>
  (value: unknown, path: string, problems: Problems): undefined => {
    problems.push(`${path}: expected ${what}, received ${kindOf(value)}`);
    return undefined;
  };

/** A string, or nothing (absent or null: hand-sanitised and older records write null). */
const optionalText: Reader<string | undefined> = (value, path, problems) =>
  value === undefined || value === null ? undefined : typeof value === 'string' ? value : expected('a string')(value, path, problems);

/** A string where absent is fine but null is not (the envelope's optional fields). */
const optionalString: Reader<string | undefined> = (value, path, problems) =>
  value === undefined || typeof value === 'string' ? value : expected('a string')(value, path, problems);

/** A string, empty or not (the envelope's detail-type). */
const requiredString: Reader<string> = (value, path, problems) => (typeof value === 'string' ? value : (expected('a string')(value, path, problems) ?? ''));

const requiredText: Reader<string> = (value, path, problems) =>
  typeof value === 'string' && value !== '' ? value : (expected('a non-empty string')(value, path, problems) ?? '');

const looseBoolean: Reader<boolean | undefined> = (value, path, problems) => {
  if (value === undefined || typeof value === 'boolean') return value;
  if (typeof value === 'string') return value.toLowerCase() === 'true';
  return expected('a boolean or "true"/"false"')(value, path, problems);
};

/** An object read field by field, or nothing (absent or null). */
function optionalObject<T>(read: (object: Record<string, unknown>, path: string, problems: Problems) => T): Reader<T | undefined> {
  return (value, path, problems) => {
    if (value === undefined || value === null) return undefined;
    if (!isRecord(value)) return expected('an object')(value, path, problems);
    return read(value, path, problems);
  };
}

/** Only the fields that are present: `{}` for an object without any, as the record gave it. */
function present<T extends object>(fields: T): T {
  for (const key of Object.keys(fields) as Array<keyof T>) if (fields[key] === undefined) delete fields[key];
  return fields;
}

const sessionIssuer = optionalObject<SessionIssuer>((o, path, problems) =>
  present({ arn: optionalText(o.arn, `${path}.arn`, problems), type: optionalText(o.type, `${path}.type`, problems), accountId: optionalText(o.accountId, `${path}.accountId`, problems) }),
);

const sessionContext = optionalObject<{ sessionIssuer?: SessionIssuer }>((o, path, problems) => present({ sessionIssuer: sessionIssuer(o.sessionIssuer, `${path}.sessionIssuer`, problems) }));

const userIdentity = optionalObject<UserIdentity>((o, path, problems) =>
  present({
    type: optionalText(o.type, `${path}.type`, problems),
    principalId: optionalText(o.principalId, `${path}.principalId`, problems),
    arn: optionalText(o.arn, `${path}.arn`, problems),
    accountId: optionalText(o.accountId, `${path}.accountId`, problems),
    userName: optionalText(o.userName, `${path}.userName`, problems),
    invokedBy: optionalText(o.invokedBy, `${path}.invokedBy`, problems),
    sessionContext: sessionContext(o.sessionContext, `${path}.sessionContext`, problems),
  }),
);

function checked<T>(value: T, problems: Problems): Checked<T> {
  return problems.length === 0 ? { ok: true, value } : { ok: false, problems };
}

export function checkEnvelope(envelope: Record<string, unknown>): Checked<EnvelopeFields> {
  const problems: Problems = [];
  const fields = present({
    'detail-type': requiredString(envelope['detail-type'], 'detail-type', problems),
    source: optionalString(envelope.source, 'source', problems),
    account: optionalString(envelope.account, 'account', problems),
    region: optionalString(envelope.region, 'region', problems),
    id: optionalString(envelope.id, 'id', problems),
    detail: envelope.detail,
  });
  // Any value will do, but the field must be there (isEnvelope asks the same).
  if (!('detail' in envelope)) problems.push('detail: expected a value, received nothing');
  return checked(fields, problems);
}

export function checkRecord(record: Record<string, unknown>): Checked<RecordFields> {
  const problems: Problems = [];
  const fields = present({
    eventVersion: optionalText(record.eventVersion, 'eventVersion', problems),
    eventID: optionalText(record.eventID, 'eventID', problems),
    eventTime: requiredText(record.eventTime, 'eventTime', problems),
    eventSource: requiredText(record.eventSource, 'eventSource', problems),
    eventName: requiredText(record.eventName, 'eventName', problems),
    awsRegion: optionalText(record.awsRegion, 'awsRegion', problems),
    sourceIPAddress: optionalText(record.sourceIPAddress, 'sourceIPAddress', problems),
    userAgent: optionalText(record.userAgent, 'userAgent', problems),
    userIdentity: userIdentity(record.userIdentity, 'userIdentity', problems),
    requestParameters: record.requestParameters,
    responseElements: record.responseElements,
    errorCode: optionalText(record.errorCode, 'errorCode', problems),
    errorMessage: optionalText(record.errorMessage, 'errorMessage', problems),
    readOnly: looseBoolean(record.readOnly, 'readOnly', problems),
    recipientAccountId: optionalText(record.recipientAccountId, 'recipientAccountId', problems),
    requestID: optionalText(record.requestID, 'requestID', problems),
  });
  return checked(fields, problems);
}
