import { cloneWith, fixture } from '../../../test/support/fixtures';
import { NO_BASELINES } from '../../baseline/types';
import { parseChange } from '../../events/parse';
import { parsePolicy } from '../../policy/load';
import { memoryBurstCounter } from '../../state/burst-counter';
import { evaluateChange } from '../evaluate';
import { controlIds, controls } from '../registry';
import type { Control } from '../types';
import { isDenial } from './controls';

const burst = controls.find((c) => c.id === 'access-denied-burst') as Control;
const policy = parsePolicy('accessDeniedBurst: { threshold: 5, windowSeconds: 300 }\n', 'test-policy.yml', controlIds);

/** A real failed StopLogging (invictus), cloned into a denial at `time` with a fresh id. */
function denial(i: number, time = '2023-07-10T12:01:00Z', errorCode = 'AccessDenied', source = 'cloudtrail_StopLogging_invictus-aws-dataset_1.json') {
  return cloneWith(source, (r) => {
    r.errorCode = errorCode;
    r.errorMessage = 'User: arn:aws:iam::123837392027:user/bert-jan is not authorized to perform: cloudtrail:StopLogging';
    r.eventID = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    r.eventTime = time;
  });
}

/** What the pipeline does with counted findings: keep the one that crosses the threshold. */
function alerts(records: unknown[]) {
  const counter = memoryBurstCounter();
  return records.flatMap((record) => {
    const change = parseChange(record);
    return evaluateChange(change, { policy, baselines: NO_BASELINES }, controls).findings.filter(
      (f) => f.control === 'access-denied-burst' && f.burst && counter.recordNow(f.burst, change.eventId),
    );
  });
}

describe('access-denied-burst', () => {
  it('watches every API the other controls guard, failed calls included', () => {
    expect(burst.handlesFailedCalls).toBe(true);
    const guarded = controls.filter((c) => c.id !== 'access-denied-burst').flatMap((c) => c.triggers.flatMap((t) => t.eventNames.map((n) => `${t.eventSource} ${n}`)));
    const watched = burst.triggers.flatMap((t) => t.eventNames.map((n) => `${t.eventSource} ${n}`));
    expect(new Set(watched)).toEqual(new Set(guarded));
  });

  it.each([
    ['AccessDenied', true],
    ['AccessDeniedException', true],
    ['Client.UnauthorizedOperation', true],
    ['UnauthorizedOperation', true],
    ['TrailNotFoundException', false],
    ['ThrottlingException', false],
    [undefined, false],
  ])('counts errorCode %s as a denial: %s', (code, counted) => {
    expect(isDenial(code)).toBe(counted);
  });

  it('raises exactly one alert for six denials by one principal in a window, on the fifth', () => {
    const records = [1, 2, 3, 4, 5, 6].map((i) => denial(i));
    const raised = alerts(records);
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({ resource: 'arn:aws:iam::123837392027:user/bert-jan', severity: 'medium', event: { id: '00000000-0000-4000-8000-000000000005' } });
  });

  // Found by fuzzing (FC_NUM_RUNS=3000): a record whose userIdentity.arn is "" gave a finding with an empty resource.
  it('names a principal whose record has an empty ARN by its principal id', () => {
    const records = [1, 2, 3, 4, 5].map((i) => {
      const record = denial(i);
      record.userIdentity.arn = '';
      return record;
    });

    const raised = alerts(records);

    expect(raised).toHaveLength(1);
    expect(raised[0]!.resource).toBe(fixture('cloudtrail_StopLogging_invictus-aws-dataset_1.json').userIdentity.principalId);
  });

  it('raises none for four denials in a window', () => {
    expect(alerts([1, 2, 3, 4].map((i) => denial(i)))).toEqual([]);
  });

  it('counts a retried event once', () => {
    expect(alerts([1, 2, 3, 4, 4, 4].map((i) => denial(i)))).toEqual([]);
  });

  it('counts each window on its own (tumbling windows of windowSeconds)', () => {
    const early = [1, 2, 3].map((i) => denial(i, '2023-07-10T12:01:00Z'));
    const late = [4, 5, 6].map((i) => denial(i, '2023-07-10T12:06:00Z'));
    expect(alerts([...early, ...late])).toEqual([]);
  });

  it('ignores denials on APIs no control guards and errors that are not denials (invictus noise)', () => {
    const unguarded = [1, 2, 3, 4, 5, 6].map((i) =>
      cloneWith('ec2_GetPasswordData_invictus-aws-dataset_1.json', (r) => void (r.eventID = `gp-${i}`)),
    );
    const notFound = [1, 2, 3, 4, 5, 6].map((i) => denial(i, '2023-07-10T12:01:00Z', 'TrailNotFoundException'));
    const assumeRole = [1, 2, 3, 4, 5, 6].map((i) => cloneWith('sts_AssumeRole_invictus-aws-dataset_1.json', (r) => void (r.eventID = `ar-${i}`)));
    expect(alerts([...unguarded, ...notFound, ...assumeRole])).toEqual([]);
    expect(fixture('ec2_GetPasswordData_invictus-aws-dataset_1.json').errorCode).toBe('Client.UnauthorizedOperation');
  });

  it('uses the threshold and window from the policy', () => {
    const strict = parsePolicy('accessDeniedBurst: { threshold: 2, windowSeconds: 60 }\n', 'test-policy.yml', controlIds);
    const [first] = evaluateChange(parseChange(denial(1)), { policy: strict, baselines: NO_BASELINES }, [burst]).findings;
    expect(first?.burst).toMatchObject({ threshold: 2, windowSeconds: 60, windowStart: Date.parse('2023-07-10T12:01:00Z') / 1000 });
  });
});
