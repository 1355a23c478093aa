import type { BaselineCatalog, CheckpointStore, Destination, DestinationsPort, IamInventoryPort, KeyGrantsPort, SweepCheckpoint, TopicSubscriptionsPort } from '../sweep/ports';
import { CONDITIONAL_CHECK_FAILED, type GetItemOutput, type Item } from './dynamodb-json';
import { isErrorNamed, isEventBridgeNotFound } from './errors';
import { allIamPages, getInlinePolicyDocument, isNoSuchEntity, listAttachedPolicies, listInlinePolicyNames, nextMarker } from './iam';
import { isKeyNotFound } from './kms';
import { isTopicNotFound } from './sns-topic';
import type { JsonService } from './wire/json';
import type { QueryService } from './wire/query-service';
import { listOf, textOf, type XmlElement } from './wire/xml';

// The JSON answers' members these readers use, as the API references name them.
interface ListGrantsOutput {
  Grants?: Array<{ GrantId?: string; GranteePrincipal?: string; Operations?: string[] }>;
  Truncated?: boolean;
  NextMarker?: string;
}
interface ScanOutput {
  Items?: Item[];
  LastEvaluatedKey?: Item;
}
interface ListApiDestinationsOutput {
  ApiDestinations?: Array<{ Name?: string; ApiDestinationArn?: string; InvocationEndpoint?: string }>;
  NextToken?: string;
}
interface ListConnectionsOutput {
  Connections?: Array<{ Name?: string; ConnectionArn?: string; AuthorizationType?: string }>;
  NextToken?: string;
}
interface DescribeConnectionOutput {
  AuthParameters?: { OAuthParameters?: { AuthorizationEndpoint?: string } };
}

/** Every grant on a key, page by page. */
export function kmsGrantsAdapter(kms: JsonService): KeyGrantsPort & { iamActions: readonly string[] } {
  return {
    iamActions: ['kms:ListGrants'],
    async listGrants(keyArn) {
      const grants = [];
      let Marker: string | undefined;
      do {
        let page;
        try {
          page = await kms.call<ListGrantsOutput>('ListGrants', { KeyId: keyArn, Marker });
        } catch (error) {
          if (isKeyNotFound(error)) return [];
          throw error;
        }
        for (const g of page.Grants ?? []) {
          if (g.GrantId && g.GranteePrincipal) grants.push({ grantId: g.GrantId, granteePrincipal: g.GranteePrincipal, ...(g.Operations ? { operations: g.Operations } : {}) });
        }
        Marker = page.Truncated ? page.NextMarker : undefined;
      } while (Marker);
      return grants;
    },
  };
}

/** Subscriptions still waiting for their owner to confirm show `PendingConfirmation` instead of an ARN. */
export function topicSubscriptionsAdapter(sns: QueryService): TopicSubscriptionsPort & { iamActions: readonly string[] } {
  return {
    iamActions: ['sns:ListSubscriptionsByTopic'],
    async confirmedSubscriptions(topicArn) {
      let confirmed = 0;
      let NextToken: string | undefined;
      do {
        let page;
        try {
          page = await sns.call('ListSubscriptionsByTopic', { TopicArn: topicArn, NextToken });
        } catch (error) {
          if (isTopicNotFound(error)) return 0;
          throw error;
        }
        // <Subscriptions><member><SubscriptionArn>...</SubscriptionArn>...</member>...</Subscriptions>
        confirmed += listOf(page, 'Subscriptions').filter((s) => textOf(s, 'SubscriptionArn')?.startsWith('arn:')).length;
        NextToken = textOf(page, 'NextToken') || undefined;
      } while (NextToken);
      return confirmed;
    },
  };
}

/** The resources with a baseline of some kinds: a paginated Scan of the baseline table (keys and kinds only). */
export function dynamoDbBaselineCatalog(dynamodb: JsonService, tableName: string): BaselineCatalog {
  return {
    iamActions: ['dynamodb:Scan'],
    async resourcesOf(kinds) {
      if (kinds.length === 0) return [];
      const resources: string[] = [];
      const values = Object.fromEntries(kinds.map((k, i) => [`:k${i}`, { S: k }]));
      let ExclusiveStartKey: Item | undefined;
      do {
        const page = await dynamodb.call<ScanOutput>('Scan', {
          TableName: tableName,
          ProjectionExpression: '#resource, #kind',
          FilterExpression: `#kind IN (${Object.keys(values).join(', ')})`,
          ExpressionAttributeNames: { '#resource': 'resource', '#kind': 'kind' },
          ExpressionAttributeValues: values,
          ExclusiveStartKey,
        });
        resources.push(...(page.Items ?? []).flatMap((item) => (item.resource?.S ? [item.resource.S] : [])));
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
      return resources.sort();
    },
  };
}

const CHECKPOINT_TTL_SECONDS = 24 * 3600;

/** The sweep's checkpoint: one item of the shared state table (`pk` = `sweep-checkpoint#<account>#<region>`, TTL a day). */
export function dynamoDbCheckpointStore(dynamodb: JsonService, tableName: string, scope: { account: string; region: string }, now: () => Date = () => new Date()): CheckpointStore {
  const Key = { pk: { S: `sweep-checkpoint#${scope.account}#${scope.region}` } };
  const LeaseKey = { pk: { S: `sweep-lease#${scope.account}#${scope.region}` } };
  return {
    iamActions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
    async tryLease(holder, untilMs, nowMs) {
      try {
        await dynamodb.call('PutItem', {
          TableName: tableName,
          Item: { ...LeaseKey, holder: { S: holder }, leaseUntil: { N: String(untilMs) }, expiresAt: { N: String(Math.ceil(untilMs / 1000) + 3600) } },
          ConditionExpression: 'attribute_not_exists(pk) OR leaseUntil < :now OR holder = :holder',
          ExpressionAttributeValues: { ':now': { N: String(nowMs) }, ':holder': { S: holder } },
        });
        return true;
      } catch (error) {
        if (isErrorNamed(error, CONDITIONAL_CHECK_FAILED)) return false;
        throw error;
      }
    },
    async releaseLease(holder) {
      try {
        await dynamodb.call('DeleteItem', { TableName: tableName, Key: LeaseKey, ConditionExpression: 'holder = :holder', ExpressionAttributeValues: { ':holder': { S: holder } } });
      } catch (error) {
        if (!isErrorNamed(error, CONDITIONAL_CHECK_FAILED)) throw error; // someone else's lease now: theirs to release
      }
    },
    async load() {
      const { Item } = await dynamodb.call<GetItemOutput>('GetItem', { TableName: tableName, Key, ConsistentRead: true });
      const text = Item?.checkpoint?.S;
      const expiresAt = Number(Item?.expiresAt?.N ?? 0);
      // TTL deletion is lazy: an expired item may still be returned.
      if (!text || expiresAt * 1000 < now().getTime()) return undefined;
      return JSON.parse(text) as SweepCheckpoint;
    },
    async save(checkpoint) {
      const expiresAt = Math.floor(now().getTime() / 1000) + CHECKPOINT_TTL_SECONDS;
      await dynamodb.call('PutItem', { TableName: tableName, Item: { ...Key, checkpoint: { S: JSON.stringify(checkpoint) }, expiresAt: { N: String(expiresAt) } } });
    },
    async clear() {
      await dynamodb.call('DeleteItem', { TableName: tableName, Key });
    },
  };
}

/**
 * Every API destination (ListApiDestinations returns its invocation endpoint) and every
 * connection with its OAuth authorization endpoint (DescribeConnection: ListConnections does
 * not return the authorization parameters), page by page.
 */
export function eventBridgeDestinationsAdapter(events: JsonService): DestinationsPort & { iamActions: readonly string[] } {
  return {
    iamActions: ['events:ListApiDestinations', 'events:ListConnections', 'events:DescribeConnection'],
    async listDestinations() {
      const found: Destination[] = [];
      let NextToken: string | undefined;
      do {
        const page = await events.call<ListApiDestinationsOutput>('ListApiDestinations', { NextToken });
        for (const d of page.ApiDestinations ?? []) {
          if (d.Name && d.ApiDestinationArn) found.push({ kind: 'api-destination', name: d.Name, arn: d.ApiDestinationArn, ...(d.InvocationEndpoint ? { endpoint: d.InvocationEndpoint } : {}) });
        }
        NextToken = page.NextToken;
      } while (NextToken);
      do {
        const page = await events.call<ListConnectionsOutput>('ListConnections', { NextToken });
        for (const c of page.Connections ?? []) {
          if (!c.Name || !c.ConnectionArn || c.AuthorizationType !== 'OAUTH_CLIENT_CREDENTIALS') {
            if (c.Name && c.ConnectionArn) found.push({ kind: 'connection', name: c.Name, arn: c.ConnectionArn });
            continue;
          }
          let endpoint: string | undefined;
          try {
            endpoint = (await events.call<DescribeConnectionOutput>('DescribeConnection', { Name: c.Name })).AuthParameters?.OAuthParameters?.AuthorizationEndpoint;
          } catch (error) {
            if (!isEventBridgeNotFound(error)) throw error;
            continue; // deleted between the two calls
          }
          found.push({ kind: 'connection', name: c.Name, arn: c.ConnectionArn, ...(endpoint ? { endpoint } : {}) });
        }
        NextToken = page.NextToken;
      } while (NextToken);
      return found;
    },
  };
}

/**
 * IAM roles, users and groups with their attached and inline policies, every page. Service-linked
 * roles (path /aws-service-role/) are left out: AWS owns their policies and nobody can change them.
 * Inline documents are passed on as IAM returns them, URL-encoded.
 */
export function iamInventoryAdapter(iam: QueryService): IamInventoryPort & { iamActions: readonly string[] } {
  /** The names in one page of ListRoles, ListUsers or ListGroups: `<Roles><member><RoleName/><Path/>...</member></Roles>`. */
  const principals = (action: string, list: string, nameOf: string, keep: (member: XmlElement) => boolean = () => true) =>
    allIamPages(async (Marker) => {
      const result = await iam.call(action, { Marker, MaxItems: 100 });
      return { items: listOf(result, list).filter(keep).flatMap((member) => textOf(member, nameOf) || []), marker: nextMarker(result) };
    });
  return {
    iamActions: [
      'iam:ListRoles', 'iam:ListUsers', 'iam:ListGroups',
      'iam:ListAttachedRolePolicies', 'iam:ListAttachedUserPolicies', 'iam:ListAttachedGroupPolicies',
      'iam:ListRolePolicies', 'iam:ListUserPolicies', 'iam:ListGroupPolicies',
      'iam:GetRolePolicy', 'iam:GetUserPolicy', 'iam:GetGroupPolicy',
    ],
    async listPrincipals() {
      const roles = await principals('ListRoles', 'Roles', 'RoleName', (role) => !textOf(role, 'Path')?.startsWith('/aws-service-role/'));
      const users = await principals('ListUsers', 'Users', 'UserName');
      const groups = await principals('ListGroups', 'Groups', 'GroupName');
      const of = (kind: 'role' | 'user' | 'group', names: string[]) => names.map((name) => ({ kind, name }));
      return [...of('role', roles), ...of('user', users), ...of('group', groups)];
    },
    async grantsOf(kind, name) {
      try {
        const attached = await allIamPages((Marker) => listAttachedPolicies(iam, kind, name, Marker));
        const names = await allIamPages((Marker) => listInlinePolicyNames(iam, kind, name, Marker));
        const inline = [];
        for (const policyName of names) {
          const document = await getInlinePolicyDocument(iam, kind, name, policyName);
          if (document) inline.push({ policyName, document });
        }
        return { kind, name, managed: attached, inline };
      } catch (error) {
        if (isNoSuchEntity(error)) return undefined; // deleted while the sweep read it
        throw error;
      }
    },
  };
}
