import { jsonService, type JsonService } from '../aws/wire/json';
import { EVENTBRIDGE } from '../aws/wire/services';
import type { WireResponse } from '../aws/wire/types';
import { scriptedTransport } from '../../test/support/scripted-transport';
import { rateLimited } from './rate-limit';

const answer = (status: number, body: object): WireResponse => ({ status, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: JSON.stringify(body) });

/** A bucket that records its takes, and lets a test hold them back. */
function countingBucket() {
  const bucket = { taken: 0, take: async () => void (bucket.taken += 1) };
  return bucket;
}

describe('rateLimited', () => {
  it('takes one token per call, before the call, and passes the operation, its input and its answer through', async () => {
    // Prepare
    const order: string[] = [];
    const service: JsonService = {
      call: jest.fn(async (operation: string) => {
        order.push(`call ${operation}`);
        return { Rules: [{ Name: 'r1' }] };
      }) as JsonService['call'],
    };
    const limited = rateLimited(service, { take: async () => void order.push('take') });

    // Act
    const first = await limited.call<{ Rules: unknown[] }>('ListRules', { EventBusName: 'orders' });
    await limited.call('DescribeRule', { Name: 'r1' });

    // Assess
    expect(first).toEqual({ Rules: [{ Name: 'r1' }] });
    expect(order).toEqual(['take', 'call ListRules', 'take', 'call DescribeRule']);
    expect(service.call).toHaveBeenNthCalledWith(1, 'ListRules', { EventBusName: 'orders' });
  });

  it('does not call the service until the bucket gives a token', async () => {
    // Prepare
    let release!: () => void;
    const service = { call: jest.fn(async () => ({})) } as unknown as JsonService;
    const limited = rateLimited(service, { take: () => new Promise<void>((resolve) => (release = resolve)) });

    // Act
    const pending = limited.call('ListRules');
    await new Promise((resolve) => setImmediate(resolve));
    const calledBeforeToken = (service.call as jest.Mock).mock.calls.length;
    release();
    await pending;

    // Assess
    expect(calledBeforeToken).toBe(0);
    expect(service.call).toHaveBeenCalledTimes(1);
  });

  it('takes one token per operation, not per retried attempt', async () => {
    // Prepare: a real EventBridge service over a transport that answers two 500s, then the page.
    const { sent, config } = scriptedTransport(answer(500, { __type: 'InternalException', message: 'oops' }), answer(500, { __type: 'InternalException' }), answer(200, { Rules: [] }));
    const bucket = countingBucket();

    // Act
    const page = await rateLimited(jsonService(EVENTBRIDGE, config()), bucket).call('ListRules', {});

    // Assess
    expect(page).toEqual({ Rules: [] });
    expect(sent).toHaveLength(3);
    expect(bucket.taken).toBe(1);
  });
});
