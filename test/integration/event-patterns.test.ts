/**
 * The deployed EventBridge patterns, checked by a real matcher: moto's event router. Each
 * pattern becomes a rule with an SQS target; CloudTrail-shaped events are put on the bus
 * and what arrives in the queue is what the rule matched. (moto has no TestEventPattern;
 * TOOLCHAIN.md.) The stack test proves the packaged template carries these same patterns.
 */
import {
  CreateEventBusCommand,
  DeleteEventBusCommand,
  DeleteRuleCommand,
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { eventBridgeSourceOf, eventPatternsOf, type EventPattern } from '../../lib/controls/patterns';
import { controls } from '../../lib/controls/registry';
import type { Control } from '../../lib/controls/types';
import { cloneWith, PUT_PERMISSION_LEGACY } from '../support/fixtures';
import { awsClientConfig, createQueue, receiveAll } from './harness/aws';

// Each case waits ~1.5 s for stray deliveries, after one PutEvents per event name (jest's
// project-level testTimeout does not apply: set it here).
jest.setTimeout(30_000);
const eventBridge = new EventBridgeClient(awsClientConfig());
const sqs = new SQSClient(awsClientConfig());

/** A CloudTrail record for eventSource/eventName: the real PutPermission record with those fields changed. */
function cloudTrail(eventSource: string, eventName: string, extra: Record<string, unknown> = {}) {
  return cloneWith(PUT_PERMISSION_LEGACY, (r) => {
    Object.assign(r, { eventSource, eventName, eventID: randomUUID() }, extra);
  });
}

/**
 * Each case gets a bus of its own: other test files leave rules on the default bus (some
 * with targets moto cannot deliver to, which makes its PutEvents fail), and none of them
 * may decide what this matcher sees.
 */
async function routed(pattern: EventPattern, events: Array<{ source: string; detail: Record<string, any> }>) {
  const name = `pattern-${randomUUID().slice(0, 8)}`;
  const queue = await createQueue(name);
  await eventBridge.send(new CreateEventBusCommand({ Name: name }));
  await eventBridge.send(new PutRuleCommand({ Name: name, EventBusName: name, EventPattern: JSON.stringify(pattern), State: 'ENABLED' }));
  await eventBridge.send(new PutTargetsCommand({ Rule: name, EventBusName: name, Targets: [{ Id: 'queue', Arn: queue.arn }] }));
  try {
    for (const event of events) {
      const { FailedEntryCount } = await eventBridge.send(
        new PutEventsCommand({
          Entries: [{ EventBusName: name, Source: event.source, DetailType: 'AWS API Call via CloudTrail', Detail: JSON.stringify(event.detail) }],
        }),
      );
      expect(FailedEntryCount).toBe(0);
    }
    // moto routes inside PutEvents: once it returns, every match is already queued, so a short
    // drain (asking for one more than sent, to catch extras) sees everything that was delivered.
    const messages = await receiveAll(sqs, queue.url, { expected: events.length + 1, timeoutMs: 1500 });
    return messages.map((m) => JSON.parse(m.Body!).detail.eventID as string);
  } finally {
    await eventBridge.send(new RemoveTargetsCommand({ Rule: name, EventBusName: name, Ids: ['queue'] }));
    await eventBridge.send(new DeleteRuleCommand({ Name: name, EventBusName: name }));
    await eventBridge.send(new DeleteEventBusCommand({ Name: name }));
  }
}

const patterns = eventPatternsOf(controls);

describe.each(patterns.map((p) => [p.detail.eventSource[0]!, p] as const))('the deployed pattern for %s', (eventSource, pattern) => {
  const source = eventBridgeSourceOf(eventSource);

  it('matches every event its controls handle', async () => {
    const events = pattern.detail.eventName.map((name) => ({ source, detail: cloudTrail(eventSource, name) }));
    const ids = await routed(pattern, events);
    expect(ids.sort()).toEqual(events.map((e) => e.detail.eventID).sort());
  });

  // A control with handlesFailedCalls (access-denied-burst) on this source lifts the errorCode filter.
  const wantsFailures = controls.some((c) => (c as Control).handlesFailedCalls && c.triggers.some((t) => t.eventSource === eventSource));
  // Another service than this pattern's, for the negative case.
  const other = eventSource === 's3.amazonaws.com' ? 'sts.amazonaws.com' : 's3.amazonaws.com';

  it('matches nothing else: other event names, other services', async () => {
    const [firstName] = pattern.detail.eventName;
    const negatives = [
      { source, detail: cloudTrail(eventSource, 'ListRules') },
      { source, detail: cloudTrail(eventSource, `${firstName}X`) },
      { source: eventBridgeSourceOf(other), detail: cloudTrail(other, firstName!) },
    ];
    expect(await routed(pattern, negatives)).toEqual([]);
  });

  it(
    wantsFailures ? 'matches failed calls too: a control on this source counts them' : 'matches no failed call: no control on this source wants them',
    async () => {
      const [firstName] = pattern.detail.eventName;
      const failed = { source, detail: cloudTrail(eventSource, firstName!, { errorCode: 'AccessDenied', errorMessage: 'denied' }) };
      expect(await routed(pattern, [failed])).toEqual(wantsFailures ? [failed.detail.eventID] : []);
      expect(pattern.detail.errorCode === undefined).toBe(wantsFailures);
    },
  );
});
