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
import type { JsonServiceSpec } from './json';
import type { QueryServiceSpec } from './query-service';
import { CLOUDTRAIL, DYNAMODB, EC2, EVENTBRIDGE, IAM, KMS, LAMBDA, SECURITYHUB, SNS, SQS, SSM, STS, TAGGING } from './services';

// Each service spec must say what the installed SDK client says: protocol, X-Amz-Target prefix,
// API version, signing name and service id (AWS_ENDPOINT_URL_<id>). A wrong one would send
// requests AWS rejects (or, for the signing name, signatures AWS refuses).
interface SdkConfig {
  protocol: { getShapeId(): string };
  protocolSettings: { serviceTarget?: string; version?: string };
  defaultSigningName: string;
  serviceId: string;
}
const config = (client: { config: unknown }) => client.config as SdkConfig;
const envId = (serviceId: string) => serviceId.toUpperCase().replace(/ /g, '_');

const json: Array<[string, JsonServiceSpec, SdkConfig]> = [
  ['EventBridge', EVENTBRIDGE, config(new EventBridgeClient({ region: 'us-east-1' }))],
  ['KMS', KMS, config(new KMSClient({ region: 'us-east-1' }))],
  ['CloudTrail', CLOUDTRAIL, config(new CloudTrailClient({ region: 'us-east-1' }))],
  ['SSM', SSM, config(new SSMClient({ region: 'us-east-1' }))],
  ['DynamoDB', DYNAMODB, config(new DynamoDBClient({ region: 'us-east-1' }))],
  ['SQS', SQS, config(new SQSClient({ region: 'us-east-1' }))],
  ['Tagging', TAGGING, config(new ResourceGroupsTaggingAPIClient({ region: 'us-east-1' }))],
];
const restJson: Array<[string, typeof SECURITYHUB, SdkConfig]> = [
  ['Security Hub', SECURITYHUB, config(new SecurityHubClient({ region: 'us-east-1' }))],
  ['Lambda', LAMBDA, config(new LambdaClient({ region: 'us-east-1' }))],
];
const query: Array<[string, QueryServiceSpec, SdkConfig]> = [
  ['IAM', IAM, config(new IAMClient({ region: 'us-east-1' }))],
  ['SNS', SNS, config(new SNSClient({ region: 'us-east-1' }))],
  ['STS', STS, config(new STSClient({ region: 'us-east-1' }))],
  ['EC2', EC2, config(new EC2Client({ region: 'us-east-1' }))],
];

describe('the service specs', () => {
  it.each(json)('%s speaks the SDK client’s JSON protocol, target and signing name', (_name, spec, sdk) => {
    expect(sdk.protocol.getShapeId()).toBe(`aws.protocols#awsJson${spec.jsonVersion.replace('.', '_')}`);
    expect(spec.targetPrefix).toBe(sdk.protocolSettings.serviceTarget);
    expect(spec.signingName).toBe(sdk.defaultSigningName);
    expect(spec.endpointEnvId).toBe(envId(sdk.serviceId));
  });

  it.each(restJson)('%s speaks restJson1 with the SDK client’s signing name', (_name, spec, sdk) => {
    expect(sdk.protocol.getShapeId()).toBe('aws.protocols#restJson1');
    expect(spec.signingName).toBe(sdk.defaultSigningName);
    expect(spec.endpointEnvId).toBe(envId(sdk.serviceId));
  });

  it.each(query)('%s speaks the SDK client’s query protocol and API version', (_name, spec, sdk) => {
    expect(sdk.protocol.getShapeId()).toBe(spec.style === 'ec2' ? 'aws.protocols#ec2Query' : 'aws.protocols#awsQuery');
    expect(spec.apiVersion).toBe(sdk.protocolSettings.version);
    expect(spec.signingName).toBe(sdk.defaultSigningName);
    expect(spec.endpointEnvId).toBe(envId(sdk.serviceId));
  });
});
