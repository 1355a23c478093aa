import type { DescribeEventBusRequest, PutPermissionRequest, RemovePermissionRequest } from '@aws-sdk/client-eventbridge';
import { parsePolicyDocument } from '../iam/policy-document';
import type { EventBusPolicyPort } from '../remediation/bus-statements';
import { isEventBridgeNotFound as isNotFound } from './errors';
import type { JsonService } from './wire/json';

/** The part of DescribeEventBus's answer this adapter reads. */
interface BusPolicyAnswer {
  Policy?: string;
}

export function eventBusPolicyAdapter(events: JsonService): EventBusPolicyPort {
  return {
    async getPolicy(busName) {
      const bus = await events.call<BusPolicyAnswer>('DescribeEventBus', { Name: busName } satisfies DescribeEventBusRequest);
      return bus.Policy ? parsePolicyDocument(bus.Policy) : undefined;
    },
    async removeStatement(busName, statementId) {
      try {
        await events.call('RemovePermission', { EventBusName: busName, StatementId: statementId } satisfies RemovePermissionRequest);
      } catch (error) {
        if (!isNotFound(error)) throw error; // someone removed it first: the goal is reached
      }
    },
    async putPolicy(busName, policy) {
      await events.call('PutPermission', { EventBusName: busName, Policy: JSON.stringify(policy) } satisfies PutPermissionRequest);
    },
    async removeAllPermissions(busName) {
      await events.call('RemovePermission', { EventBusName: busName, RemoveAllPermissions: true } satisfies RemovePermissionRequest);
    },
  };
}
