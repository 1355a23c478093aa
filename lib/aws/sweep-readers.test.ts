/**
 * Paging of the sweep's own list calls. moto answers these in one page whatever their number
 * (it ignores the page size the SDK does not send), so the pages are mocked with
 * aws-sdk-client-mock; the calls themselves run against moto in test/integration/sweep.test.ts.
 */
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { DescribeConnectionCommand, EventBridgeClient, ListApiDestinationsCommand, ListConnectionsCommand, ListRulesCommand } from '@aws-sdk/client-eventbridge';
import { KMSClient, ListGrantsCommand } from '@aws-sdk/client-kms';
import { ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { rateLimited } from '../sweep/rate-limit';
import { GetRolePolicyCommand, IAMClient, ListAttachedRolePoliciesCommand, ListGroupsCommand, ListRolePoliciesCommand, ListRolesCommand, ListUsersCommand } from '@aws-sdk/client-iam';
import { dynamoDbBaselineCatalog, eventBridgeDestinationsAdapter, iamInventoryAdapter, kmsGrantsAdapter, topicSubscriptionsAdapter } from './sweep-readers';

const KEY = 'arn:aws:kms:us-east-1:123456789012:key/k-1';
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:alerts';
const config = { region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } };

describe('the sweep readers page through every list', () => {
  it('IAM: every page of roles (service-linked roles left out), users and groups, and of a role\'s attached and inline policies', async () => {
    // Prepare
    const iam = mockClient(IAMClient);
    const role = (name: string, path = '/') => ({ RoleName: name, Path: path, Arn: `arn:aws:iam::123456789012:role${path}${name}`, RoleId: name, CreateDate: new Date(0) });
    iam
      .on(ListRolesCommand, { Marker: undefined })
      .resolves({ Roles: [role('ops'), role('AWSServiceRoleForSupport', '/aws-service-role/support.amazonaws.com/')], IsTruncated: true, Marker: 'r2' })
      .on(ListRolesCommand, { Marker: 'r2' })
      .resolves({ Roles: [role('deployer')], IsTruncated: false })
      .on(ListUsersCommand)
      .resolves({ Users: [{ UserName: 'bob', Path: '/', Arn: 'arn:aws:iam::123456789012:user/bob', UserId: 'b', CreateDate: new Date(0) }] })
      .on(ListGroupsCommand)
      .resolves({ Groups: [] })
      .on(ListAttachedRolePoliciesCommand, { RoleName: 'ops', Marker: undefined })
      .resolves({ AttachedPolicies: [{ PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }], IsTruncated: true, Marker: 'a2' })
      .on(ListAttachedRolePoliciesCommand, { RoleName: 'ops', Marker: 'a2' })
      .resolves({ AttachedPolicies: [{ PolicyArn: 'arn:aws:iam::aws:policy/AmazonEventBridgeFullAccess' }] })
      .on(ListRolePoliciesCommand, { RoleName: 'ops' })
      .resolves({ PolicyNames: ['inline-1'] })
      .on(GetRolePolicyCommand, { RoleName: 'ops', PolicyName: 'inline-1' })
      .resolves({ RoleName: 'ops', PolicyName: 'inline-1', PolicyDocument: '%7B%7D' });
    const adapter = iamInventoryAdapter(new IAMClient(config));
    // Act
    const principals = await adapter.listPrincipals();
    const grants = await adapter.grantsOf('role', 'ops');
    // Assess
    expect(principals).toEqual([{ kind: 'role', name: 'ops' }, { kind: 'role', name: 'deployer' }, { kind: 'user', name: 'bob' }]);
    expect(grants).toEqual({ kind: 'role', name: 'ops', managed: ['arn:aws:iam::aws:policy/ReadOnlyAccess', 'arn:aws:iam::aws:policy/AmazonEventBridgeFullAccess'], inline: [{ policyName: 'inline-1', document: '%7B%7D' }] });
    iam.restore();
  });

  it('ListApiDestinations and ListConnections: every page, with the OAuth endpoint of each OAuth connection (DescribeConnection)', async () => {
    // Prepare
    const events = mockClient(EventBridgeClient);
    const arn = (kind: string, name: string) => `arn:aws:events:us-east-1:123456789012:${kind}/${name}/id`;
    events
      .on(ListApiDestinationsCommand, { NextToken: undefined })
      .resolves({ ApiDestinations: [{ Name: 'a', ApiDestinationArn: arn('api-destination', 'a'), InvocationEndpoint: 'https://a.example.com' }], NextToken: 't2' })
      .on(ListApiDestinationsCommand, { NextToken: 't2' })
      .resolves({ ApiDestinations: [{ Name: 'b', ApiDestinationArn: arn('api-destination', 'b'), InvocationEndpoint: 'https://b.example.com' }] })
      .on(ListConnectionsCommand, { NextToken: undefined })
      .resolves({ Connections: [{ Name: 'key', ConnectionArn: arn('connection', 'key'), AuthorizationType: 'API_KEY' }], NextToken: 'c2' })
      .on(ListConnectionsCommand, { NextToken: 'c2' })
      .resolves({ Connections: [{ Name: 'oauth', ConnectionArn: arn('connection', 'oauth'), AuthorizationType: 'OAUTH_CLIENT_CREDENTIALS' }] })
      .on(DescribeConnectionCommand, { Name: 'oauth' })
      .resolves({ AuthParameters: { OAuthParameters: { AuthorizationEndpoint: 'https://login.example.com/token', HttpMethod: 'POST' } } });
    // Act
    const found = await eventBridgeDestinationsAdapter(new EventBridgeClient(config)).listDestinations();
    // Assess
    expect(found).toEqual([
      { kind: 'api-destination', name: 'a', arn: arn('api-destination', 'a'), endpoint: 'https://a.example.com' },
      { kind: 'api-destination', name: 'b', arn: arn('api-destination', 'b'), endpoint: 'https://b.example.com' },
      { kind: 'connection', name: 'key', arn: arn('connection', 'key') },
      { kind: 'connection', name: 'oauth', arn: arn('connection', 'oauth'), endpoint: 'https://login.example.com/token' },
    ]);
    events.restore();
  });

  it('ListGrants: follows NextMarker while Truncated', async () => {
    // Prepare
    const kms = mockClient(KMSClient);
    kms
      .on(ListGrantsCommand, { KeyId: KEY, Marker: undefined })
      .resolves({ Grants: [{ GrantId: 'g1', GranteePrincipal: 'arn:aws:iam::111122223333:root', Operations: ['Decrypt'] }], Truncated: true, NextMarker: 'm2' })
      .on(ListGrantsCommand, { KeyId: KEY, Marker: 'm2' })
      .resolves({ Grants: [{ GrantId: 'g2', GranteePrincipal: 'dynamodb.us-east-1.amazonaws.com' }], Truncated: false });
    // Act
    const grants = await kmsGrantsAdapter(new KMSClient(config)).listGrants(KEY);
    // Assess
    expect(grants).toEqual([
      { grantId: 'g1', granteePrincipal: 'arn:aws:iam::111122223333:root', operations: ['Decrypt'] },
      { grantId: 'g2', granteePrincipal: 'dynamodb.us-east-1.amazonaws.com' },
    ]);
    kms.restore();
  });

  it('ListSubscriptionsByTopic: counts confirmed subscriptions over every page', async () => {
    // Prepare
    const sns = mockClient(SNSClient);
    sns
      .on(ListSubscriptionsByTopicCommand, { TopicArn: TOPIC, NextToken: undefined })
      .resolves({ Subscriptions: [{ SubscriptionArn: 'PendingConfirmation' }, { SubscriptionArn: `${TOPIC}:s1` }], NextToken: 't2' })
      .on(ListSubscriptionsByTopicCommand, { TopicArn: TOPIC, NextToken: 't2' })
      .resolves({ Subscriptions: [{ SubscriptionArn: `${TOPIC}:s2` }] });
    // Act
    const confirmed = await topicSubscriptionsAdapter(new SNSClient(config)).confirmedSubscriptions(TOPIC);
    // Assess
    expect(confirmed).toBe(2);
    sns.restore();
  });

  it('Scan of the baseline table: follows LastEvaluatedKey, asks only for the kinds wanted', async () => {
    // Prepare
    const dynamodb = mockClient(DynamoDBClient);
    dynamodb
      .on(ScanCommand, { ExclusiveStartKey: undefined })
      .resolves({ Items: [{ resource: { S: 'arn:b' }, kind: { S: 'events-rule' } }], LastEvaluatedKey: { resource: { S: 'arn:b' } } })
      .on(ScanCommand, { ExclusiveStartKey: { resource: { S: 'arn:b' } } })
      .resolves({ Items: [{ resource: { S: 'arn:a' }, kind: { S: 'events-rule' } }] });
    // Act
    const resources = await dynamoDbBaselineCatalog(new DynamoDBClient(config), 'baselines').resourcesOf(['events-rule']);
    // Assess
    expect(resources).toEqual(['arn:a', 'arn:b']);
    expect(dynamodb.commandCalls(ScanCommand)[0]?.args[0].input).toMatchObject({ FilterExpression: '#kind IN (:k0)', ExpressionAttributeValues: { ':k0': { S: 'events-rule' } } });
    dynamodb.restore();
  });
});

describe('rateLimited', () => {
  it('takes one token from the bucket per command sent', async () => {
    // Prepare: a middleware after the limiter answers in place of the network (aws-sdk-client-mock
    // would replace send() and skip the middleware stack under test).
    let taken = 0;
    const client = rateLimited(new EventBridgeClient(config), { take: async () => void (taken += 1) });
    client.middlewareStack.add(() => async () => ({ output: { Rules: [], $metadata: {} }, response: {} }), { step: 'build', name: 'noNetwork' });
    // Act
    for (let i = 0; i < 3; i += 1) await client.send(new ListRulesCommand({}));
    // Assess
    expect(taken).toBe(3);
  });
});
