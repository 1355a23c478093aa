import {
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  GetTrailCommand,
  GetTrailStatusCommand,
  PutEventSelectorsCommand,
  StartLoggingCommand,
  UpdateTrailCommand,
  type AdvancedEventSelector,
  type CloudTrailClient,
  type EventSelector,
  type Trail,
} from '@aws-sdk/client-cloudtrail';
import type { TrailConfig } from '../controls/cloudtrail/trail';
import type { CloudTrailPort } from '../remediation/cloudtrail';
import { isErrorNamed } from './errors';

const isNotFound = (error: unknown) => isErrorNamed(error, 'TrailNotFoundException', 'CloudTrailARNInvalidException');

async function orUndefined<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (isNotFound(error)) return undefined;
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

export function cloudTrailAdapter(client: CloudTrailClient): CloudTrailPort {
  return {
    isLogging: (trailArn) => orUndefined(async () => (await client.send(new GetTrailStatusCommand({ Name: trailArn }))).IsLogging ?? false),
    async startLogging(trailArn) {
      await client.send(new StartLoggingCommand({ Name: trailArn }));
    },
    getSelectors: (trailArn) =>
      orUndefined(async () => {
        const out = await client.send(new GetEventSelectorsCommand({ TrailName: trailArn }));
        return {
          ...(out.EventSelectors?.length ? { eventSelectors: out.EventSelectors } : {}),
          ...(out.AdvancedEventSelectors?.length ? { advancedEventSelectors: out.AdvancedEventSelectors } : {}),
        };
      }),
    async putSelectors(trailArn, selectors) {
      await client.send(
        new PutEventSelectorsCommand({
          TrailName: trailArn,
          ...(selectors.advancedEventSelectors?.length
            ? { AdvancedEventSelectors: selectors.advancedEventSelectors as AdvancedEventSelector[] }
            : { EventSelectors: (selectors.eventSelectors ?? []) as EventSelector[] }),
        }),
      );
    },
    getConfig: (trailArn) =>
      orUndefined(async () => {
        const { Trail: trail } = await client.send(new GetTrailCommand({ Name: trailArn }));
        return trail ? configOf(trail) : undefined;
      }),
    async updateConfig(trailArn, settings) {
      await client.send(
        new UpdateTrailCommand({
          Name: trailArn,
          ...(settings.isMultiRegionTrail ? { IsMultiRegionTrail: true } : {}),
          ...(settings.includeGlobalServiceEvents ? { IncludeGlobalServiceEvents: true } : {}),
          ...(settings.logFileValidationEnabled ? { EnableLogFileValidation: true } : {}),
          ...(settings.kmsKeyId ? { KmsKeyId: settings.kmsKeyId } : {}),
          ...(settings.s3BucketName ? { S3BucketName: settings.s3BucketName } : {}),
          ...(settings.s3KeyPrefix ? { S3KeyPrefix: settings.s3KeyPrefix } : {}),
          ...(settings.cloudWatchLogsLogGroupArn ? { CloudWatchLogsLogGroupArn: settings.cloudWatchLogsLogGroupArn } : {}),
          ...(settings.cloudWatchLogsRoleArn ? { CloudWatchLogsRoleArn: settings.cloudWatchLogsRoleArn } : {}),
        }),
      );
    },
    async listTrails() {
      const { trailList = [] } = await client.send(new DescribeTrailsCommand({ includeShadowTrails: false }));
      return trailList
        .filter((t) => t.Name && t.TrailARN)
        .map((t) => ({ name: t.Name as string, arn: t.TrailARN as string, ...(t.KmsKeyId ? { kmsKeyId: t.KmsKeyId } : {}) }));
    },
  };
}
