import { memoryBaselineStore } from '../baseline/memory';
import type { Snapshotter } from '../baseline/snapshotter';
import type { Baseline } from '../baseline/types';
import { controlIds } from '../controls/registry';
import { policySchema } from '../policy/schema';
import { silentLogger } from '../util/log';
import { createSnapshotHandler, type CustomResourceResponse } from './handler';

const policy = policySchema(controlIds).parse({});
const baseline = (resource: string, value: string): Baseline => ({ resource, kind: 'test', definition: { value }, capturedAt: '', source: '' });

function snapshotter(kind: string, items: Baseline[] | Error | 'hang'): Snapshotter {
  return {
    kind,
    iamActions: [],
    touchedBy: () => [],
    capture: async () => undefined,
    async *captureAll() {
      if (items === 'hang') await new Promise(() => {});
      if (items instanceof Error) throw items;
      yield* items as Baseline[];
    },
  };
}

const cfn = (type: string) => ({ RequestType: type, ResponseURL: 'https://s3.example/presigned', StackId: 'stack', RequestId: 'r1', LogicalResourceId: 'BaselineSnapshotOnDeploy' });

function setup(snapshotters: Snapshotter[], initial: Baseline[] = []) {
  const store = memoryBaselineStore(initial);
  const answers: CustomResourceResponse[] = [];
  const handler = createSnapshotHandler(
    { policy, snapshotters, baselines: store, now: () => new Date('2026-01-01T00:00:00Z'), log: silentLogger },
    async (_url, response) => {
      answers.push(response);
    },
  );
  return { store, answers, handler };
}

describe('the snapshot function', () => {
  it('fills in missing baselines and never overwrites one (only trusted changes move a baseline)', async () => {
    // Prepare
    const { store, handler } = setup([snapshotter('test', [baseline('a', 'live'), baseline('b', 'live')])], [baseline('a', 'approved')]);
    // Act
    const summary = await handler({ source: 'aws.events' }, { getRemainingTimeInMillis: () => 60_000 });
    // Assess
    expect(summary).toEqual({ stored: 1, kept: 1, failures: [] });
    expect((await store.get('a'))?.definition).toEqual({ value: 'approved' });
    expect(await store.get('b')).toMatchObject({ definition: { value: 'live' }, source: 'snapshot', capturedAt: '2026-01-01T00:00:00.000Z' });
  });

  it('overwrites with live state only when an operator asks for a refresh', async () => {
    const { store, handler } = setup([snapshotter('test', [baseline('a', 'live')])], [baseline('a', 'approved')]);
    await handler({ refresh: true }, { getRemainingTimeInMillis: () => 60_000 });
    expect(await store.get('a')).toMatchObject({ definition: { value: 'live' }, source: 'snapshot (refresh)' });
  });

  it('a kind that fails does not stop the others, and the run fails so the alarm fires', async () => {
    const { store, handler } = setup([snapshotter('broken', new Error('AccessDenied')), snapshotter('test', [baseline('a', 'live')])]);
    await expect(handler({}, { getRemainingTimeInMillis: () => 60_000 })).rejects.toThrow(/broken \(Error: AccessDenied\)/);
    expect(await store.get('a')).toBeDefined();
  });

  it.each([
    ['Create', [snapshotter('test', [baseline('a', 'live')])], 'SUCCESS', /baselines stored: 1/],
    ['Update', [snapshotter('broken', new Error('AccessDenied'))], 'SUCCESS', /failed: broken/],
    ['Update', [snapshotter('slow', 'hang')], 'SUCCESS', /still running/],
    ['Delete', [snapshotter('test', [baseline('a', 'live')])], 'SUCCESS', /retained/],
  ])('answers CloudFormation on %s whatever happens (%#)', async (type, snapshotters, status, reason) => {
    const { answers, handler } = setup(snapshotters);
    await handler(cfn(type), { getRemainingTimeInMillis: () => 11_000 }).catch(() => undefined);
    expect(answers).toEqual([expect.objectContaining({ Status: status, RequestId: 'r1', PhysicalResourceId: 'drift-responder-baseline-snapshot', Reason: expect.stringMatching(reason) })]);
  });
});
