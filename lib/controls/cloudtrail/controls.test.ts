import { cloneWith, fixture } from '../../../test/support/fixtures';
import { NO_BASELINES, type Baseline, type BaselineLookup } from '../../baseline/types';
import { parseChange } from '../../events/parse';
import { parsePolicy } from '../../policy/load';
import { evaluateChange } from '../evaluate';
import { controlIds } from '../registry';
import type { Control, LiveState } from '../types';
import { trailConfigWeakened, trailDeleted, trailSelectorsWeakened, trailStopped } from './controls';
import { TRAIL_BASELINE_KIND, type TrailBaseline } from './trail';

const policy = parsePolicy('protect:\n  trails: ["*"]\n', 'test-policy.yml', controlIds);
const onlyProd = parsePolicy('protect:\n  trails: ["prod-*"]\n', 'test-policy.yml', controlIds);

function run(control: Control, record: unknown, baselines: BaselineLookup = NO_BASELINES, config = policy) {
  return evaluateChange(parseChange(record), { policy: config, baselines }, [control]).findings;
}

function baselineOf(trailArn: string, change: Partial<TrailBaseline> = {}): BaselineLookup {
  const definition: TrailBaseline = {
    name: trailArn.split('/').pop() as string,
    trailArn,
    isLogging: true,
    config: {
      s3BucketName: 'org-trail-logs',
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      logFileValidationEnabled: true,
      kmsKeyId: 'arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    },
    selectors: { eventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: true, DataResources: [], ExcludeManagementEventSources: [] }] },
    ...change,
  };
  const baseline: Baseline = { resource: trailArn, kind: TRAIL_BASELINE_KIND, definition, capturedAt: '2026-01-01T00:00:00Z', source: 'snapshot' };
  return new Map([[trailArn, baseline]]);
}

describe('trail-stopped', () => {
  it.each([
    ['cloudtrail_StopLogging_fivexl-cloudtrail-to-slack_1.json'],
    ['cloudtrail_StopLogging_panther-analysis_1.json'],
    ['cloudtrail_StopLogging_reflex_envelope_1.json'],
    ['cloudtrail_StopLogging_stratus-red-team_1.json'],
    ['cloudtrail_StopLogging_streamalert_1.json'],
  ])('flags the successful StopLogging in %s and plans StartLogging', (name) => {
    const findings = run(trailStopped, fixture(name));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ control: 'trail-stopped', severity: 'critical', plan: { kind: 'start-trail-logging' } });
    expect(findings[0]?.resource).toMatch(/^arn:aws:cloudtrail:[^:]+:[^:]+:trail\/.+/);
  });

  it.each([
    ['cloudtrail_StopLogging_invictus-aws-dataset_1.json'],
    ['cloudtrail_StopLogging_invictus-aws-dataset_3.json'],
    ['cloudtrail_StopLogging_panther-analysis_2.json'],
    ['cloudtrail_StopLogging_panther-analysis-scenario_1.json'],
  ])('ignores the failed StopLogging in %s', (name) => {
    expect(run(trailStopped, fixture(name))).toEqual([]);
  });

  it('names the trail by the ARN it was given, or builds it from the name, region and account', () => {
    expect(run(trailStopped, fixture('cloudtrail_StopLogging_panther-analysis_1.json'))[0]?.resource).toBe(
      'arn:aws:cloudtrail:us-west-2:123456789012:trail/example-trail',
    );
    expect(run(trailStopped, fixture('cloudtrail_StopLogging_stratus-red-team_1.json'))[0]?.resource).toBe(
      'arn:aws:cloudtrail:apiso-centralnorth-2r:143434273843:trail/stratus-red-team-ct-stop-trail-buykxbqejv',
    );
  });

  it('ignores a trail that protect.trails does not cover', () => {
    expect(run(trailStopped, fixture('cloudtrail_StopLogging_panther-analysis_1.json'), NO_BASELINES, onlyProd)).toEqual([]);
  });

  it.each([
    [{ kind: 'trail-status', trailArn: 't', isLogging: false }, true],
    [{ kind: 'trail-status', trailArn: 't', isLogging: true }, false],
    [{ kind: 'trail-status', trailArn: 't', isLogging: undefined }, false],
  ] as Array<[LiveState, boolean]>)('re-checks live state %j before restarting (acts: %s)', (live, acts) => {
    const plan = { kind: 'start-trail-logging' as const, trailArn: 't' };
    expect(trailStopped.recheck(plan, live) !== undefined).toBe(acts);
  });
});

describe('trail-deleted', () => {
  it.each([
    ['cloudtrail_DeleteTrail_invictus-aws-dataset_2.json'],
    ['cloudtrail_DeleteTrail_invictus-aws-dataset_3.json'],
    ['cloudtrail_DeleteTrail_stratus-red-team_1.json'],
    ['cloudtrail_DeleteTrail_panther-analysis_1.json'],
    ['cloudtrail_DeleteTrail_fivexl-cloudtrail-to-slack_1.json'],
  ])('flags the successful DeleteTrail in %s as critical, alert only', (name) => {
    const findings = run(trailDeleted, fixture(name));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ control: 'trail-deleted', severity: 'critical' });
    expect(findings[0]?.plan).toBeUndefined();
  });

  it.each([['cloudtrail_DeleteTrail_invictus-aws-dataset_1.json'], ['cloudtrail_DeleteTrail_panther-analysis_2.json']])(
    'ignores the failed DeleteTrail in %s',
    (name) => {
      expect(run(trailDeleted, fixture(name))).toEqual([]);
    },
  );

  it('shows the baseline settings as what was lost, when there is one', () => {
    const arn = 'arn:aws:cloudtrail:us-west-2:123456789012:trail/example-trail';
    const [finding] = run(trailDeleted, fixture('cloudtrail_DeleteTrail_panther-analysis_1.json'), baselineOf(arn));
    expect(finding?.evidence.before).toMatchObject({ config: { s3BucketName: 'org-trail-logs' } });
  });
});

describe('trail-selectors-weakened', () => {
  const PANTHER = 'cloudtrail_PutEventSelectors_panther-analysis_1.json';
  const PANTHER_ARN = 'arn:aws:cloudtrail:us-west-2:111122223333:trail/sample-cloudtrail-name';
  const withSelectors = (selectors: Record<string, unknown>) =>
    cloneWith(PANTHER, (r) => {
      r.requestParameters = { trailName: 'sample-cloudtrail-name', ...selectors };
      r.responseElements = { trailARN: PANTHER_ARN, ...selectors };
    });

  it.each([
    ['cloudtrail_PutEventSelectors_invictus-aws-dataset_1.json'],
    ['cloudtrail_PutEventSelectors_panther-analysis_1.json'],
    ['cloudtrail_PutEventSelectors_stratus-red-team_1.json'],
  ])('flags %s (management events excluded, ReadOnly) even without a baseline', (name) => {
    const [finding, ...more] = run(trailSelectorsWeakened, fixture(name));
    expect(more).toEqual([]);
    expect(finding?.evidence.summary).toContain('management events are no longer recorded');
    expect(finding?.plan).toBeUndefined(); // nothing to restore to
  });

  it.each([['cloudtrail_PutEventSelectors_invictus-aws-dataset_2.json'], ['cloudtrail_PutEventSelectors_panther-analysis_2.json']])(
    'accepts %s (all management events recorded)',
    (name) => {
      expect(run(trailSelectorsWeakened, fixture(name))).toEqual([]);
    },
  );

  it('plans restoring the baseline selectors when there is a baseline', () => {
    const [finding] = run(trailSelectorsWeakened, fixture(PANTHER), baselineOf(PANTHER_ARN));
    expect(finding?.plan).toEqual({ kind: 'restore-trail-selectors', trailArn: PANTHER_ARN, selectors: expect.objectContaining({ eventSelectors: expect.any(Array) }) });
  });

  it.each([
    ['read/write narrowed to WriteOnly against an All baseline', { eventSelectors: [{ readWriteType: 'WriteOnly', includeManagementEvents: true }] }, 'read management events'],
    ['a management event source excluded', { eventSelectors: [{ readWriteType: 'All', includeManagementEvents: 'true', excludeManagementEventSources: ['kms.amazonaws.com'] }] }, 'kms.amazonaws.com'],
    ['advanced selectors that keep only data events', { advancedEventSelectors: [{ name: 'data', fieldSelectors: [{ field: 'eventCategory', equals: ['Data'] }, { field: 'resources.type', equals: ['AWS::S3::Object'] }] }] }, 'management events are no longer recorded'],
    ['advanced selectors that keep only read management events', { advancedEventSelectors: [{ name: 'mgmt', fieldSelectors: [{ field: 'eventCategory', equals: ['Management'] }, { field: 'readOnly', equals: ['true'] }] }] }, 'write management events'],
    ['advanced selectors that exclude an event source', { advancedEventSelectors: [{ fieldSelectors: [{ field: 'eventCategory', equals: ['Management'] }, { field: 'eventSource', notEquals: ['events.amazonaws.com'] }] }] }, 'events.amazonaws.com'],
  ])('flags %s', (_what, selectors, reason) => {
    const [finding] = run(trailSelectorsWeakened, withSelectors(selectors), baselineOf(PANTHER_ARN));
    expect(finding?.evidence.summary).toContain(reason);
    expect(finding?.plan?.kind).toBe('restore-trail-selectors');
  });

  it.each([
    ['advanced selectors recording all management events', { advancedEventSelectors: [{ name: 'all', fieldSelectors: [{ field: 'eventCategory', equals: ['Management'] }] }] }],
    ['basic selectors with the defaults (management events, All)', { eventSelectors: [{ dataResources: [] }] }],
  ])('accepts %s', (_what, selectors) => {
    expect(run(trailSelectorsWeakened, withSelectors(selectors), baselineOf(PANTHER_ARN))).toEqual([]);
  });

  // Found by fuzzing (test/unit/fuzz/controls.fuzz.test.ts): String() threw "Cannot convert object to
  // primitive value" on an object whose toString is not a function, failing the control.
  it.each([
    ['a readWriteType object with a toString key', { eventSelectors: [{ readWriteType: { toString: 'All' }, includeManagementEvents: true }] }],
    ['an advanced selector field object with a toString key', { advancedEventSelectors: [{ fieldSelectors: [{ field: { toString: 1 }, equals: ['Management'] }] }] }],
  ])('flags %s as not recording management events, without throwing', (_what, selectors) => {
    const evaluation = evaluateChange(parseChange(withSelectors(selectors)), { policy, baselines: baselineOf(PANTHER_ARN) }, [trailSelectorsWeakened]);
    expect(evaluation.failures).toEqual([]);
    expect(evaluation.findings.map((f) => f.evidence.summary)).toEqual([expect.stringContaining('no longer recorded')]);
  });

  it('does not restore when the live selectors already record what the baseline did', () => {
    const [finding] = run(trailSelectorsWeakened, fixture(PANTHER), baselineOf(PANTHER_ARN));
    const plan = finding?.plan;
    expect(plan).toBeDefined();
    const live = { kind: 'trail-selectors' as const, trailArn: PANTHER_ARN, selectors: { eventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: true }] } };
    expect(trailSelectorsWeakened.recheck(plan!, live)).toBeUndefined();
    const stillWeak = { ...live, selectors: { eventSelectors: [{ ReadWriteType: 'ReadOnly', IncludeManagementEvents: true }] } };
    expect(trailSelectorsWeakened.recheck(plan!, stillWeak)).toEqual(plan);
  });
});

describe('trail-config-weakened', () => {
  const ELASTIC = 'cloudtrail_UpdateTrail_elastic-integrations_2.json';
  const ELASTIC_ARN = 'arn:aws:cloudtrail:us-west-2:0123456789012:trail/TEST-trail';
  const STREAMALERT = 'cloudtrail_UpdateTrail_streamalert_1.json';

  it('flags log file validation turned off (elastic sample) and plans turning it back on', () => {
    const [finding, ...more] = run(trailConfigWeakened, fixture(ELASTIC));
    expect(more).toEqual([]);
    expect(finding?.resource).toBe(ELASTIC_ARN);
    expect(finding?.evidence.summary).toContain('log file integrity validation turned off');
    expect(finding?.plan).toEqual({ kind: 'restore-trail-config', trailArn: ELASTIC_ARN, settings: { logFileValidationEnabled: true } });
  });

  it('flags multi-region turned off in a management event, and restores global service events with it', () => {
    const record = cloneWith('cloudtrail_UpdateTrail_panther-analysis_1.json', (r) => {
      delete r.eventCategory;
      r.eventType = 'AwsApiCall';
    });
    const [finding] = run(trailConfigWeakened, record);
    expect(finding?.plan).toMatchObject({ settings: { isMultiRegionTrail: true, includeGlobalServiceEvents: true } });
  });

  it.each([
    ['the network-activity copy of a call through a VPC endpoint (its management event is judged)', 'cloudtrail_UpdateTrail_panther-analysis_1.json'],
    ['a console save that repeats an empty kmsKeyId, with no baseline to compare', STREAMALERT],
    ['a failed UpdateTrail', 'cloudtrail_UpdateTrail_awsdocs-cloudtrail_1.json'],
    ['an UpdateTrail with no parameters', 'cloudtrail_UpdateTrail_fivexl-cloudtrail-to-slack_1.json'],
  ])('ignores %s', (_what, name) => {
    expect(run(trailConfigWeakened, fixture(name))).toEqual([]);
  });

  it.each([
    ['KMS encryption removed', { kmsKeyId: '' }, 'KMS encryption removed', { kmsKeyId: 'arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' }],
    ['the log bucket changed', { s3BucketName: 'attacker-bucket' }, 'log bucket changed', { s3BucketName: 'org-trail-logs' }],
  ])('against a baseline, flags %s and plans the baseline value', (_what, change, reason, settings) => {
    const record = cloneWith(ELASTIC, (r) => {
      r.requestParameters = { name: ELASTIC_ARN, ...change };
      r.responseElements = null;
    });
    const [finding] = run(trailConfigWeakened, record, baselineOf(ELASTIC_ARN));
    expect(finding?.evidence.summary).toContain(reason);
    expect(finding?.plan).toEqual({ kind: 'restore-trail-config', trailArn: ELASTIC_ARN, settings });
  });

  it('plans the baseline CloudWatch Logs group and delivery role when delivery is removed', () => {
    const record = cloneWith(ELASTIC, (r) => {
      r.requestParameters = { name: ELASTIC_ARN, cloudWatchLogsLogGroupArn: '' };
    });
    const config = { cloudWatchLogsLogGroupArn: 'arn:aws:logs:us-west-2:123456789012:log-group:trail:*', cloudWatchLogsRoleArn: 'arn:aws:iam::123456789012:role/trail-logs' };
    const [finding] = run(trailConfigWeakened, record, baselineOf(ELASTIC_ARN, { config }));
    expect(finding?.evidence.summary).toContain('CloudWatch Logs delivery removed');
    expect(finding?.plan).toEqual({ kind: 'restore-trail-config', trailArn: ELASTIC_ARN, settings: config });
  });

  it('alerts on a CloudWatch Logs group removed without a plan when the baseline has no delivery role', () => {
    const record = cloneWith(ELASTIC, (r) => {
      r.requestParameters = { name: ELASTIC_ARN, cloudWatchLogsLogGroupArn: '' };
    });
    const baselines = baselineOf(ELASTIC_ARN, { config: { cloudWatchLogsLogGroupArn: 'arn:aws:logs:us-west-2:123456789012:log-group:trail:*' } });
    const [finding] = run(trailConfigWeakened, record, baselines);
    expect(finding?.evidence.summary).toContain('CloudWatch Logs delivery removed');
    expect(finding?.plan).toBeUndefined();
  });

  it('re-checks the log group live: restores group and role together, or nothing when it is back', () => {
    const settings = { cloudWatchLogsLogGroupArn: 'arn:aws:logs:us-west-2:1:log-group:trail:*', cloudWatchLogsRoleArn: 'arn:aws:iam::1:role/trail-logs' };
    const plan = { kind: 'restore-trail-config' as const, trailArn: ELASTIC_ARN, settings };
    const live = (config: object): LiveState => ({ kind: 'trail-config', trailArn: ELASTIC_ARN, config });
    expect(trailConfigWeakened.recheck(plan, live({}))).toEqual(plan);
    expect(trailConfigWeakened.recheck(plan, live(settings))).toBeUndefined();
  });

  it('re-checks live state and restores only what is still missing', () => {
    const plan = { kind: 'restore-trail-config' as const, trailArn: ELASTIC_ARN, settings: { logFileValidationEnabled: true as const, kmsKeyId: 'arn:aws:kms:us-west-2:1:key/k' } };
    const live = (config: object): LiveState => ({ kind: 'trail-config', trailArn: ELASTIC_ARN, config });
    expect(trailConfigWeakened.recheck(plan, live({ logFileValidationEnabled: true, kmsKeyId: 'arn:aws:kms:us-west-2:1:key/k' }))).toBeUndefined();
    expect(trailConfigWeakened.recheck(plan, live({ logFileValidationEnabled: true }))).toEqual({ ...plan, settings: { kmsKeyId: 'arn:aws:kms:us-west-2:1:key/k' } });
    expect(trailConfigWeakened.recheck(plan, { kind: 'trail-config', trailArn: ELASTIC_ARN, config: undefined })).toBeUndefined();
  });
});
