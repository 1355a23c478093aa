import type { Change } from '../../events/change';
import type { Policy } from '../../policy/schema';
import { asArray, canonicalJson, isRecord } from '../../util/json';
import { matchesAnyGlob } from '../../util/glob';
import { booleanOf, param, textParam } from '../params';

/** Event selectors as CloudTrail stores them (GetEventSelectors; any key casing is read). */
export interface TrailSelectors {
  eventSelectors?: unknown[];
  advancedEventSelectors?: unknown[];
}

/** The settings of a trail that decide what it records and where (GetTrail). */
export interface TrailConfig {
  s3BucketName?: string;
  s3KeyPrefix?: string;
  includeGlobalServiceEvents?: boolean;
  isMultiRegionTrail?: boolean;
  logFileValidationEnabled?: boolean;
  kmsKeyId?: string;
  cloudWatchLogsLogGroupArn?: string;
  cloudWatchLogsRoleArn?: string;
}

/** Baseline kind `cloudtrail-trail`: what a protected trail looked like when it was last known good. */
export interface TrailBaseline {
  name: string;
  trailArn: string;
  isLogging: boolean;
  config: TrailConfig;
  selectors: TrailSelectors;
}

export const TRAIL_BASELINE_KIND = 'cloudtrail-trail';

/** What a trail remediation sets back: only the settings that were weakened. */
export interface TrailSettings {
  isMultiRegionTrail?: true;
  includeGlobalServiceEvents?: true;
  logFileValidationEnabled?: true;
  kmsKeyId?: string;
  s3BucketName?: string;
  s3KeyPrefix?: string;
  /** Restored together: CloudTrail needs the delivery role with the log group. */
  cloudWatchLogsLogGroupArn?: string;
  cloudWatchLogsRoleArn?: string;
}

export interface StartTrailLoggingPlan {
  kind: 'start-trail-logging';
  trailArn: string;
}

export interface RestoreTrailSelectorsPlan {
  kind: 'restore-trail-selectors';
  trailArn: string;
  selectors: TrailSelectors;
}

export interface RestoreTrailConfigPlan {
  kind: 'restore-trail-config';
  trailArn: string;
  settings: TrailSettings;
}

export type TrailPlan = StartTrailLoggingPlan | RestoreTrailSelectorsPlan | RestoreTrailConfigPlan;

/** Live trail state a remediator read back; `undefined` fields: the trail no longer exists. */
export type TrailLiveState =
  | { kind: 'trail-status'; trailArn: string; isLogging: boolean | undefined }
  | { kind: 'trail-selectors'; trailArn: string; selectors: TrailSelectors | undefined }
  | { kind: 'trail-config'; trailArn: string; config: TrailConfig | undefined };

export interface TrailRef {
  name: string;
  arn: string;
}

function partitionOf(change: Change): string {
  const arn = change.actor.arn ?? '';
  return /^arn:(aws[\w-]*):/.exec(arn)?.[1] ?? 'aws';
}

/** The trail name from a name or an ARN (arn:aws:cloudtrail:r:a:trail/name). */
export function trailNameOf(nameOrArn: string): string {
  return /:trail\/(.+)$/.exec(nameOrArn)?.[1] ?? nameOrArn;
}

/**
 * The trail a change names: `name` (StopLogging, DeleteTrail, UpdateTrail) or
 * `trailName` (PutEventSelectors), either a name or an ARN. The response's trailARN
 * wins when present: it is what CloudTrail resolved the name to.
 */
export function trailOf(change: Change): TrailRef | undefined {
  const given = textParam(change.requestParameters, 'name') ?? textParam(change.requestParameters, 'trailName');
  if (!given) return undefined;
  const responseArn = textParam(change.responseElements, 'trailARN');
  const arn =
    given.startsWith('arn:') ? given : responseArn ?? `arn:${partitionOf(change)}:cloudtrail:${change.region}:${change.account}:trail/${given}`;
  return { name: trailNameOf(given), arn };
}

export function isProtectedTrail(trail: TrailRef, policy: Policy): boolean {
  return matchesAnyGlob(trail.name, policy.protect.trails) || matchesAnyGlob(trail.arn, policy.protect.trails);
}

/**
 * CloudTrail also records calls that went through a VPC endpoint as network activity
 * events; the same call has its own management event, which is the one judged.
 */
export function isManagementEvent(change: Change): boolean {
  return change.record.eventCategory !== 'NetworkActivity';
}

/** The protected trail a successful management event changed, or undefined. */
export function protectedTrailOf(change: Change, policy: Policy): TrailRef | undefined {
  if (!isManagementEvent(change)) return undefined;
  const trail = trailOf(change);
  return trail && isProtectedTrail(trail, policy) ? trail : undefined;
}

export function trailBaselineOf(definition: unknown): TrailBaseline | undefined {
  return isRecord(definition) && isRecord(definition.config) && isRecord(definition.selectors) ? (definition as unknown as TrailBaseline) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Event selectors: what management events a trail records.

/** The management events a set of selectors records. */
export interface ManagementCoverage {
  read: boolean;
  write: boolean;
  /** Event sources left out (excludeManagementEventSources, or eventSource NotEquals/Equals). */
  excludedSources: string[];
}

const NONE: ManagementCoverage = { read: false, write: false, excludedSources: [] };

/** A selector value as text: never throws (String() does on an object whose toString is not callable); a non-string matches no known value. */
function textOf(value: unknown): string {
  return typeof value === 'string' ? value : canonicalJson(value);
}

function strings(value: unknown): string[] {
  return asArray(value as unknown[]).filter((v): v is string => typeof v === 'string');
}

function intersect(lists: string[][]): string[] {
  if (lists.length === 0) return [];
  return [...new Set(lists[0])].filter((s) => lists.every((l) => l.includes(s))).sort();
}

/** Basic selectors: IncludeManagementEvents defaults to true and ReadWriteType to All (CloudTrail API reference). */
function basicCoverage(selectors: unknown[]): ManagementCoverage {
  const management = selectors.filter((s) => isRecord(s) && (booleanOf(param(s, 'includeManagementEvents')) ?? true));
  if (management.length === 0) return NONE;
  const type = (s: unknown) => textOf(param(s, 'readWriteType') ?? 'All');
  return {
    read: management.some((s) => ['All', 'ReadOnly'].includes(type(s))),
    write: management.some((s) => ['All', 'WriteOnly'].includes(type(s))),
    excludedSources: intersect(management.map((s) => strings(param(s, 'excludeManagementEventSources')))),
  };
}

/** Advanced selectors: a selector records management events when its eventCategory field equals Management. */
function advancedCoverage(selectors: unknown[]): ManagementCoverage {
  const fieldsOf = (s: unknown) => asArray(param(s, 'fieldSelectors') as unknown[]).filter(isRecord);
  const field = (s: unknown, name: string) => fieldsOf(s).find((f) => textOf(param(f, 'field') ?? '').toLowerCase() === name.toLowerCase());
  const management = selectors.filter((s) => strings(param(field(s, 'eventCategory'), 'equals')).includes('Management'));
  if (management.length === 0) return NONE;
  const readOnly = (s: unknown) => strings(param(field(s, 'readOnly'), 'equals')).map((v) => v.toLowerCase());
  const excluded = (s: unknown) => {
    const source = field(s, 'eventSource');
    const only = strings(param(source, 'equals'));
    if (only.length > 0) return [`every source except ${only.sort().join(', ')}`];
    return strings(param(source, 'notEquals'));
  };
  return {
    read: management.some((s) => readOnly(s).length === 0 || readOnly(s).includes('true')),
    write: management.some((s) => readOnly(s).length === 0 || readOnly(s).includes('false')),
    excludedSources: intersect(management.map(excluded)),
  };
}

export function coverageOf(selectors: TrailSelectors | Record<string, unknown>): ManagementCoverage {
  const advanced = asArray(param(selectors, 'advancedEventSelectors') as unknown[]);
  if (advanced.length > 0) return advancedCoverage(advanced);
  return basicCoverage(asArray(param(selectors, 'eventSelectors') as unknown[]));
}

/** Why `after` records less than `before` (or, with no baseline, less than a guard needs). Empty: not weakened. */
export function selectorWeakenings(after: ManagementCoverage, before: ManagementCoverage | undefined): string[] {
  const reasons: string[] = [];
  if (!after.read && !after.write) {
    if (!before || before.read || before.write) reasons.push('management events are no longer recorded');
    return reasons;
  }
  if (before) {
    if (before.write && !after.write) reasons.push('write management events are no longer recorded (read/write narrowed to ReadOnly)');
    if (before.read && !after.read) reasons.push('read management events are no longer recorded (read/write narrowed to WriteOnly)');
  } else if (!after.write) {
    reasons.push('write management events are no longer recorded (read/write narrowed to ReadOnly)');
  }
  const newlyExcluded = after.excludedSources.filter((s) => !(before?.excludedSources ?? []).includes(s));
  if (newlyExcluded.length > 0) reasons.push(`management events from ${newlyExcluded.join(', ')} are excluded`);
  return reasons;
}

/** The selectors a PutEventSelectors writes (the response echoes what CloudTrail stored). */
export function selectorsWritten(change: Change): TrailSelectors {
  const source = isRecord(change.responseElements) && (param(change.responseElements, 'eventSelectors') || param(change.responseElements, 'advancedEventSelectors'))
    ? change.responseElements
    : change.requestParameters;
  const eventSelectors = param(source, 'eventSelectors');
  const advancedEventSelectors = param(source, 'advancedEventSelectors');
  return {
    ...(Array.isArray(eventSelectors) ? { eventSelectors } : {}),
    ...(Array.isArray(advancedEventSelectors) ? { advancedEventSelectors } : {}),
  };
}

export function sameSelectors(a: TrailSelectors, b: TrailSelectors): boolean {
  return canonicalJson(coverageOf(a)) === canonicalJson(coverageOf(b));
}

// ---------------------------------------------------------------------------------------------
// Trail configuration (UpdateTrail).

export interface ConfigWeakening {
  reasons: string[];
  settings: TrailSettings;
}

const sameKey = (a: string | undefined, b: string | undefined) =>
  (a ?? '') === (b ?? '') || (!!a && !!b && (a.endsWith(`/${b}`) || b.endsWith(`/${a}`)));

/**
 * What an UpdateTrail weakened. Turning off multi-region, log file validation or
 * global service events is judged on its own; the bucket, KMS key and log group
 * only against a baseline, because the console sends them unchanged on every save.
 */
export function configWeakening(change: Change, baseline: TrailBaseline | undefined): ConfigWeakening {
  const request = change.requestParameters;
  const before = baseline?.config;
  const reasons: string[] = [];
  const settings: TrailSettings = {};
  const disabled = (name: string) => booleanOf(param(request, name)) === false;

  if (disabled('isMultiRegionTrail') && before?.isMultiRegionTrail !== false) {
    reasons.push('multi-region logging turned off: calls in other regions are no longer recorded');
    settings.isMultiRegionTrail = true;
    settings.includeGlobalServiceEvents = true; // a multi-region trail must include them
  }
  if (disabled('enableLogFileValidation') && before?.logFileValidationEnabled !== false) {
    reasons.push('log file integrity validation turned off');
    settings.logFileValidationEnabled = true;
  }
  if (disabled('includeGlobalServiceEvents') && before?.includeGlobalServiceEvents !== false) {
    reasons.push('global service events (IAM, STS, CloudFront) excluded');
    settings.includeGlobalServiceEvents = true;
  }
  if (before) {
    const kmsKeyId = param(request, 'kmsKeyId');
    const resolvedKey = textParam(change.responseElements, 'kmsKeyId') ?? (typeof kmsKeyId === 'string' ? kmsKeyId : undefined);
    if (before.kmsKeyId && kmsKeyId === '') {
      reasons.push(`KMS encryption removed (was ${before.kmsKeyId})`);
      settings.kmsKeyId = before.kmsKeyId;
    } else if (before.kmsKeyId && resolvedKey && !sameKey(resolvedKey, before.kmsKeyId)) {
      reasons.push(`KMS key changed from ${before.kmsKeyId} to ${resolvedKey}`);
      settings.kmsKeyId = before.kmsKeyId;
    }
    const bucket = textParam(request, 's3BucketName');
    if (bucket && before.s3BucketName && bucket !== before.s3BucketName) {
      reasons.push(`log bucket changed from ${before.s3BucketName} to ${bucket}`);
      settings.s3BucketName = before.s3BucketName;
      if (before.s3KeyPrefix) settings.s3KeyPrefix = before.s3KeyPrefix;
    }
    const logGroup = param(request, 'cloudWatchLogsLogGroupArn');
    if (typeof logGroup === 'string' && before.cloudWatchLogsLogGroupArn && logGroup !== before.cloudWatchLogsLogGroupArn) {
      reasons.push(
        logGroup === ''
          ? `CloudWatch Logs delivery removed (was ${before.cloudWatchLogsLogGroupArn})`
          : `CloudWatch Logs group changed from ${before.cloudWatchLogsLogGroupArn} to ${logGroup}`,
      );
      // Restoring passes the baseline delivery role to CloudTrail (iam:PassRole, this account's
      // roles, to cloudtrail.amazonaws.com only).
      if (before.cloudWatchLogsRoleArn) {
        settings.cloudWatchLogsLogGroupArn = before.cloudWatchLogsLogGroupArn;
        settings.cloudWatchLogsRoleArn = before.cloudWatchLogsRoleArn;
      }
    }
  }
  return { reasons, settings };
}

/** The settings a live trail still lacks; empty when it already matches. */
export function settingsStillMissing(settings: TrailSettings, live: TrailConfig): TrailSettings {
  const missing: TrailSettings = {};
  if (settings.isMultiRegionTrail && live.isMultiRegionTrail !== true) missing.isMultiRegionTrail = true;
  if (settings.includeGlobalServiceEvents && live.includeGlobalServiceEvents !== true) missing.includeGlobalServiceEvents = true;
  if (missing.isMultiRegionTrail) missing.includeGlobalServiceEvents = true;
  if (settings.logFileValidationEnabled && live.logFileValidationEnabled !== true) missing.logFileValidationEnabled = true;
  if (settings.kmsKeyId && !sameKey(live.kmsKeyId, settings.kmsKeyId)) missing.kmsKeyId = settings.kmsKeyId;
  if (settings.s3BucketName && live.s3BucketName !== settings.s3BucketName) {
    missing.s3BucketName = settings.s3BucketName;
    if (settings.s3KeyPrefix) missing.s3KeyPrefix = settings.s3KeyPrefix;
  }
  if (settings.cloudWatchLogsLogGroupArn && settings.cloudWatchLogsRoleArn && live.cloudWatchLogsLogGroupArn !== settings.cloudWatchLogsLogGroupArn) {
    missing.cloudWatchLogsLogGroupArn = settings.cloudWatchLogsLogGroupArn;
    missing.cloudWatchLogsRoleArn = settings.cloudWatchLogsRoleArn;
  }
  return missing;
}

export function describeSettings(settings: TrailSettings): string {
  const parts: string[] = [];
  if (settings.isMultiRegionTrail) parts.push('IsMultiRegionTrail=true');
  if (settings.includeGlobalServiceEvents) parts.push('IncludeGlobalServiceEvents=true');
  if (settings.logFileValidationEnabled) parts.push('EnableLogFileValidation=true');
  if (settings.kmsKeyId) parts.push(`KmsKeyId=${settings.kmsKeyId}`);
  if (settings.s3BucketName) parts.push(`S3BucketName=${settings.s3BucketName}`);
  if (settings.s3KeyPrefix) parts.push(`S3KeyPrefix=${settings.s3KeyPrefix}`);
  if (settings.cloudWatchLogsLogGroupArn) parts.push(`CloudWatchLogsLogGroupArn=${settings.cloudWatchLogsLogGroupArn}`);
  if (settings.cloudWatchLogsRoleArn) parts.push(`CloudWatchLogsRoleArn=${settings.cloudWatchLogsRoleArn}`);
  return parts.join(', ');
}
