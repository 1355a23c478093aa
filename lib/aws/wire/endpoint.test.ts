import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IAMClient } from '@aws-sdk/client-iam';
import { KMSClient } from '@aws-sdk/client-kms';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { EndpointConfigurationError, resolveEndpoint, type ServiceAddress } from './endpoint';
import { CLOUDTRAIL, DYNAMODB, EC2, EVENTBRIDGE, IAM, KMS, LAMBDA, SECURITYHUB, SNS, SQS, SSM, STS, TAGGING } from './services';

// The SDK's own endpoint rules are the reference: for every service the functions call and a
// region of every partition, our endpoint and signing region must be the SDK's.

type EndpointProvider = (params: Record<string, unknown>) => { url: URL; properties?: { authSchemes?: Array<{ signingRegion?: string; signingRegionSet?: string[] }> } };
const sdkClients: Array<[string, ServiceAddress, (region: string) => { config: unknown }]> = [
  ['EventBridge', EVENTBRIDGE, (region) => new EventBridgeClient({ region })],
  ['KMS', KMS, (region) => new KMSClient({ region })],
  ['CloudTrail', CLOUDTRAIL, (region) => new CloudTrailClient({ region })],
  ['SSM', SSM, (region) => new SSMClient({ region })],
  ['DynamoDB', DYNAMODB, (region) => new DynamoDBClient({ region })],
  ['SQS', SQS, (region) => new SQSClient({ region })],
  ['Tagging', TAGGING, (region) => new ResourceGroupsTaggingAPIClient({ region })],
  ['Security Hub', SECURITYHUB, (region) => new SecurityHubClient({ region })],
  ['Lambda', LAMBDA, (region) => new LambdaClient({ region })],
  ['IAM', IAM, (region) => new IAMClient({ region })],
  ['SNS', SNS, (region) => new SNSClient({ region })],
  ['EC2', EC2, (region) => new EC2Client({ region })],
  ['STS', STS, (region) => new STSClient({ region })],
];
const regions = ['us-east-1', 'eu-west-1', 'ap-southeast-2', 'il-central-1', 'cn-north-1', 'cn-northwest-1', 'us-gov-west-1', 'us-gov-east-1', 'us-iso-east-1', 'us-isob-east-1', 'eu-isoe-west-1', 'us-isof-south-1', 'eusc-de-east-1'];

describe('resolveEndpoint', () => {
  describe.each(sdkClients)('%s', (_name, service, client) => {
    it.each(regions)('in %s is the SDK endpoint, signed for the SDK signing region', (region) => {
      const sdk = (client(region).config as { endpointProvider: EndpointProvider }).endpointProvider({ Region: region, UseFIPS: false, UseDualStack: false });
      const sdkSigningRegion = sdk.properties?.authSchemes?.[0]?.signingRegion ?? region;

      const ours = resolveEndpoint(service, region, {});

      expect(ours.url.href).toBe(new URL(sdk.url).href);
      expect(ours.signingRegion).toBe(sdkSigningRegion);
    });
  });

  it('takes AWS_ENDPOINT_URL_<SERVICE> over AWS_ENDPOINT_URL, and an explicit endpoint over both', () => {
    const env = { AWS_ENDPOINT_URL: 'http://127.0.0.1:5000', AWS_ENDPOINT_URL_KMS: 'http://127.0.0.1:6000' };

    expect(resolveEndpoint(KMS, 'us-east-1', env).url.href).toBe('http://127.0.0.1:6000/');
    expect(resolveEndpoint(SSM, 'us-east-1', env).url.href).toBe('http://127.0.0.1:5000/');
    expect(resolveEndpoint(KMS, 'us-east-1', env, 'http://127.0.0.1:7000').url.href).toBe('http://127.0.0.1:7000/');
  });

  it('ignores configured endpoints when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true', () => {
    const env = { AWS_ENDPOINT_URL: 'http://127.0.0.1:5000', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' };

    expect(resolveEndpoint(SSM, 'eu-west-1', env).url.href).toBe('https://ssm.eu-west-1.amazonaws.com/');
  });

  it.each([
    ['a region that is not one', 'us-east-1; rm -rf', {}],
    ['an endpoint that is not a URL', 'us-east-1', { AWS_ENDPOINT_URL: 'not a url' }],
    ['an endpoint that is not http(s)', 'us-east-1', { AWS_ENDPOINT_URL: 'file:///etc/passwd' }],
    ['FIPS endpoints (they differ per service)', 'us-east-1', { AWS_USE_FIPS_ENDPOINT: 'true' }],
    ['dual-stack endpoints', 'us-east-1', { AWS_USE_DUALSTACK_ENDPOINT: 'TRUE' }],
  ])('refuses %s with a clear error', (_case, region, env) => {
    expect(() => resolveEndpoint(SSM, region, env)).toThrow(EndpointConfigurationError);
  });
});
