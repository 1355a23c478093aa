/**
 * Paging of the sweep's own list calls. moto answers these in one page whatever their number
 * (it ignores the page size the SDK does not send), so the pages are mocked with
 * aws-sdk-client-mock; the calls themselves run against moto in test/integration/sweep.test.ts.
 */
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, ListRulesCommand } from '@aws-sdk/client-eventbridge';
import { KMSClient, ListGrantsCommand } from '@aws-sdk/client-kms';
import { ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { rateLimited } from '../sweep/rate-limit';
import { dynamoDbBaselineCatalog, kmsGrantsAdapter, topicSubscriptionsAdapter } from './sweep-readers';

const KEY = 'arn:aws:kms:us-east-1:123456789012:key/k-1';
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:alerts';
const config = { region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } };

describe('the sweep readers page through every list', () => {
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
