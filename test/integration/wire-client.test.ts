/**
 * The functions' own AWS client (lib/aws/wire) against moto, one test per wire protocol: what
 * it sends is understood, what it reads back is what was stored, and AWS's errors keep the names
 * the SDK gave them (the adapters' "not found" checks depend on them).
 */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { randomUUID } from 'node:crypto';
import { AwsServiceError } from '../../lib/aws/wire/errors';
import { queryMap } from '../../lib/aws/wire/query';
import { dynamoDbService, ec2Service, iamService, securityHubService, snsService, sqsService, ssmService, stsService } from '../../lib/aws/wire/services';
import { child, listOf, textOf } from '../../lib/aws/wire/xml';
import { awsClientConfig, wireTestConfig } from './harness/aws';

jest.setTimeout(60_000);

describe('the wire client against moto', () => {
  it('awsJson1_1 (SSM): reads a SecureString parameter, decrypted', async () => {
    const name = `/drift/wire/${randomUUID()}`;
    await new SSMClient(awsClientConfig()).send(new PutParameterCommand({ Name: name, Value: 'https://hooks.slack.com/x y', Type: 'SecureString' }));

    const output = await ssmService(wireTestConfig()).call<{ Parameter?: { Value?: string } }>('GetParameter', { Name: name, WithDecryption: true });

    expect(output.Parameter?.Value).toBe('https://hooks.slack.com/x y');
  });

  it('awsJson1_1 (SSM): a missing parameter is ParameterNotFound, a client error, not retried', async () => {
    const error = await ssmService(wireTestConfig()).call('GetParameter', { Name: `/drift/wire/missing-${randomUUID()}` }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AwsServiceError);
    expect(error).toMatchObject({ name: 'ParameterNotFound', $fault: 'client', $metadata: { httpStatusCode: 400, attempts: 1 } });
  });

  it('awsJson1_0 (DynamoDB): writes and reads an item; a failed condition is ConditionalCheckFailedException', async () => {
    const table = `wire-${randomUUID()}`;
    await new DynamoDBClient(awsClientConfig()).send(
      new CreateTableCommand({ TableName: table, KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' }),
    );
    const dynamodb = dynamoDbService(wireTestConfig());
    const item = { pk: { S: 'k#1' }, count: { N: '3' }, tags: { SS: ['a', 'b'] }, doc: { M: { nested: { S: 'ünïcode ✓' } } } };

    await dynamodb.call('PutItem', { TableName: table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' });
    const read = await dynamodb.call<{ Item?: unknown }>('GetItem', { TableName: table, Key: { pk: { S: 'k#1' } }, ConsistentRead: true });
    const again = await dynamodb.call('PutItem', { TableName: table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }).catch((e: unknown) => e);

    expect(read.Item).toEqual(item);
    expect(again).toMatchObject({ name: 'ConditionalCheckFailedException', $metadata: { httpStatusCode: 400 } });
  });

  it('awsJson1_0 (SQS): a queue that does not exist has the name the SDK gives it', async () => {
    const error = await sqsService(wireTestConfig()).call('GetQueueUrl', { QueueName: `missing-${randomUUID()}` }).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'QueueDoesNotExist', $fault: 'client' });
  });

  it('restJson1 (Security Hub): imports a finding and reads it back by id', async () => {
    const id = `drift-wire-${randomUUID()}`;
    const now = new Date().toISOString();
    const securityHub = securityHubService(wireTestConfig());
    const finding = {
      SchemaVersion: '2018-10-08',
      Id: id,
      ProductArn: 'arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default',
      GeneratorId: 'drift-responder/eventbridge-bus-public-put',
      AwsAccountId: '123456789012',
      Types: ['Software and Configuration Checks/Industry and Regulatory Standards'],
      CreatedAt: now,
      UpdatedAt: now,
      Severity: { Label: 'HIGH' },
      Title: 'Bus opened to the world',
      Description: 'wire client test',
      Resources: [{ Type: 'Other', Id: 'arn:aws:events:us-east-1:123456789012:event-bus/default' }],
    };

    const imported = await securityHub.call<{ FailedCount?: number; SuccessCount?: number }>('BatchImportFindings', { method: 'POST', path: '/findings/import', body: { Findings: [finding] } });
    const found = await securityHub.call<{ Findings?: Array<{ Id?: string; Title?: string }> }>('GetFindings', {
      method: 'POST',
      path: '/findings',
      body: { Filters: { Id: [{ Value: id, Comparison: 'EQUALS' }] } },
    });

    expect(imported).toMatchObject({ FailedCount: 0, SuccessCount: 1 });
    expect(found.Findings?.map((f) => [f.Id, f.Title])).toEqual([[id, 'Bus opened to the world']]);
  });

  it('awsQuery (SNS): creates a topic with a map of attributes, reads them back, publishes to it', async () => {
    const sns = snsService(wireTestConfig());
    const name = `wire-${randomUUID()}`;

    const created = await sns.call('CreateTopic', { Name: name, Attributes: queryMap({ DisplayName: 'drift & <wire>' }) });
    const topicArn = textOf(created, 'TopicArn') ?? '';
    const attributes = await sns.call('GetTopicAttributes', { TopicArn: topicArn });
    const entries = listOf(attributes, 'Attributes', 'entry').map((entry) => [textOf(entry, 'key'), textOf(entry, 'value')]);
    const published = await sns.call('Publish', { TopicArn: topicArn, Message: 'ünïcode ✓ & more', Subject: 'wire' });

    expect(topicArn).toMatch(new RegExp(`^arn:aws:sns:us-east-1:\\d{12}:${name}$`));
    expect(entries).toContainEqual(['DisplayName', 'drift & <wire>']);
    expect(textOf(published, 'MessageId')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('awsQuery (IAM): a missing role policy is NoSuchEntity, HTTP 404, not retried', async () => {
    const error = await iamService(wireTestConfig()).call('GetRolePolicy', { RoleName: `missing-${randomUUID()}`, PolicyName: 'p' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AwsServiceError);
    expect(error).toMatchObject({ name: 'NoSuchEntity', $fault: 'client', $metadata: { httpStatusCode: 404, attempts: 1 } });
  });

  it('awsQuery (STS): says which account the credentials belong to', async () => {
    const identity = await stsService(wireTestConfig()).call('GetCallerIdentity');

    expect(textOf(identity, 'Account')).toBe('123456789012');
  });

  it('ec2Query (EC2): lists VPCs filtered by a list of values; an unknown endpoint id is an EC2 error code', async () => {
    const ec2 = ec2Service(wireTestConfig());

    const vpcs = await ec2.call('DescribeVpcs', { Filter: [{ Name: 'is-default', Value: ['true', 'false'] }] });
    const error = await ec2.call('DescribeVpcEndpoints', { VpcEndpointId: ['vpce-0123456789abcdef0'] }).catch((e: unknown) => e);

    // moto starts with the region's default VPC.
    const ids = listOf(vpcs, 'vpcSet', 'item').map((vpc) => textOf(vpc, 'vpcId'));
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.every((id) => /^vpc-[0-9a-f]+$/.test(id ?? ''))).toBe(true);
    expect(child(vpcs, 'requestId')).toBeDefined();
    expect(error).toMatchObject({ name: 'InvalidVpcEndpointId.NotFound', $fault: 'client' });
  });
});
