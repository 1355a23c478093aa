import type { AdvancedEventSelector, EventSelector, Trail } from '@aws-sdk/client-cloudtrail';
import type { TrailConfig } from '../controls/cloudtrail/trail';
import type { CloudTrailPort } from '../remediation/cloudtrail';
import { isErrorNamed } from './errors';
import type { JsonService } from './wire/json';

// CloudTrail's answers as this adapter reads them. Trail, EventSelector and AdvancedEventSelector
// (SDK types, type-only) have no timestamp members, so the JSON answer has their shape exactly.
// GetTrailStatus carries dates (epoch seconds in JSON), but only IsLogging is read.
interface TrailStatusOutput {
  IsLogging?: boolean;
}
interface EventSelectorsOutput {
  EventSelectors?: EventSelector[];
  AdvancedEventSelectors?: AdvancedEventSelector[];
}
interface GetTrailOutput {
  Trail?: Trail;
}
interface DescribeTrailsOutput {
  trailList?: Trail[];
}

/** CloudTrail's "no such trail" (an ARN that names none is invalid, not missing, in CloudTrail's words). */
export const isTrailNotFound = (error: unknown) => isErrorNamed(error, 'TrailNotFoundException', 'CloudTrailARNInvalidException');

async function orUndefined<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (isTrailNotFound(error)) return undefined;
    throw error;
  }
}

function configOf(trail: Trail): TrailConfig {
  const config: TrailConfig = {
    s3BucketName: trail.S3BucketName,
    s3KeyPrefix: trail.S3KeyPrefix,
    includeGlobalServiceEvents: trail.IncludeGlobalServiceEvents,
    isMultiRegionTrail: trail.IsMultiRegionTrail,
    logFileValidationEnabled: trail.LogFileValidationEnabled,
    kmsKeyId: trail.KmsKeyId,
    cloudWatchLogsLogGroupArn: trail.CloudWatchLogsLogGroupArn,
    cloudWatchLogsRoleArn: trail.CloudWatchLogsRoleArn,
  };
  return Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined && v !== '')) as TrailConfig;
}

export function cloudTrailAdapter(cloudTrail: JsonService): CloudTrailPort {
  return {
    isLogging: (trailArn) => orUndefined(async () => (await cloudTrail.call<TrailStatusOutput>('GetTrailStatus', { Name: trailArn })).IsLogging ?? false),
    async startLogging(trailArn) {
      await cloudTrail.call('StartLogging', { Name: trailArn });
    },
    getSelectors: (trailArn) =>
      orUndefined(async () => {
        const out = await cloudTrail.call<EventSelectorsOutput>('GetEventSelectors', { TrailName: trailArn });
        return {
          ...(out.EventSelectors?.length ? { eventSelectors: out.EventSelectors } : {}),
          ...(out.AdvancedEventSelectors?.length ? { advancedEventSelectors: out.AdvancedEventSelectors } : {}),
        };
      }),
    async putSelectors(trailArn, selectors) {
      await cloudTrail.call('PutEventSelectors', {
        TrailName: trailArn,
        ...(selectors.advancedEventSelectors?.length
          ? { AdvancedEventSelectors: selectors.advancedEventSelectors as AdvancedEventSelector[] }
          : { EventSelectors: (selectors.eventSelectors ?? []) as EventSelector[] }),
      });
    },
    getConfig: (trailArn) =>
      orUndefined(async () => {
        const { Trail: trail } = await cloudTrail.call<GetTrailOutput>('GetTrail', { Name: trailArn });
        return trail ? configOf(trail) : undefined;
      }),
    async updateConfig(trailArn, settings) {
      await cloudTrail.call('UpdateTrail', {
        Name: trailArn,
        ...(settings.isMultiRegionTrail ? { IsMultiRegionTrail: true } : {}),
        ...(settings.includeGlobalServiceEvents ? { IncludeGlobalServiceEvents: true } : {}),
        ...(settings.logFileValidationEnabled ? { EnableLogFileValidation: true } : {}),
        ...(settings.kmsKeyId ? { KmsKeyId: settings.kmsKeyId } : {}),
        ...(settings.s3BucketName ? { S3BucketName: settings.s3BucketName } : {}),
        ...(settings.s3KeyPrefix ? { S3KeyPrefix: settings.s3KeyPrefix } : {}),
        ...(settings.cloudWatchLogsLogGroupArn ? { CloudWatchLogsLogGroupArn: settings.cloudWatchLogsLogGroupArn } : {}),
        ...(settings.cloudWatchLogsRoleArn ? { CloudWatchLogsRoleArn: settings.cloudWatchLogsRoleArn } : {}),
      });
    },
    async listTrails() {
      const { trailList = [] } = await cloudTrail.call<DescribeTrailsOutput>('DescribeTrails', { includeShadowTrails: false });
      return trailList
        .filter((t) => t.Name && t.TrailARN)
        .map((t) => ({ name: t.Name as string, arn: t.TrailARN as string, ...(t.KmsKeyId ? { kmsKeyId: t.KmsKeyId } : {}) }));
    },
  };
}
