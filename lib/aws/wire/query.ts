/**
 * Request bodies and error answers of AWS's query protocols: awsQuery (IAM, SNS, STS) and ec2Query (EC2).
 *
 * A body is `Action=..&Version=..` followed by the input flattened into form fields, encoded the way
 * SDK v3 encodes them (@aws-sdk/core QueryShapeSerializer with @smithy extendedEncodeURIComponent), so
 * for the same input, in the same member order, the bytes are the SDK's. We have no model, so callers
 * name members as they go on the wire (the model's xmlName / ec2QueryName: EC2's `VpcEndpointIds` is
 * sent as `VpcEndpointId`, `Filters` as `Filter`) and mark maps with `queryMap`, since a map and a
 * structure are the same thing in JavaScript.
 */

import { rfc3986 } from './rfc3986';
import { child, parseXml, textOf, XmlParseError } from './xml';

export type QueryStyle = 'query' | 'ec2';

/** A map member: awsQuery sends it as `Name.entry.N.key` / `Name.entry.N.value` (key and value names may differ by model). */
export class QueryMap {
  constructor(
    readonly entries: ReadonlyMap<string, unknown>,
    readonly keyName: string,
    readonly valueName: string,
  ) {}
}

/** Marks a record as a map member; `names` when the model renames key and value (SNS MessageAttributes: Name, Value). */
export function queryMap(
  entries: Readonly<Record<string, unknown>> | ReadonlyMap<string, unknown>,
  names: { key: string; value: string } = { key: 'key', value: 'value' },
): QueryMap {
  const asMap = entries instanceof Map ? entries : new Map(Object.entries(entries));
  return new QueryMap(asMap, names.key, names.value);
}

/**
 * The form-encoded body of one call. Members are written in insertion order after Action and Version;
 * undefined and null are left out, as the SDK leaves them out.
 */
export function queryBody(action: string, version: string, params: Record<string, unknown>, style: QueryStyle): string {
  const fields: string[] = [`Action=${encodeQueryComponent(action)}`, `Version=${encodeQueryComponent(version)}`];
  writeStructure(fields, '', params, style);
  return fields.join('&');
}

export interface QueryError {
  readonly code: string;
  readonly message: string;
  readonly type?: string;
  readonly requestId?: string;
}

/**
 * The error in an awsQuery `<ErrorResponse>` or an ec2Query `<Response><Errors>` answer; undefined when
 * the body is neither (not XML, another root, or no error code), so callers fall back to the HTTP status.
 */
export function queryError(body: string): QueryError | undefined {
  let root;
  try {
    root = parseXml(body);
  } catch (error) {
    if (error instanceof XmlParseError) return undefined;
    throw error;
  }
  if (root.name === 'ErrorResponse') {
    return errorFrom(child(root, 'Error'), textOf(root, 'RequestId'));
  }
  if (root.name === 'Response') {
    return errorFrom(child(child(root, 'Errors'), 'Error'), textOf(root, 'RequestID'));
  }
  return undefined;
}

function errorFrom(error: ReturnType<typeof child>, requestId: string | undefined): QueryError | undefined {
  const code = textOf(error, 'Code');
  if (code === undefined || code === '') return undefined;
  const type = textOf(error, 'Type');
  return {
    code,
    message: textOf(error, 'Message') ?? '',
    ...(type !== undefined && { type }),
    ...(requestId !== undefined && { requestId }),
  };
}

/** A form field's name or value, encoded as the SDK encodes them (RFC 3986). */
export const encodeQueryComponent = rfc3986;

function writeStructure(fields: string[], prefix: string, structure: object, style: QueryStyle): void {
  for (const [memberName, value] of Object.entries(structure)) {
    // ec2Query sends every structure member capitalised (the SDK's capitalizeKeys); map keys and list items are not members.
    const wireName = style === 'ec2' ? memberName.charAt(0).toUpperCase() + memberName.slice(1) : memberName;
    writeValue(fields, `${prefix}${wireName}`, value, style);
  }
}

function writeValue(fields: string[], key: string, value: unknown, style: QueryStyle): void {
  if (value === undefined || value === null) return;
  if (Array.isArray(value)) {
    writeList(fields, key, value, style);
  } else if (value instanceof QueryMap) {
    writeMap(fields, key, value, style);
  } else if (value instanceof Date) {
    // The query protocols' default timestamp format, date-time, written as the SDK writes it (no ".000").
    writeField(fields, key, value.toISOString().replace('.000Z', 'Z'));
  } else if (value instanceof Uint8Array) {
    writeField(fields, key, Buffer.from(value).toString('base64'));
  } else if (typeof value === 'object') {
    writeStructure(fields, `${key}.`, value, style);
  } else {
    writeField(fields, key, scalarText(key, value));
  }
}

function writeList(fields: string[], key: string, items: readonly unknown[], style: QueryStyle): void {
  if (items.length === 0) {
    // awsQuery says "empty list" with an empty field; ec2Query cannot say it and sends nothing.
    if (style === 'query') writeField(fields, key, '');
    return;
  }
  // Missing items are skipped without using up an index, as the SDK skips them.
  const present = items.filter((item) => item !== undefined && item !== null);
  present.forEach((item, index) => {
    writeValue(fields, style === 'ec2' ? `${key}.${index + 1}` : `${key}.member.${index + 1}`, item, style);
  });
}

function writeMap(fields: string[], key: string, map: QueryMap, style: QueryStyle): void {
  let index = 1;
  for (const [entryKey, entryValue] of map.entries) {
    if (entryValue === undefined || entryValue === null) continue;
    writeField(fields, `${key}.entry.${index}.${map.keyName}`, entryKey);
    writeValue(fields, `${key}.entry.${index}.${map.valueName}`, entryValue, style);
    index += 1;
  }
}

function scalarText(key: string, value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'number':
      // The SDK would send "NaN" or "Infinity"; no AWS member accepts them, so fail here, naming the member.
      if (!Number.isFinite(value)) throw new TypeError(`query member ${key} is ${value}, not a finite number`);
      return String(value);
    default:
      throw new TypeError(`query member ${key} is a ${typeof value}, which the query protocols cannot send`);
  }
}

function writeField(fields: string[], key: string, value: string): void {
  fields.push(`${encodeQueryComponent(key)}=${encodeQueryComponent(value)}`);
}
