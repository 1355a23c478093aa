// Event buses as the integration tests set them up and read them back.
import { CreateEventBusCommand, DescribeEventBusCommand, type EventBridgeClient, PutPermissionCommand } from '@aws-sdk/client-eventbridge';
import { randomUUID } from 'node:crypto';

/** The Sids of the statements on `bus`'s resource policy, sorted ('(none)' for a statement without one); [] when it has no policy. */
export async function statementIdsOn(eventBridge: EventBridgeClient, bus: string): Promise<string[]> {
  const { Policy } = await eventBridge.send(new DescribeEventBusCommand({ Name: bus }));
  if (!Policy) return [];
  return (JSON.parse(Policy) as { Statement: Array<{ Sid?: string }> }).Statement.map((s) => s.Sid ?? '(none)').sort();
}

/** A new bus with a trusted partner's statement (`trusted-partner`), then opened to the world by `open-to-world`. */
export async function busOpenToTheWorld(eventBridge: EventBridgeClient): Promise<string> {
  const bus = `orders-${randomUUID().slice(0, 8)}`;
  await eventBridge.send(new CreateEventBusCommand({ Name: bus }));
  await eventBridge.send(new PutPermissionCommand({ EventBusName: bus, Action: 'events:PutEvents', Principal: '111122223333', StatementId: 'trusted-partner' }));
  await eventBridge.send(new PutPermissionCommand({ EventBusName: bus, Action: 'events:PutEvents', Principal: '*', StatementId: 'open-to-world' }));
  return bus;
}
