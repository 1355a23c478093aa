/**
 * The live tag source for the resources whose services the functions call with their own JSON
 * client (KMS keys, queues, trails): each service's tag API, KMS's pages, and what a failure
 * reads as. (Buses, rules and topics are read with SDK clients until those services move;
 * test/integration/tags-response.test.ts reads every kind from moto.)
 */
import { fakeJsonService, jsonError, scriptedJsonService } from '../../test/support/json-services';
import { liveTagSource, type TagClients } from './tags';
import type { JsonService } from './wire/json';
import { SQS } from './wire/services';

const KEY = 'arn:aws:kms:us-east-1:123456789012:key/k-1';
const QUEUE = { arn: 'arn:aws:sqs:us-east-1:123456789012:orders', url: 'https://sqs.us-east-1.amazonaws.com/123456789012/orders' };
const TRAIL = 'arn:aws:cloudtrail:us-east-1:123456789012:trail/org';

/** A service no test here may call. */
const untouched: JsonService = {
  call: async (operation) => {
    throw new Error(`unexpected ${operation}`);
  },
};

function clients(services: Partial<Pick<TagClients, 'kms' | 'sqs' | 'cloudTrail'>>): TagClients {
  // Bus, rule and topic tags are not read here: whatever client their services are called with, none is needed.
  const unused = {} as Pick<TagClients, 'eventBridge' | 'sns'>;
  return { ...unused, kms: untouched, sqs: untouched, cloudTrail: untouched, ...services };
}

describe('liveTagSource, for keys, queues and trails', () => {
  it('reads every page of a KMS key tags', async () => {
    // Prepare
    const { service: kms, calls } = fakeJsonService((_, input) =>
      input.Marker === 'm2' ? { Tags: [{ TagKey: 'owner', TagValue: 'payments' }], Truncated: false } : { Tags: [{ TagKey: 'guard', TagValue: 'strict' }, { TagKey: 'empty' }], Truncated: true, NextMarker: 'm2' },
    );

    // Act
    const reading = await liveTagSource(clients({ kms })).read({ kind: 'key', arn: KEY });

    // Assess
    expect(reading).toEqual({ status: 'known', tags: { guard: 'strict', empty: '', owner: 'payments' }, source: 'live' });
    expect(calls).toEqual([
      { operation: 'ListResourceTags', input: { KeyId: KEY } },
      { operation: 'ListResourceTags', input: { KeyId: KEY, Marker: 'm2' } },
    ]);
  });

  it('reads a queue tags by its URL', async () => {
    // Prepare
    const { service: sqs, calls } = fakeJsonService(() => ({ Tags: { guard: 'strict' } }));

    // Act
    const reading = await liveTagSource(clients({ sqs })).read({ kind: 'queue', ...QUEUE });

    // Assess
    expect(reading).toEqual({ status: 'known', tags: { guard: 'strict' }, source: 'live' });
    expect(calls).toEqual([{ operation: 'ListQueueTags', input: { QueueUrl: QUEUE.url } }]);
  });

  it('reads a queue without tags as known and untagged', async () => {
    // Prepare
    const { service: sqs } = fakeJsonService(() => ({}));

    // Act
    const reading = await liveTagSource(clients({ sqs })).read({ kind: 'queue', ...QUEUE });

    // Assess
    expect(reading).toEqual({ status: 'known', tags: {}, source: 'live' });
  });

  it('reads a trail tags from the entry naming the trail', async () => {
    // Prepare
    const { service: cloudTrail, calls } = fakeJsonService(() => ({
      ResourceTagList: [
        { ResourceId: `${TRAIL}-other`, TagsList: [{ Key: 'guard', Value: 'off' }] },
        { ResourceId: TRAIL, TagsList: [{ Key: 'guard', Value: 'strict' }] },
      ],
    }));

    // Act
    const reading = await liveTagSource(clients({ cloudTrail })).read({ kind: 'trail', arn: TRAIL });

    // Assess
    expect(reading).toEqual({ status: 'known', tags: { guard: 'strict' }, source: 'live' });
    expect(calls).toEqual([{ operation: 'ListTags', input: { ResourceIdList: [TRAIL] } }]);
  });

  it('reads a queue that no longer exists as unknown, saying it is gone', async () => {
    // Prepare
    const { service: sqs } = scriptedJsonService(SQS, jsonError(400, 'com.amazonaws.sqs', 'QueueDoesNotExist', { 'x-amzn-query-error': 'AWS.SimpleQueueService.NonExistentQueue;Sender' }));

    // Act
    const reading = await liveTagSource(clients({ sqs })).read({ kind: 'queue', ...QUEUE });

    // Assess
    expect(reading).toEqual({ status: 'unknown', reason: `${QUEUE.arn} no longer exists` });
  });

  it('reads tags it may not read as unknown, with the cause', async () => {
    // Prepare
    const { service: sqs } = scriptedJsonService(SQS, jsonError(400, 'com.amazonaws.sqs', 'AccessDenied'));

    // Act
    const reading = await liveTagSource(clients({ sqs })).read({ kind: 'queue', ...QUEUE });

    // Assess
    expect(reading).toMatchObject({ status: 'unknown', reason: expect.stringContaining(`could not read the tags of ${QUEUE.arn}`) });
    expect(reading).toMatchObject({ reason: expect.stringContaining('AccessDenied') });
  });

  it('throws throttling that outlasts the retries, rather than judge the resource untagged', async () => {
    // Prepare
    const throttled = jsonError(400, 'com.amazonaws.sqs', 'ThrottlingException');
    const { service: sqs, sent } = scriptedJsonService(SQS, throttled, throttled, throttled, throttled, throttled);

    // Act
    const reading = liveTagSource(clients({ sqs })).read({ kind: 'queue', ...QUEUE });

    // Assess
    await expect(reading).rejects.toMatchObject({ name: 'ThrottlingException', $metadata: { attempts: 5 } });
    expect(sent).toHaveLength(5);
  });
});
