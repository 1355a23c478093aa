import { CreatePolicyCommand, DeleteRolePolicyCommand, GetPolicyVersionCommand, IAMClient, ListAttachedRolePoliciesCommand } from '@aws-sdk/client-iam';
import { CreateTopicCommand, PublishCommand, SetTopicAttributesCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { DescribeVpcEndpointsCommand, EC2Client, ModifyVpcEndpointCommand } from '@aws-sdk/client-ec2';
import { HttpResponse } from '@smithy/core/transport';
import { encodeQueryComponent, queryBody, queryError, queryMap } from './query';

/*
 * SDK v3 is the oracle here: for each operation the test builds the SDK's own request (stopped before
 * signing, never sent) and compares bytes. Members are given in the SDK's model order, because the
 * SDK writes them in that order and we write them in insertion order.
 */

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
const clientConfig = { region: 'us-east-1', credentials, maxAttempts: 1 };

const STOP = 'request captured';

interface SendsCommands {
  middlewareStack: { add(middleware: unknown, options: { step: 'build'; name: string }): void };
  send(command: never): Promise<unknown>;
}

/** The body the SDK would send for one command: captured at the build step, after serialisation, before signing. */
async function sdkBody(client: SendsCommands, command: unknown): Promise<string> {
  let body: unknown;
  client.middlewareStack.add(
    () => async (args: { request: { body: unknown } }) => {
      body = args.request.body;
      throw new Error(STOP);
    },
    { step: 'build', name: 'captureQueryBody' },
  );
  await expect(client.send(command as never)).rejects.toThrow(STOP);
  if (typeof body !== 'string') throw new Error(`the SDK built a ${typeof body} body`);
  return body;
}

const policyDocument = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Sid: 'Deny non-TLS (v2)', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }],
});

describe('queryBody', () => {
  it.each([
    {
      operation: 'IAM ListAttachedRolePolicies',
      sdk: () => sdkBody(new IAMClient(clientConfig), new ListAttachedRolePoliciesCommand({ RoleName: 'app-role', PathPrefix: '/service-role/', Marker: 'AAAA+/=', MaxItems: 50 })),
      ours: () => queryBody('ListAttachedRolePolicies', '2010-05-08', { RoleName: 'app-role', PathPrefix: '/service-role/', Marker: 'AAAA+/=', MaxItems: 50 }, 'query'),
    },
    {
      operation: 'IAM DeleteRolePolicy',
      sdk: () => sdkBody(new IAMClient(clientConfig), new DeleteRolePolicyCommand({ RoleName: 'app-role', PolicyName: 'inline@example.com' })),
      ours: () => queryBody('DeleteRolePolicy', '2010-05-08', { RoleName: 'app-role', PolicyName: 'inline@example.com' }, 'query'),
    },
    {
      operation: 'IAM GetPolicyVersion',
      sdk: () => sdkBody(new IAMClient(clientConfig), new GetPolicyVersionCommand({ PolicyArn: 'arn:aws:iam::123456789012:policy/guard', VersionId: 'v3' })),
      ours: () => queryBody('GetPolicyVersion', '2010-05-08', { PolicyArn: 'arn:aws:iam::123456789012:policy/guard', VersionId: 'v3' }, 'query'),
    },
    {
      operation: 'IAM CreatePolicy with a policy document and an empty tag list',
      sdk: () => sdkBody(new IAMClient(clientConfig), new CreatePolicyCommand({ PolicyName: 'guard', PolicyDocument: policyDocument, Tags: [] })),
      ours: () => queryBody('CreatePolicy', '2010-05-08', { PolicyName: 'guard', PolicyDocument: policyDocument, Tags: [] }, 'query'),
    },
    {
      operation: 'SNS Publish with MessageAttributes (a map with Name/Value entries)',
      sdk: () =>
        sdkBody(
          new SNSClient(clientConfig),
          new PublishCommand({
            TopicArn: 'arn:aws:sns:us-east-1:123456789012:alerts',
            Message: 'Bus "default" opened to * — reverted (100% sure)!',
            Subject: 'drift: bus-policy-public',
            MessageAttributes: {
              control: { DataType: 'String', StringValue: 'bus-policy-public' },
              severity: { DataType: 'Number', StringValue: '8' },
            },
          }),
        ),
      ours: () =>
        queryBody(
          'Publish',
          '2010-03-31',
          {
            Message: 'Bus "default" opened to * — reverted (100% sure)!',
            TopicArn: 'arn:aws:sns:us-east-1:123456789012:alerts',
            Subject: 'drift: bus-policy-public',
            MessageAttributes: queryMap(
              { control: { DataType: 'String', StringValue: 'bus-policy-public' }, severity: { DataType: 'Number', StringValue: '8' } },
              { key: 'Name', value: 'Value' },
            ),
          },
          'query',
        ),
    },
    {
      operation: 'SNS SetTopicAttributes with a policy',
      sdk: () => sdkBody(new SNSClient(clientConfig), new SetTopicAttributesCommand({ TopicArn: 'arn:aws:sns:us-east-1:123456789012:alerts', AttributeName: 'Policy', AttributeValue: policyDocument })),
      ours: () => queryBody('SetTopicAttributes', '2010-03-31', { TopicArn: 'arn:aws:sns:us-east-1:123456789012:alerts', AttributeName: 'Policy', AttributeValue: policyDocument }, 'query'),
    },
    {
      operation: 'SNS CreateTopic with an Attributes map (key/value entries) and a Tags list of structures',
      sdk: () =>
        sdkBody(
          new SNSClient(clientConfig),
          new CreateTopicCommand({ Name: 'alerts', Attributes: { KmsMasterKeyId: 'alias/aws/sns', DisplayName: 'Drift alerts' }, Tags: [{ Key: 'team', Value: 'security' }] }),
        ),
      ours: () =>
        queryBody(
          'CreateTopic',
          '2010-03-31',
          { Name: 'alerts', Attributes: queryMap({ KmsMasterKeyId: 'alias/aws/sns', DisplayName: 'Drift alerts' }), Tags: [{ Key: 'team', Value: 'security' }] },
          'query',
        ),
    },
    {
      operation: 'STS GetCallerIdentity (no input)',
      sdk: () => sdkBody(new STSClient(clientConfig), new GetCallerIdentityCommand({})),
      ours: () => queryBody('GetCallerIdentity', '2011-06-15', {}, 'query'),
    },
    {
      operation: 'EC2 DescribeVpcEndpoints with endpoint ids and filters with values',
      sdk: () =>
        sdkBody(
          new EC2Client(clientConfig),
          new DescribeVpcEndpointsCommand({
            DryRun: false,
            VpcEndpointIds: ['vpce-0a1b2c3d', 'vpce-4e5f6a7b'],
            Filters: [
              { Name: 'vpc-endpoint-type', Values: ['Gateway'] },
              { Name: 'service-name', Values: ['com.amazonaws.us-east-1.s3', 'com.amazonaws.us-east-1.dynamodb'] },
            ],
            MaxResults: 100,
            NextToken: 'eyJ0b2tlbiI6IjEifQ==',
          }),
        ),
      // Wire names (the model's xmlName), lower-case as a caller might write them: ec2Query capitalises.
      ours: () =>
        queryBody(
          'DescribeVpcEndpoints',
          '2016-11-15',
          {
            dryRun: false,
            vpcEndpointId: ['vpce-0a1b2c3d', 'vpce-4e5f6a7b'],
            filter: [
              { name: 'vpc-endpoint-type', value: ['Gateway'] },
              { name: 'service-name', value: ['com.amazonaws.us-east-1.s3', 'com.amazonaws.us-east-1.dynamodb'] },
            ],
            maxResults: 100,
            nextToken: 'eyJ0b2tlbiI6IjEifQ==',
          },
          'ec2',
        ),
    },
    {
      operation: 'EC2 ModifyVpcEndpoint with a policy document and an empty list',
      sdk: () =>
        sdkBody(
          new EC2Client(clientConfig),
          new ModifyVpcEndpointCommand({ VpcEndpointId: 'vpce-0a1b2c3d', ResetPolicy: false, PolicyDocument: policyDocument, AddRouteTableIds: ['rtb-11aa'], RemoveRouteTableIds: [] }),
        ),
      ours: () =>
        queryBody(
          'ModifyVpcEndpoint',
          '2016-11-15',
          { VpcEndpointId: 'vpce-0a1b2c3d', ResetPolicy: false, PolicyDocument: policyDocument, AddRouteTableId: ['rtb-11aa'], RemoveRouteTableId: [] },
          'ec2',
        ),
    },
  ])('sends the same bytes as SDK v3 for $operation', async ({ sdk, ours }) => {
    // Prepare
    const expected = await sdk();

    // Act
    const body = ours();

    // Assess
    expect(body).toBe(expected);
  });

  it('flattens nested structures and lists the awsQuery way', () => {
    // Act
    const body = queryBody('Act', '1', { Outer: { Inner: { Leaf: 'x' }, Items: ['a', 'b'] } }, 'query');

    // Assess
    expect(body).toBe('Action=Act&Version=1&Outer.Inner.Leaf=x&Outer.Items.member.1=a&Outer.Items.member.2=b');
  });

  it('numbers ec2Query list items directly and capitalises member names but not map keys', () => {
    // Act
    const body = queryBody('Act', '1', { tagSpecification: [{ tags: [{ key: 'k' }] }], options: queryMap({ lower: 'v' }) }, 'ec2');

    // Assess
    expect(body).toBe('Action=Act&Version=1&TagSpecification.1.Tags.1.Key=k&Options.entry.1.key=lower&Options.entry.1.value=v');
  });

  it('skips undefined and null members, list items and map entries without using up an index', () => {
    // Act
    const body = queryBody('Act', '1', { A: undefined, B: null, C: [null, 'c1', undefined, 'c2'], D: queryMap({ gone: null, kept: 'v' }) }, 'query');

    // Assess
    expect(body).toBe('Action=Act&Version=1&C.member.1=c1&C.member.2=c2&D.entry.1.key=kept&D.entry.1.value=v');
  });

  it('writes booleans, numbers, timestamps and blobs as the SDK does', () => {
    // Act
    const body = queryBody(
      'Act',
      '1',
      { Yes: true, No: false, Count: 0, Ratio: 0.5, At: new Date(Date.UTC(2026, 10, 29, 18, 0, 0)), AtMs: new Date(Date.UTC(2026, 10, 29, 18, 0, 0, 250)), Blob: new Uint8Array([0xfb, 0xff]) },
      'query',
    );

    // Assess
    expect(body).toBe('Action=Act&Version=1&Yes=true&No=false&Count=0&Ratio=0.5&At=2026-11-29T18%3A00%3A00Z&AtMs=2026-11-29T18%3A00%3A00.250Z&Blob=%2B%2F8%3D');
  });

  it.each([
    ['not a finite number', { N: Number.NaN }, /query member N is NaN/],
    ['a function', { F: () => 1 }, /query member F is a function/],
    ['a symbol inside a list', { L: [Symbol('s')] }, /query member L.member.1 is a symbol/],
  ])('refuses a member that is %s, naming it', (_label, params, message) => {
    // Act
    const act = () => queryBody('Act', '1', params, 'query');

    // Assess
    expect(act).toThrow(TypeError);
    expect(act).toThrow(message);
  });
});

describe('encodeQueryComponent', () => {
  it.each([
    ['unreserved characters', 'AZaz09-_.~', 'AZaz09-_.~'],
    ['sub-delimiters encodeURIComponent leaves alone', "!'()*", '%21%27%28%29%2A'],
    ['space, plus, slash, equals, ampersand', ' +/=&', '%20%2B%2F%3D%26'],
    ['non-ASCII as UTF-8', 'é—😀', '%C3%A9%E2%80%94%F0%9F%98%80'],
  ])('encodes %s per RFC 3986', (_label, raw, encoded) => {
    expect(encodeQueryComponent(raw)).toBe(encoded);
  });
});

// Error shapes: awsQuery per the IAM/SNS/STS "Common Errors" documentation (ErrorResponse > Error > Type, Code,
// Message; RequestId beside Error), ec2Query per the EC2 API Reference "Error codes" page (Response > Errors >
// Error > Code, Message; RequestID). Values follow the documentation's examples.
const iamNoSuchEntity = `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <Error>
    <Type>Sender</Type>
    <Code>NoSuchEntity</Code>
    <Message>The role with name S3Access cannot be found.</Message>
  </Error>
  <RequestId>7e7cd8bc-99ef-11e1-a4c3-27EXAMPLE804</RequestId>
</ErrorResponse>`;

const snsAuthorizationError = `<?xml version="1.0"?>
<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">
  <Error>
    <Type>Sender</Type>
    <Code>AuthorizationError</Code>
    <Message>User: arn:aws:sts::123456789012:assumed-role/guard/fn is not authorized to perform: SNS:Publish on resource: arn:aws:sns:us-east-1:123456789012:alerts because no identity-based policy allows the SNS:Publish action &amp; no resource policy does</Message>
  </Error>
  <RequestId>9b0a9c36-3c8e-5a3a-9d2f-EXAMPLE1a2b</RequestId>
</ErrorResponse>`;

const ec2NotFound = `<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>InvalidVpcEndpointId.NotFound</Code><Message>The Vpc Endpoint Id 'vpce-0a1b2c3d' does not exist</Message></Error></Errors><RequestID>ea966190-f9aa-478e-9ede-example</RequestID></Response>`;

describe('queryError', () => {
  it.each([
    ['an awsQuery ErrorResponse (IAM NoSuchEntity)', iamNoSuchEntity, { code: 'NoSuchEntity', message: 'The role with name S3Access cannot be found.', type: 'Sender', requestId: '7e7cd8bc-99ef-11e1-a4c3-27EXAMPLE804' }],
    [
      'an awsQuery ErrorResponse with a declaration and an entity (SNS AuthorizationError)',
      snsAuthorizationError,
      {
        code: 'AuthorizationError',
        message:
          'User: arn:aws:sts::123456789012:assumed-role/guard/fn is not authorized to perform: SNS:Publish on resource: arn:aws:sns:us-east-1:123456789012:alerts because no identity-based policy allows the SNS:Publish action & no resource policy does',
        type: 'Sender',
        requestId: '9b0a9c36-3c8e-5a3a-9d2f-EXAMPLE1a2b',
      },
    ],
    ['an ec2Query Response (InvalidVpcEndpointId.NotFound)', ec2NotFound, { code: 'InvalidVpcEndpointId.NotFound', message: "The Vpc Endpoint Id 'vpce-0a1b2c3d' does not exist", requestId: 'ea966190-f9aa-478e-9ede-example' }],
  ])('reads %s', (_label, body, expected) => {
    // Act
    const error = queryError(body);

    // Assess
    expect(error).toStrictEqual(expected);
  });

  it.each([
    ['a success answer', '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult/></GetCallerIdentityResponse>'],
    ['an ErrorResponse without a code', '<ErrorResponse><Error><Message>m</Message></Error></ErrorResponse>'],
    ['an EC2 Response without Errors', '<Response><RequestID>r</RequestID></Response>'],
    ['an HTML page from a proxy', '<html><body><h1>502 Bad Gateway</h1><hr></body></html>'],
    ['JSON', '{"__type":"ThrottlingException","message":"Rate exceeded"}'],
    ['an empty body', ''],
  ])('returns undefined for %s', (_label, body) => {
    expect(queryError(body)).toBeUndefined();
  });

  it.each([
    ['IAM', () => new IAMClient(clientConfig), () => new DeleteRolePolicyCommand({ RoleName: 'S3Access', PolicyName: 'p' }), iamNoSuchEntity],
    ['SNS', () => new SNSClient(clientConfig), () => new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:123456789012:alerts', Message: 'm' }), snsAuthorizationError],
    ['EC2', () => new EC2Client(clientConfig), () => new DescribeVpcEndpointsCommand({ VpcEndpointIds: ['vpce-0a1b2c3d'] }), ec2NotFound],
  ])('agrees with the error SDK v3 makes of the same %s answer', async (_service, makeClient, makeCommand, body) => {
    // Prepare: the SDK receives the body as a 400 from a fake handler.
    const client = makeClient() as unknown as { config: { requestHandler: unknown }; send(command: never): Promise<unknown> };
    client.config.requestHandler = {
      handle: async () => ({ response: new HttpResponse({ statusCode: 400, headers: { 'content-type': 'text/xml' }, body: new TextEncoder().encode(body) }) }),
    };
    const sdkError = await client.send(makeCommand() as never).then(
      () => undefined,
      (error: unknown) => error as { Code?: string; Type?: string; message: string },
    );

    // Act
    const ours = queryError(body);

    // Assess: the SDK takes the request id from a header, not the body, so only the body's fields are compared.
    expect(sdkError?.Code).toBeDefined();
    expect({ code: ours?.code, message: ours?.message, type: ours?.type }).toEqual({ code: sdkError?.Code, message: sdkError?.message, type: sdkError?.Type });
  });
});
