/**
 * Paging of the sweep's own list calls. moto answers these in one page whatever their number
 * (it ignores the page size), so the pages are scripted here: IAM and SNS (awsQuery) through the
 * real query client over a scripted transport, so their XML is read as in the functions; the JSON
 * services through a fake service that records each call. The calls themselves run against moto
 * in test/integration/sweep.test.ts.
 */
import { jsonError, fakeJsonService, scriptedJsonService } from '../../test/support/json-services';
import { queryAnswer, queryErrorAnswer, scriptedQueryService } from '../../test/support/query-services';
import { dynamoDbBaselineCatalog, dynamoDbCheckpointStore, eventBridgeDestinationsAdapter, iamInventoryAdapter, kmsGrantsAdapter, topicSubscriptionsAdapter } from './sweep-readers';
import { DYNAMODB, IAM, SNS } from './wire/services';

const KEY = 'arn:aws:kms:us-east-1:123456789012:key/k-1';
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:alerts';

/** One `<member>` of ListRoles' `<Roles>`. */
const role = (name: string, path = '/') =>
  `<member><Path>${path}</Path><RoleName>${name}</RoleName><RoleId>${name}</RoleId><Arn>arn:aws:iam::123456789012:role${path}${name}</Arn><CreateDate>1970-01-01T00:00:00Z</CreateDate></member>`;

/** A page's end: `<IsTruncated>true</IsTruncated><Marker>..</Marker>` when there is a next page. */
const truncated = (marker?: string) => (marker ? `<IsTruncated>true</IsTruncated><Marker>${marker}</Marker>` : '<IsTruncated>false</IsTruncated>');

describe('the sweep readers page through every list', () => {
  it('IAM: every page of roles (service-linked roles left out), users and groups, and of a role\'s attached and inline policies', async () => {
    // Prepare
    const { service, forms } = scriptedQueryService(
      IAM,
      queryAnswer('ListRoles', `<Roles>${role('ops')}${role('AWSServiceRoleForSupport', '/aws-service-role/support.amazonaws.com/')}</Roles>${truncated('r2')}`),
      queryAnswer('ListRoles', `<Roles>${role('deployer')}</Roles>${truncated()}`),
      queryAnswer('ListUsers', `<Users><member><Path>/</Path><UserName>bob</UserName><UserId>b</UserId><Arn>arn:aws:iam::123456789012:user/bob</Arn><CreateDate>1970-01-01T00:00:00Z</CreateDate></member></Users>${truncated()}`),
      queryAnswer('ListGroups', `<Groups/>${truncated()}`),
      queryAnswer('ListAttachedRolePolicies', `<AttachedPolicies><member><PolicyName>ReadOnlyAccess</PolicyName><PolicyArn>arn:aws:iam::aws:policy/ReadOnlyAccess</PolicyArn></member></AttachedPolicies>${truncated('a2')}`),
      queryAnswer('ListAttachedRolePolicies', `<AttachedPolicies><member><PolicyName>AmazonEventBridgeFullAccess</PolicyName><PolicyArn>arn:aws:iam::aws:policy/AmazonEventBridgeFullAccess</PolicyArn></member></AttachedPolicies>${truncated()}`),
      queryAnswer('ListRolePolicies', `<PolicyNames><member>inline-1</member></PolicyNames>${truncated()}`),
      queryAnswer('GetRolePolicy', '<RoleName>ops</RoleName><PolicyName>inline-1</PolicyName><PolicyDocument>%7B%7D</PolicyDocument>'),
    );
    const adapter = iamInventoryAdapter(service);

    // Act
    const principals = await adapter.listPrincipals();
    const grants = await adapter.grantsOf('role', 'ops');

    // Assess
    expect(principals).toEqual([{ kind: 'role', name: 'ops' }, { kind: 'role', name: 'deployer' }, { kind: 'user', name: 'bob' }]);
    // The inline document is passed on URL-encoded, as IAM returns it.
    expect(grants).toEqual({ kind: 'role', name: 'ops', managed: ['arn:aws:iam::aws:policy/ReadOnlyAccess', 'arn:aws:iam::aws:policy/AmazonEventBridgeFullAccess'], inline: [{ policyName: 'inline-1', document: '%7B%7D' }] });
    const version = { Version: '2010-05-08' };
    expect(forms()).toEqual([
      { Action: 'ListRoles', ...version, MaxItems: '100' },
      { Action: 'ListRoles', ...version, Marker: 'r2', MaxItems: '100' },
      { Action: 'ListUsers', ...version, MaxItems: '100' },
      { Action: 'ListGroups', ...version, MaxItems: '100' },
      { Action: 'ListAttachedRolePolicies', ...version, RoleName: 'ops', MaxItems: '100' },
      { Action: 'ListAttachedRolePolicies', ...version, RoleName: 'ops', Marker: 'a2', MaxItems: '100' },
      { Action: 'ListRolePolicies', ...version, RoleName: 'ops', MaxItems: '100' },
      { Action: 'GetRolePolicy', ...version, RoleName: 'ops', PolicyName: 'inline-1' },
    ]);
  });

  it('IAM: a principal deleted while the sweep reads it has no grants (NoSuchEntity), other failures are thrown', async () => {
    // Prepare
    const deleted = scriptedQueryService(IAM, queryErrorAnswer(404, 'NoSuchEntity'));
    const denied = scriptedQueryService(IAM, queryErrorAnswer(403, 'AccessDenied'));

    // Act
    const grantsOfDeleted = await iamInventoryAdapter(deleted.service).grantsOf('user', 'gone');
    const grantsOfDenied = iamInventoryAdapter(denied.service).grantsOf('group', 'admins');

    // Assess
    expect(grantsOfDeleted).toBeUndefined();
    expect(deleted.forms()[0]).toMatchObject({ Action: 'ListAttachedUserPolicies', UserName: 'gone' });
    await expect(grantsOfDenied).rejects.toMatchObject({ name: 'AccessDenied' });
    expect(denied.forms()[0]).toMatchObject({ Action: 'ListAttachedGroupPolicies', GroupName: 'admins' });
  });

  it('ListApiDestinations and ListConnections: every page, with the OAuth endpoint of each OAuth connection (DescribeConnection)', async () => {
    // Prepare
    const arn = (kind: string, name: string) => `arn:aws:events:us-east-1:123456789012:${kind}/${name}/id`;
    const { service, calls } = fakeJsonService((operation, input) => {
      if (operation === 'ListApiDestinations' && input.NextToken === undefined) {
        return { ApiDestinations: [{ Name: 'a', ApiDestinationArn: arn('api-destination', 'a'), InvocationEndpoint: 'https://a.example.com' }], NextToken: 't2' };
      }
      if (operation === 'ListApiDestinations' && input.NextToken === 't2') {
        return { ApiDestinations: [{ Name: 'b', ApiDestinationArn: arn('api-destination', 'b'), InvocationEndpoint: 'https://b.example.com' }] };
      }
      if (operation === 'ListConnections' && input.NextToken === undefined) {
        return { Connections: [{ Name: 'key', ConnectionArn: arn('connection', 'key'), AuthorizationType: 'API_KEY' }], NextToken: 'c2' };
      }
      if (operation === 'ListConnections' && input.NextToken === 'c2') {
        return { Connections: [{ Name: 'oauth', ConnectionArn: arn('connection', 'oauth'), AuthorizationType: 'OAUTH_CLIENT_CREDENTIALS' }] };
      }
      if (operation === 'DescribeConnection' && input.Name === 'oauth') {
        return { AuthParameters: { OAuthParameters: { AuthorizationEndpoint: 'https://login.example.com/token', HttpMethod: 'POST' } } };
      }
      throw new Error(`unexpected ${operation} ${JSON.stringify(input)}`);
    });

    // Act
    const found = await eventBridgeDestinationsAdapter(service).listDestinations();

    // Assess
    expect(found).toEqual([
      { kind: 'api-destination', name: 'a', arn: arn('api-destination', 'a'), endpoint: 'https://a.example.com' },
      { kind: 'api-destination', name: 'b', arn: arn('api-destination', 'b'), endpoint: 'https://b.example.com' },
      { kind: 'connection', name: 'key', arn: arn('connection', 'key') },
      { kind: 'connection', name: 'oauth', arn: arn('connection', 'oauth'), endpoint: 'https://login.example.com/token' },
    ]);
    expect(calls.map((call) => call.operation)).toEqual(['ListApiDestinations', 'ListApiDestinations', 'ListConnections', 'ListConnections', 'DescribeConnection']);
  });

  it('ListGrants: follows NextMarker while Truncated', async () => {
    // Prepare
    const { service, calls } = fakeJsonService((operation, input) => {
      if (operation === 'ListGrants' && input.KeyId === KEY && input.Marker === undefined) {
        return { Grants: [{ GrantId: 'g1', GranteePrincipal: 'arn:aws:iam::111122223333:root', Operations: ['Decrypt'], CreationDate: 1.7e9 }], Truncated: true, NextMarker: 'm2' };
      }
      if (operation === 'ListGrants' && input.KeyId === KEY && input.Marker === 'm2') {
        return { Grants: [{ GrantId: 'g2', GranteePrincipal: 'dynamodb.us-east-1.amazonaws.com' }], Truncated: false };
      }
      throw new Error(`unexpected ${operation} ${JSON.stringify(input)}`);
    });

    // Act
    const grants = await kmsGrantsAdapter(service).listGrants(KEY);

    // Assess
    expect(grants).toEqual([
      { grantId: 'g1', granteePrincipal: 'arn:aws:iam::111122223333:root', operations: ['Decrypt'] },
      { grantId: 'g2', granteePrincipal: 'dynamodb.us-east-1.amazonaws.com' },
    ]);
    expect(calls).toHaveLength(2);
  });

  it('ListSubscriptionsByTopic: counts confirmed subscriptions over every page', async () => {
    // Prepare
    const subscription = (arn: string) => `<member><TopicArn>${TOPIC}</TopicArn><Protocol>email</Protocol><SubscriptionArn>${arn}</SubscriptionArn><Owner>123456789012</Owner><Endpoint>ops@example.com</Endpoint></member>`;
    const { service, forms } = scriptedQueryService(
      SNS,
      queryAnswer('ListSubscriptionsByTopic', `<Subscriptions>${subscription('PendingConfirmation')}${subscription(`${TOPIC}:s1`)}</Subscriptions><NextToken>t2</NextToken>`),
      queryAnswer('ListSubscriptionsByTopic', `<Subscriptions>${subscription(`${TOPIC}:s2`)}</Subscriptions>`),
    );

    // Act
    const confirmed = await topicSubscriptionsAdapter(service).confirmedSubscriptions(TOPIC);

    // Assess
    expect(confirmed).toBe(2);
    expect(forms()).toEqual([
      { Action: 'ListSubscriptionsByTopic', Version: '2010-03-31', TopicArn: TOPIC },
      { Action: 'ListSubscriptionsByTopic', Version: '2010-03-31', TopicArn: TOPIC, NextToken: 't2' },
    ]);
  });

  it('ListSubscriptionsByTopic: a topic that does not exist has no confirmed subscription', async () => {
    // Prepare
    const { service } = scriptedQueryService(SNS, queryErrorAnswer(404, 'NotFound'));

    // Act
    const confirmed = await topicSubscriptionsAdapter(service).confirmedSubscriptions(TOPIC);

    // Assess
    expect(confirmed).toBe(0);
  });

  it('Scan of the baseline table: follows LastEvaluatedKey, asks only for the kinds wanted', async () => {
    // Prepare
    const { service, calls } = fakeJsonService((operation, input) => {
      if (operation === 'Scan' && input.ExclusiveStartKey === undefined) {
        return { Items: [{ resource: { S: 'arn:b' }, kind: { S: 'events-rule' } }], LastEvaluatedKey: { resource: { S: 'arn:b' } } };
      }
      if (operation === 'Scan' && JSON.stringify(input.ExclusiveStartKey) === JSON.stringify({ resource: { S: 'arn:b' } })) {
        return { Items: [{ resource: { S: 'arn:a' }, kind: { S: 'events-rule' } }] };
      }
      throw new Error(`unexpected ${operation} ${JSON.stringify(input)}`);
    });

    // Act
    const resources = await dynamoDbBaselineCatalog(service, 'baselines').resourcesOf(['events-rule']);

    // Assess
    expect(resources).toEqual(['arn:a', 'arn:b']);
    expect(calls[0]?.input).toMatchObject({ TableName: 'baselines', FilterExpression: '#kind IN (:k0)', ExpressionAttributeValues: { ':k0': { S: 'events-rule' } } });
    expect(calls).toHaveLength(2);
  });
});

describe('the sweep checkpoint store', () => {
  const scope = { account: '123456789012', region: 'us-east-1' };

  it('takes the lease with a conditional PutItem, and reads a failed condition as "someone else holds it"', async () => {
    // Prepare
    const { service, sent } = scriptedJsonService(DYNAMODB, { status: 200, body: '{}' }, jsonError(400, 'com.amazonaws.dynamodb.v20120810', 'ConditionalCheckFailedException'));
    const store = dynamoDbCheckpointStore(service, 'state', scope);

    // Act
    const first = await store.tryLease('run-1', 2_000_000, 1_000_000);
    const second = await store.tryLease('run-2', 2_000_000, 1_000_000);

    // Assess
    expect([first, second]).toEqual([true, false]);
    expect(sent[0]?.headers['x-amz-target']).toBe('DynamoDB_20120810.PutItem');
    expect(JSON.parse(sent[0]?.body ?? '{}')).toMatchObject({
      TableName: 'state',
      Item: { pk: { S: 'sweep-lease#123456789012#us-east-1' }, holder: { S: 'run-1' }, leaseUntil: { N: '2000000' } },
      ExpressionAttributeValues: { ':now': { N: '1000000' }, ':holder': { S: 'run-1' } },
    });
  });

  it('loads a saved checkpoint, and ignores one whose TTL has passed but DynamoDB has not yet deleted', async () => {
    // Prepare
    const checkpoint = { runId: 'run-1', done: ['rules'] };
    const now = new Date('2026-11-29T12:00:00Z');
    const nowSeconds = now.getTime() / 1000;
    const { service, calls } = fakeJsonService((operation) => {
      if (operation !== 'GetItem') throw new Error(`unexpected ${operation}`);
      const expiresAt = calls.length === 1 ? nowSeconds + 60 : nowSeconds - 60;
      return { Item: { pk: { S: 'sweep-checkpoint#123456789012#us-east-1' }, checkpoint: { S: JSON.stringify(checkpoint) }, expiresAt: { N: String(expiresAt) } } };
    });
    const store = dynamoDbCheckpointStore(service, 'state', scope, () => now);

    // Act
    const fresh = await store.load();
    const expired = await store.load();

    // Assess
    expect(fresh).toEqual(checkpoint);
    expect(expired).toBeUndefined();
    expect(calls[0]?.input).toEqual({ TableName: 'state', Key: { pk: { S: 'sweep-checkpoint#123456789012#us-east-1' } }, ConsistentRead: true });
  });
});
