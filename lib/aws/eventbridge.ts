import {
  DescribeEventBusCommand,
  PutPermissionCommand,
  RemovePermissionCommand,
  type EventBridgeClient,
} from '@aws-sdk/client-eventbridge';
import { parsePolicyDocument } from '../iam/policy-document';
import type { EventBusPolicyPort } from '../remediation/bus-statements';
import { isEventBridgeNotFound as isNotFound } from './errors';

export function eventBusPolicyAdapter(client: EventBridgeClient): EventBusPolicyPort {
  return {
    async getPolicy(busName) {
      const bus = await client.send(new DescribeEventBusCommand({ Name: busName }));
      return bus.Policy ? parsePolicyDocument(bus.Policy) : undefined;
    },
    async removeStatement(busName, statementId) {
      try {
        await client.send(new RemovePermissionCommand({ EventBusName: busName, StatementId: statementId }));
      } catch (error) {
        if (!isNotFound(error)) throw error; // someone removed it first: the goal is reached
      }
    },
    async putPolicy(busName, policy) {
      await client.send(new PutPermissionCommand({ EventBusName: busName, Policy: JSON.stringify(policy) }));
    },
    async removeAllPermissions(busName) {
      await client.send(new RemovePermissionCommand({ EventBusName: busName, RemoveAllPermissions: true }));
    },
  };
}
