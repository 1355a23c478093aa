/**
 * The SQS adapter over the functions' own JSON client (SQS speaks awsJson1_0: the queue is
 * named by the QueueUrl input member). moto answers ListQueues in one page, so paging is proven
 * here; the calls themselves run against moto in test/integration/encryption-response.test.ts.
 */
import { fakeJsonService, jsonError, scriptedJsonService } from '../../test/support/json-services';
import { sqsAdapter } from './sqs';
import { SQS } from './wire/services';

const URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/orders';
const ARN = 'arn:aws:sqs:us-east-1:123456789012:orders';
/** How SQS answers for a missing queue in JSON: the code in __type, its query-protocol code in a header. */
const missingQueue = () => jsonError(400, 'com.amazonaws.sqs', 'QueueDoesNotExist', { 'x-amzn-query-error': 'AWS.SimpleQueueService.NonExistentQueue;Sender' });

describe('sqsAdapter', () => {
  it('reads every attribute of a queue, and writes attributes back, by its URL', async () => {
    // Prepare
    const { service, calls } = fakeJsonService((operation) => (operation === 'GetQueueAttributes' ? { Attributes: { SqsManagedSseEnabled: 'true', Policy: '{}' } } : {}));
    const adapter = sqsAdapter(service);

    // Act
    const attributes = await adapter.getAttributes(URL);
    await adapter.setAttributes(URL, { SqsManagedSseEnabled: 'true' });

    // Assess
    expect(attributes).toEqual({ SqsManagedSseEnabled: 'true', Policy: '{}' });
    expect(calls).toEqual([
      { operation: 'GetQueueAttributes', input: { QueueUrl: URL, AttributeNames: ['All'] } },
      { operation: 'SetQueueAttributes', input: { QueueUrl: URL, Attributes: { SqsManagedSseEnabled: 'true' } } },
    ]);
  });

  it('reads a queue without attributes as an empty set, not as gone', async () => {
    // Prepare
    const { service } = fakeJsonService(() => ({}));

    // Act
    const attributes = await sqsAdapter(service).getAttributes(URL);

    // Assess
    expect(attributes).toEqual({});
  });

  it('finds the URL of a queue ARN, asking with its name and owner account', async () => {
    // Prepare
    const { service, calls } = fakeJsonService(() => ({ QueueUrl: URL }));

    // Act
    const url = await sqsAdapter(service).urlOf(ARN);

    // Assess
    expect(url).toBe(URL);
    expect(calls).toEqual([{ operation: 'GetQueueUrl', input: { QueueName: 'orders', QueueOwnerAWSAccountId: '123456789012' } }]);
  });

  it('reads a queue SQS answers QueueDoesNotExist for as gone, over the JSON protocol', async () => {
    // Prepare
    const { service, sent } = scriptedJsonService(SQS, missingQueue(), missingQueue());
    const adapter = sqsAdapter(service);

    // Act
    const attributes = await adapter.getAttributes(URL);
    const url = await adapter.urlOf(ARN);

    // Assess
    expect(attributes).toBeUndefined();
    expect(url).toBeUndefined();
    expect(sent.map((r) => [r.headers['x-amz-target'], r.headers['content-type']])).toEqual([
      ['AmazonSQS.GetQueueAttributes', 'application/x-amz-json-1.0'],
      ['AmazonSQS.GetQueueUrl', 'application/x-amz-json-1.0'],
    ]);
  });

  it('lets any other refusal through', async () => {
    // Prepare
    const { service } = scriptedJsonService(SQS, jsonError(400, 'com.amazonaws.sqs', 'AccessDenied'));

    // Act
    const attributes = sqsAdapter(service).getAttributes(URL);

    // Assess
    await expect(attributes).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it('pages through every queue, 1000 a page, while SQS gives a NextToken', async () => {
    // Prepare
    const { service, calls } = fakeJsonService((_, input) => (input.NextToken === 't2' ? { QueueUrls: [`${URL}-2`] } : { QueueUrls: [URL], NextToken: 't2' }));

    // Act
    const urls = await sqsAdapter(service).listQueueUrls();

    // Assess
    expect(urls).toEqual([URL, `${URL}-2`]);
    expect(calls).toEqual([
      { operation: 'ListQueues', input: { MaxResults: 1000 } },
      { operation: 'ListQueues', input: { NextToken: 't2', MaxResults: 1000 } },
    ]);
  });
});
