import { DeleteItemCommand, GetItemCommand, PutItemCommand, ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListGrantsCommand, type KMSClient } from '@aws-sdk/client-kms';
import { ListSubscriptionsByTopicCommand, type SNSClient } from '@aws-sdk/client-sns';
import { DescribeConnectionCommand, ListApiDestinationsCommand, ListConnectionsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { ListGroupsCommand, ListRolesCommand, ListUsersCommand, type IAMClient } from '@aws-sdk/client-iam';
import type { BaselineCatalog, CheckpointStore, Destination, DestinationsPort, IamInventoryPort, KeyGrantsPort, SweepCheckpoint, TopicSubscriptionsPort } from '../sweep/ports';
import { isErrorNamed } from './errors';
import { getInlinePolicyDocument, listAttachedPolicies, listInlinePolicyNames } from './iam';

/** Every grant on a key, page by page. */
export function kmsGrantsAdapter(client: KMSClient): KeyGrantsPort & { iamActions: readonly string[] } {
  return {
    iamActions: ['kms:ListGrants'],
    async listGrants(keyArn) {
      const grants = [];
      let Marker: string | undefined;
      do {
        let page;
        try {
          page = await client.send(new ListGrantsCommand({ KeyId: keyArn, Marker }));
        } catch (error) {
          if (isErrorNamed(error, 'NotFoundException')) return [];
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
export function topicSubscriptionsAdapter(client: SNSClient): TopicSubscriptionsPort & { iamActions: readonly string[] } {
  return {
    iamActions: ['sns:ListSubscriptionsByTopic'],
    async confirmedSubscriptions(topicArn) {
      let confirmed = 0;
      let NextToken: string | undefined;
      do {
        let page;
        try {
          page = await client.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken }));
        } catch (error) {
          if (isErrorNamed(error, 'NotFoundException', 'NotFound')) return 0;
          throw error;
        }
        confirmed += (page.Subscriptions ?? []).filter((s) => s.SubscriptionArn?.startsWith('arn:')).length;
        NextToken = page.NextToken;
      } while (NextToken);
      return confirmed;
    },
  };
}

/** The resources with a baseline of some kinds: a paginated Scan of the baseline table (keys and kinds only). */
export function dynamoDbBaselineCatalog(client: DynamoDBClient, tableName: string): BaselineCatalog {
  return {
    iamActions: ['dynamodb:Scan'],
    async resourcesOf(kinds) {
      if (kinds.length === 0) return [];
      const resources: string[] = [];
      const values = Object.fromEntries(kinds.map((k, i) => [`:k${i}`, { S: k }]));
      let ExclusiveStartKey: Record<string, never> | undefined;
      do {
        const page = await client.send(
          new ScanCommand({
            TableName: tableName,
            ProjectionExpression: '#resource, #kind',
            FilterExpression: `#kind IN (${Object.keys(values).join(', ')})`,
            ExpressionAttributeNames: { '#resource': 'resource', '#kind': 'kind' },
            ExpressionAttributeValues: values,
            ExclusiveStartKey,
          }),
        );
        resources.push(...(page.Items ?? []).flatMap((item) => (item.resource?.S ? [item.resource.S] : [])));
        ExclusiveStartKey = page.LastEvaluatedKey as Record<string, never> | undefined;
      } while (ExclusiveStartKey);
      return resources.sort();
    },
  };
}

const CHECKPOINT_TTL_SECONDS = 24 * 3600;

/** The sweep's checkpoint: one item of the shared state table (`pk` = `sweep-checkpoint#<account>#<region>`, TTL a day). */
export function dynamoDbCheckpointStore(client: DynamoDBClient, tableName: string, scope: { account: string; region: string }, now: () => Date = () => new Date()): CheckpointStore {
  const Key = { pk: { S: `sweep-checkpoint#${scope.account}#${scope.region}` } };
  const LeaseKey = { pk: { S: `sweep-lease#${scope.account}#${scope.region}` } };
  return {
    iamActions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
    async tryLease(holder, untilMs, nowMs) {
      try {
        await client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: { ...LeaseKey, holder: { S: holder }, leaseUntil: { N: String(untilMs) }, expiresAt: { N: String(Math.ceil(untilMs / 1000) + 3600) } },
            ConditionExpression: 'attribute_not_exists(pk) OR leaseUntil < :now OR holder = :holder',
            ExpressionAttributeValues: { ':now': { N: String(nowMs) }, ':holder': { S: holder } },
          }),
        );
        return true;
      } catch (error) {
        if (isErrorNamed(error, 'ConditionalCheckFailedException')) return false;
        throw error;
      }
    },
    async releaseLease(holder) {
      try {
        await client.send(new DeleteItemCommand({ TableName: tableName, Key: LeaseKey, ConditionExpression: 'holder = :holder', ExpressionAttributeValues: { ':holder': { S: holder } } }));
      } catch (error) {
        if (!isErrorNamed(error, 'ConditionalCheckFailedException')) throw error; // someone else's lease now: theirs to release
      }
    },
    async load() {
      const { Item } = await client.send(new GetItemCommand({ TableName: tableName, Key, ConsistentRead: true }));
      const text = Item?.checkpoint?.S;
      const expiresAt = Number(Item?.expiresAt?.N ?? 0);
      // TTL deletion is lazy: an expired item may still be returned.
      if (!text || expiresAt * 1000 < now().getTime()) return undefined;
      return JSON.parse(text) as SweepCheckpoint;
    },
    async save(checkpoint) {
      const expiresAt = Math.floor(now().getTime() / 1000) + CHECKPOINT_TTL_SECONDS;
      await client.send(new PutItemCommand({ TableName: tableName, Item: { ...Key, checkpoint: { S: JSON.stringify(checkpoint) }, expiresAt: { N: String(expiresAt) } } }));
    },
    async clear() {
      await client.send(new DeleteItemCommand({ TableName: tableName, Key }));
    },
  };
}

/**
 * Every API destination (ListApiDestinations returns its invocation endpoint) and every
 * connection with its OAuth authorization endpoint (DescribeConnection: ListConnections does
 * not return the authorization parameters), page by page.
 */
export function eventBridgeDestinationsAdapter(client: Pick<EventBridgeClient, 'send'>): DestinationsPort & { iamActions: readonly string[] } {
  return {
    iamActions: ['events:ListApiDestinations', 'events:ListConnections', 'events:DescribeConnection'],
    async listDestinations() {
      const found: Destination[] = [];
      let NextToken: string | undefined;
      do {
        const page = await client.send(new ListApiDestinationsCommand({ NextToken }));
        for (const d of page.ApiDestinations ?? []) {
          if (d.Name && d.ApiDestinationArn) found.push({ kind: 'api-destination', name: d.Name, arn: d.ApiDestinationArn, ...(d.InvocationEndpoint ? { endpoint: d.InvocationEndpoint } : {}) });
        }
        NextToken = page.NextToken;
      } while (NextToken);
      do {
        const page = await client.send(new ListConnectionsCommand({ NextToken }));
        for (const c of page.Connections ?? []) {
          if (!c.Name || !c.ConnectionArn || c.AuthorizationType !== 'OAUTH_CLIENT_CREDENTIALS') {
            if (c.Name && c.ConnectionArn) found.push({ kind: 'connection', name: c.Name, arn: c.ConnectionArn });
            continue;
          }
          let endpoint: string | undefined;
          try {
            endpoint = (await client.send(new DescribeConnectionCommand({ Name: c.Name }))).AuthParameters?.OAuthParameters?.AuthorizationEndpoint;
          } catch (error) {
            if (!isErrorNamed(error, 'ResourceNotFoundException')) throw error;
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

type IamPage = { IsTruncated?: boolean; Marker?: string };

/** Every page of an IAM list call (Marker / IsTruncated). */
async function allPages<P extends IamPage, T>(call: (marker: string | undefined) => Promise<P>, items: (page: P) => T[]): Promise<T[]> {
  const found: T[] = [];
  let marker: string | undefined;
  do {
    const page = await call(marker);
    found.push(...items(page));
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return found;
}

/**
 * IAM roles, users and groups with their attached and inline policies, every page. Service-linked
 * roles (path /aws-service-role/) are left out: AWS owns their policies and nobody can change them.
 */
export function iamInventoryAdapter(client: Pick<IAMClient, 'send'>): IamInventoryPort & { iamActions: readonly string[] } {
  const gone = (error: unknown) => isErrorNamed(error, 'NoSuchEntityException', 'NoSuchEntity');
  return {
    iamActions: [
      'iam:ListRoles', 'iam:ListUsers', 'iam:ListGroups',
      'iam:ListAttachedRolePolicies', 'iam:ListAttachedUserPolicies', 'iam:ListAttachedGroupPolicies',
      'iam:ListRolePolicies', 'iam:ListUserPolicies', 'iam:ListGroupPolicies',
      'iam:GetRolePolicy', 'iam:GetUserPolicy', 'iam:GetGroupPolicy',
    ],
    async listPrincipals() {
      const roles = await allPages((Marker) => client.send(new ListRolesCommand({ Marker, MaxItems: 100 })), (p) => (p.Roles ?? []).filter((r) => !r.Path?.startsWith('/aws-service-role/')).map((r) => r.RoleName));
      const users = await allPages((Marker) => client.send(new ListUsersCommand({ Marker, MaxItems: 100 })), (p) => (p.Users ?? []).map((u) => u.UserName));
      const groups = await allPages((Marker) => client.send(new ListGroupsCommand({ Marker, MaxItems: 100 })), (p) => (p.Groups ?? []).map((g) => g.GroupName));
      const of = (kind: 'role' | 'user' | 'group', names: Array<string | undefined>) => names.filter((n): n is string => !!n).map((name) => ({ kind, name }));
      return [...of('role', roles), ...of('user', users), ...of('group', groups)];
    },
    async grantsOf(kind, name) {
      try {
        const attached = await allPages(
          (Marker) => listAttachedPolicies(client, kind, name, Marker),
          (p) => (p.AttachedPolicies ?? []).map((a) => a.PolicyArn).filter((a): a is string => !!a),
        );
        const names = await allPages((Marker) => listInlinePolicyNames(client, kind, name, Marker), (p) => p.PolicyNames ?? []);
        const inline = [];
        for (const policyName of names) {
          const document = await getInlinePolicyDocument(client, kind, name, policyName);
          if (document) inline.push({ policyName, document });
        }
        return { kind, name, managed: attached, inline };
      } catch (error) {
        if (gone(error)) return undefined; // deleted while the sweep read it
        throw error;
      }
    },
  };
}
