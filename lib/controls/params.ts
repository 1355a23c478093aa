import { isRecord } from '../util/json';

/**
 * A request parameter by name, whatever its casing: CloudTrail records the same
 * parameter as `trailName`, `TrailName` or `trailname` depending on the service and
 * the API version that wrote it.
 */
export function param(params: unknown, name: string): unknown {
  if (!isRecord(params)) return undefined;
  const wanted = name.toLowerCase();
  const key = Object.keys(params).find((k) => k.toLowerCase() === wanted);
  return key === undefined ? undefined : params[key];
}

/** A non-empty string parameter, or undefined. */
export function textParam(params: unknown, name: string): string | undefined {
  const value = param(params, name);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Booleans arrive as JSON booleans and as "true"/"false" strings; anything else is undefined. */
export function booleanOf(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  return undefined;
}
