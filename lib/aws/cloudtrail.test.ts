/**
 * The CloudTrail adapter over the functions' own JSON client: what it asks CloudTrail, how it
 * reads the answers, and which errors mean "the trail no longer exists". The calls themselves
 * run against moto in test/integration/trail-response.test.ts.
 */
import { fakeJsonService, jsonError, scriptedJsonService } from '../../test/support/json-services';
import { cloudTrailAdapter } from './cloudtrail';
import { CLOUDTRAIL } from './wire/services';

const TRAIL = 'arn:aws:cloudtrail:us-east-1:123456789012:trail/org';
const NAMESPACE = 'com.amazonaws.cloudtrail';

describe('cloudTrailAdapter', () => {
  it('reads a trail status, its selectors and its settings with the inputs CloudTrail names', async () => {
    // Prepare
    const { service, calls } = fakeJsonService((operation) => {
      switch (operation) {
        // GetTrailStatus dates are epoch seconds in JSON; only IsLogging is read.
        case 'GetTrailStatus':
          return { IsLogging: true, StartLoggingTime: 1_732_000_000.5 };
        case 'GetEventSelectors':
          return { TrailARN: TRAIL, EventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: true }] };
        case 'GetTrail':
          return { Trail: { Name: 'org', TrailARN: TRAIL, S3BucketName: 'logs', S3KeyPrefix: '', IsMultiRegionTrail: true, LogFileValidationEnabled: false } };
        default:
          throw new Error(`unexpected ${operation}`);
      }
    });
    const adapter = cloudTrailAdapter(service);

    // Act
    const logging = await adapter.isLogging(TRAIL);
    const selectors = await adapter.getSelectors(TRAIL);
    const config = await adapter.getConfig(TRAIL);

    // Assess
    expect(logging).toBe(true);
    expect(selectors).toEqual({ eventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: true }] });
    expect(config).toEqual({ s3BucketName: 'logs', isMultiRegionTrail: true, logFileValidationEnabled: false });
    expect(calls).toEqual([
      { operation: 'GetTrailStatus', input: { Name: TRAIL } },
      { operation: 'GetEventSelectors', input: { TrailName: TRAIL } },
      { operation: 'GetTrail', input: { Name: TRAIL } },
    ]);
  });

  it('writes advanced selectors in preference to basic ones, and only the weakened settings back', async () => {
    // Prepare
    const { service, calls } = fakeJsonService(() => ({}));
    const adapter = cloudTrailAdapter(service);
    const advanced = [{ Name: 'all', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] }];

    // Act
    await adapter.putSelectors(TRAIL, { advancedEventSelectors: advanced, eventSelectors: [{ ReadWriteType: 'All' }] });
    await adapter.updateConfig(TRAIL, { logFileValidationEnabled: true, kmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/k-1' });
    await adapter.startLogging(TRAIL);

    // Assess
    expect(calls).toEqual([
      { operation: 'PutEventSelectors', input: { TrailName: TRAIL, AdvancedEventSelectors: advanced } },
      { operation: 'UpdateTrail', input: { Name: TRAIL, EnableLogFileValidation: true, KmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/k-1' } },
      { operation: 'StartLogging', input: { Name: TRAIL } },
    ]);
  });

  it('lists the trails of this region with their KMS key, without shadow copies', async () => {
    // Prepare
    const { service, calls } = fakeJsonService(() => ({
      trailList: [
        { Name: 'org', TrailARN: TRAIL, KmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/k-1' },
        { Name: 'plain', TrailARN: `${TRAIL}-plain` },
        { Name: 'no-arn' },
      ],
    }));

    // Act
    const trails = await cloudTrailAdapter(service).listTrails();

    // Assess
    expect(trails).toEqual([
      { name: 'org', arn: TRAIL, kmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/k-1' },
      { name: 'plain', arn: `${TRAIL}-plain` },
    ]);
    expect(calls).toEqual([{ operation: 'DescribeTrails', input: { includeShadowTrails: false } }]);
  });

  it.each([['TrailNotFoundException'], ['CloudTrailARNInvalidException']])('reads a trail CloudTrail answers %s for as gone', async (code) => {
    // Prepare
    const { service } = scriptedJsonService(CLOUDTRAIL, jsonError(400, NAMESPACE, code), jsonError(400, NAMESPACE, code), jsonError(400, NAMESPACE, code));
    const adapter = cloudTrailAdapter(service);

    // Act
    const readings = [await adapter.isLogging(TRAIL), await adapter.getSelectors(TRAIL), await adapter.getConfig(TRAIL)];

    // Assess
    expect(readings).toEqual([undefined, undefined, undefined]);
  });

  it('lets any other refusal through: access denied is not "the trail is gone"', async () => {
    // Prepare
    const { service, sent } = scriptedJsonService(CLOUDTRAIL, jsonError(400, NAMESPACE, 'AccessDeniedException'));

    // Act
    const reading = cloudTrailAdapter(service).isLogging(TRAIL);

    // Assess
    await expect(reading).rejects.toMatchObject({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });
    expect(sent[0]?.headers['x-amz-target']).toBe('CloudTrail_20131101.GetTrailStatus');
  });
});
