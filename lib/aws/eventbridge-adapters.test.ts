/**
 * The EventBridge adapters' own logic against a fake service: paging (moto answers every list in
 * one page), batches of 10, "not found" and rejected targets. The calls themselves run against
 * moto in test/integration/rules-response.test.ts, bus-policy-response.test.ts and sweep.test.ts.
 */
import { eventBusSettingsAdapter } from './event-bus-settings';
import { eventRulesAdapter, TargetsRejectedError } from './event-rules';
import { eventBusPolicyAdapter } from './eventbridge';
import { AwsServiceError } from './wire/errors';
import type { JsonService } from './wire/json';

type Answer = object | Error;

/** A fake EventBridge: answers each operation with the first answer whose input matches, records every call. */
function fakeEventBridge(answers: Array<[operation: string, input: object | undefined, answer: Answer]>) {
  const calls: Array<[string, object]> = [];
  const call = jest.fn(async (operation: string, input: object = {}) => {
    calls.push([operation, input]);
    const matching = answers.find(([op, expected]) => op === operation && (expected === undefined || Object.entries(expected).every(([k, v]) => (input as Record<string, unknown>)[k] === v)));
    if (!matching) throw new Error(`unexpected ${operation} ${JSON.stringify(input)}`);
    if (matching[2] instanceof Error) throw matching[2];
    return matching[2];
  });
  return { service: { call } as unknown as JsonService, calls, inputsOf: (operation: string) => calls.filter(([op]) => op === operation).map(([, input]) => input) };
}

const notFound = (operation: string) => new AwsServiceError({ code: 'ResourceNotFoundException', message: 'does not exist', status: 400, service: 'events', operation });
const RULE_ARN = 'arn:aws:events:us-east-1:123456789012:rule/orders/r1';

describe('eventRulesAdapter', () => {
  it('reads a rule with every page of its targets, keeping only the members that are set', async () => {
    // Prepare
    const events = fakeEventBridge([
      ['DescribeRule', { Name: 'r1' }, { Name: 'r1', Arn: RULE_ARN, EventBusName: 'orders', EventPattern: '{"source":["aws.s3"]}', State: 'ENABLED', Description: '' }],
      ['ListTargetsByRule', { NextToken: undefined }, { Targets: [{ Id: 't1', Arn: 'arn:q1' }], NextToken: 'p2' }],
      ['ListTargetsByRule', { NextToken: 'p2' }, { Targets: [{ Id: 't2', Arn: 'arn:q2', Input: '{}' }] }],
    ]);

    // Act
    const rule = await eventRulesAdapter(events.service).getRule('orders', 'r1');

    // Assess
    expect(rule).toEqual({
      name: 'r1',
      eventBusName: 'orders',
      arn: RULE_ARN,
      eventPattern: '{"source":["aws.s3"]}',
      state: 'ENABLED',
      targets: [
        { Id: 't1', Arn: 'arn:q1' },
        { Id: 't2', Arn: 'arn:q2', Input: '{}' },
      ],
    });
    expect(events.inputsOf('ListTargetsByRule')).toEqual([
      { Rule: 'r1', EventBusName: 'orders', NextToken: undefined },
      { Rule: 'r1', EventBusName: 'orders', NextToken: 'p2' },
    ]);
  });

  it('reads a rule or bus that does not exist as undefined, and lets other errors through', async () => {
    // Prepare
    const denied = new AwsServiceError({ code: 'AccessDeniedException', message: 'no', status: 400, service: 'events', operation: 'DescribeRule' });
    const events = fakeEventBridge([
      ['DescribeRule', { Name: 'gone' }, notFound('DescribeRule')],
      ['DescribeRule', { Name: 'secret' }, denied],
      ['DescribeEventBus', { Name: 'gone' }, notFound('DescribeEventBus')],
    ]);
    const adapter = eventRulesAdapter(events.service);

    // Act
    const [rule, bus] = [await adapter.getRule('orders', 'gone'), await adapter.getBus('gone')];

    // Assess
    expect(rule).toBeUndefined();
    expect(bus).toBeUndefined();
    await expect(adapter.getRule('orders', 'secret')).rejects.toBe(denied);
  });

  it('puts targets in batches of 10 and throws naming the entries EventBridge rejected', async () => {
    // Prepare
    const targets = Array.from({ length: 12 }, (_, i) => ({ Id: `t${i}`, Arn: `arn:q${i}` }));
    const events = fakeEventBridge([
      ['PutTargets', undefined, { FailedEntryCount: 0, FailedEntries: [] }],
    ]);
    const rejecting = fakeEventBridge([
      ['PutTargets', undefined, { FailedEntryCount: 1, FailedEntries: [{ TargetId: 't3', ErrorCode: 'ValidationException', ErrorMessage: 'bad arn' }] }],
    ]);

    // Act
    await eventRulesAdapter(events.service).putTargets('orders', 'r1', targets);
    const rejected = eventRulesAdapter(rejecting.service).putTargets('orders', 'r1', targets);

    // Assess
    expect(events.inputsOf('PutTargets').map((input) => (input as { Targets: unknown[] }).Targets.length)).toEqual([10, 2]);
    expect(events.inputsOf('PutTargets')[1]).toEqual({ Rule: 'r1', EventBusName: 'orders', Targets: targets.slice(10) });
    await expect(rejected).rejects.toThrow(TargetsRejectedError);
    await expect(eventRulesAdapter(rejecting.service).putTargets('orders', 'r1', targets)).rejects.toThrow('PutTargets r1 rejected t3: ValidationException bad arn');
  });

  it('removes targets in batches, treating a rule that is gone as done', async () => {
    // Prepare
    const events = fakeEventBridge([['RemoveTargets', undefined, notFound('RemoveTargets')]]);
    const ids = Array.from({ length: 11 }, (_, i) => `t${i}`);

    // Act
    await eventRulesAdapter(events.service).removeTargets('orders', 'r1', ids);

    // Assess
    expect(events.inputsOf('RemoveTargets')).toEqual([
      { Rule: 'r1', EventBusName: 'orders', Ids: ids.slice(0, 10) },
      { Rule: 'r1', EventBusName: 'orders', Ids: ids.slice(10) },
    ]);
  });

  it('creates a rule and a bus with their tags as [{Key, Value}], and none when there are none', async () => {
    // Prepare
    const events = fakeEventBridge([
      ['PutRule', undefined, { RuleArn: RULE_ARN }],
      ['CreateEventBus', undefined, { EventBusArn: 'arn:bus' }],
    ]);
    const adapter = eventRulesAdapter(events.service);
    const rule = { name: 'r1', eventBusName: 'orders', arn: RULE_ARN, eventPattern: '{}', state: 'DISABLED' };

    // Act
    await adapter.putRule(rule, { team: 'sec' });
    await adapter.putRule(rule, {});
    await adapter.createBus({ name: 'orders', arn: 'arn:bus', kmsKeyIdentifier: 'arn:key' }, { team: 'sec' });

    // Assess
    expect(JSON.parse(JSON.stringify(events.inputsOf('PutRule')))).toEqual([
      { Tags: [{ Key: 'team', Value: 'sec' }], Name: 'r1', EventBusName: 'orders', EventPattern: '{}', State: 'DISABLED' },
      { Name: 'r1', EventBusName: 'orders', EventPattern: '{}', State: 'DISABLED' },
    ]);
    expect(JSON.parse(JSON.stringify(events.inputsOf('CreateEventBus')))).toEqual([{ Name: 'orders', KmsKeyIdentifier: 'arn:key', Tags: [{ Key: 'team', Value: 'sec' }] }]);
  });

  it('lists every page of buses and of a bus\'s rules', async () => {
    // Prepare
    const events = fakeEventBridge([
      ['ListEventBuses', { NextToken: undefined }, { EventBuses: [{ Name: 'default', Arn: 'arn:default' }, { Name: 'no-arn' }], NextToken: 'b2' }],
      ['ListEventBuses', { NextToken: 'b2' }, { EventBuses: [{ Name: 'orders', Arn: 'arn:orders' }] }],
      ['ListRules', { NextToken: undefined }, { Rules: [{ Name: 'r1', Arn: RULE_ARN, EventBusName: 'orders', State: 'ENABLED' }], NextToken: 'r2' }],
      ['ListRules', { NextToken: 'r2' }, { Rules: [{ Name: 'r2', Arn: `${RULE_ARN}2`, ScheduleExpression: 'rate(1 hour)' }] }],
    ]);
    const adapter = eventRulesAdapter(events.service);

    // Act
    const buses = [];
    for await (const bus of adapter.listBuses()) buses.push(bus);
    const rules = [];
    for await (const rule of adapter.listRules('orders')) rules.push(rule);

    // Assess
    expect(buses).toEqual([
      { name: 'default', arn: 'arn:default' },
      { name: 'orders', arn: 'arn:orders' },
    ]);
    expect(rules).toEqual([
      { name: 'r1', eventBusName: 'orders', arn: RULE_ARN, state: 'ENABLED' },
      { name: 'r2', eventBusName: 'orders', arn: `${RULE_ARN}2`, scheduleExpression: 'rate(1 hour)', state: 'ENABLED' },
    ]);
    expect(events.inputsOf('ListRules')).toEqual([
      { EventBusName: 'orders', NextToken: undefined },
      { EventBusName: 'orders', NextToken: 'r2' },
    ]);
  });
});

describe('eventBusPolicyAdapter', () => {
  it('reads the bus policy as a document, and a bus without one as undefined', async () => {
    // Prepare
    const policy = { Version: '2012-10-17', Statement: [{ Sid: 'world', Effect: 'Allow', Principal: '*', Action: 'events:PutEvents', Resource: 'arn:bus' }] };
    const events = fakeEventBridge([
      ['DescribeEventBus', { Name: 'orders' }, { Name: 'orders', Policy: JSON.stringify(policy), CreationTime: 1.7e9 }],
      ['DescribeEventBus', { Name: 'plain' }, { Name: 'plain' }],
    ]);
    const adapter = eventBusPolicyAdapter(events.service);

    // Act
    const [withPolicy, without] = [await adapter.getPolicy('orders'), await adapter.getPolicy('plain')];

    // Assess
    expect(withPolicy?.Statement.map((s) => s.Sid)).toEqual(['world']);
    expect(without).toBeUndefined();
  });

  it('removes one statement (one already gone is done), all of them, or puts a whole policy', async () => {
    // Prepare
    const events = fakeEventBridge([
      ['RemovePermission', { StatementId: 'gone' }, notFound('RemovePermission')],
      ['RemovePermission', undefined, {}],
      ['PutPermission', undefined, {}],
    ]);
    const adapter = eventBusPolicyAdapter(events.service);
    const policy = { Version: '2012-10-17', Statement: [] };

    // Act
    await adapter.removeStatement('orders', 'gone');
    await adapter.removeStatement('orders', 'world');
    await adapter.removeAllPermissions('orders');
    await adapter.putPolicy('orders', policy);

    // Assess
    expect(events.calls).toEqual([
      ['RemovePermission', { EventBusName: 'orders', StatementId: 'gone' }],
      ['RemovePermission', { EventBusName: 'orders', StatementId: 'world' }],
      ['RemovePermission', { EventBusName: 'orders', RemoveAllPermissions: true }],
      ['PutPermission', { EventBusName: 'orders', Policy: JSON.stringify(policy) }],
    ]);
  });
});

describe('eventBusSettingsAdapter', () => {
  it('lists every page of buses', async () => {
    // Prepare
    const events = fakeEventBridge([
      ['ListEventBuses', { NextToken: undefined }, { EventBuses: [{ Name: 'default', Arn: 'arn:default' }], NextToken: 'b2' }],
      ['ListEventBuses', { NextToken: 'b2' }, { EventBuses: [{ Name: 'orders', Arn: 'arn:orders' }] }],
    ]);

    // Act
    const buses = await eventBusSettingsAdapter(events.service).listBuses();

    // Assess
    expect(buses).toEqual([
      { name: 'default', arn: 'arn:default' },
      { name: 'orders', arn: 'arn:orders' },
    ]);
  });
});
