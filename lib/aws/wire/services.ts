import type { WireConfig } from './client';
import { queryService, type QueryService, type QueryServiceSpec } from './query-service';
import { jsonService, restJsonService, type JsonService, type JsonServiceSpec, type RestJsonService, type RestJsonServiceSpec } from './json';

// The services the functions call, as their SDK v3 clients address them (runtimeConfig.shared.js:
// protocol, serviceTarget; EndpointParameters.js: signing name). lib/aws/wire/services.test.ts
// checks each against the installed SDK client.

export const EVENTBRIDGE: JsonServiceSpec = { endpointPrefix: 'events', signingName: 'events', endpointEnvId: 'EVENTBRIDGE', targetPrefix: 'AWSEvents', jsonVersion: '1.1' };
export const KMS: JsonServiceSpec = { endpointPrefix: 'kms', signingName: 'kms', endpointEnvId: 'KMS', targetPrefix: 'TrentService', jsonVersion: '1.1' };
export const CLOUDTRAIL: JsonServiceSpec = { endpointPrefix: 'cloudtrail', signingName: 'cloudtrail', endpointEnvId: 'CLOUDTRAIL', targetPrefix: 'CloudTrail_20131101', jsonVersion: '1.1' };
export const SSM: JsonServiceSpec = { endpointPrefix: 'ssm', signingName: 'ssm', endpointEnvId: 'SSM', targetPrefix: 'AmazonSSM', jsonVersion: '1.1' };
export const DYNAMODB: JsonServiceSpec = { endpointPrefix: 'dynamodb', signingName: 'dynamodb', endpointEnvId: 'DYNAMODB', targetPrefix: 'DynamoDB_20120810', jsonVersion: '1.0' };
export const SQS: JsonServiceSpec = { endpointPrefix: 'sqs', signingName: 'sqs', endpointEnvId: 'SQS', targetPrefix: 'AmazonSQS', jsonVersion: '1.0' };
export const TAGGING: JsonServiceSpec = {
  endpointPrefix: 'tagging',
  signingName: 'tagging',
  endpointEnvId: 'RESOURCE_GROUPS_TAGGING_API',
  targetPrefix: 'ResourceGroupsTaggingAPI_20170126',
  jsonVersion: '1.1',
};
export const SECURITYHUB: RestJsonServiceSpec = { endpointPrefix: 'securityhub', signingName: 'securityhub', endpointEnvId: 'SECURITYHUB' };
export const LAMBDA: RestJsonServiceSpec = { endpointPrefix: 'lambda', signingName: 'lambda', endpointEnvId: 'LAMBDA' };
export const IAM: QueryServiceSpec = { endpointPrefix: 'iam', signingName: 'iam', endpointEnvId: 'IAM', global: true, apiVersion: '2010-05-08', style: 'query' };
export const SNS: QueryServiceSpec = { endpointPrefix: 'sns', signingName: 'sns', endpointEnvId: 'SNS', apiVersion: '2010-03-31', style: 'query' };
export const STS: QueryServiceSpec = { endpointPrefix: 'sts', signingName: 'sts', endpointEnvId: 'STS', apiVersion: '2011-06-15', style: 'query' };
export const EC2: QueryServiceSpec = { endpointPrefix: 'ec2', signingName: 'ec2', endpointEnvId: 'EC2', apiVersion: '2016-11-15', style: 'ec2' };

export const eventBridgeService = (config: WireConfig): JsonService => jsonService(EVENTBRIDGE, config);
export const kmsService = (config: WireConfig): JsonService => jsonService(KMS, config);
export const cloudTrailService = (config: WireConfig): JsonService => jsonService(CLOUDTRAIL, config);
export const ssmService = (config: WireConfig): JsonService => jsonService(SSM, config);
export const dynamoDbService = (config: WireConfig): JsonService => jsonService(DYNAMODB, config);
export const sqsService = (config: WireConfig): JsonService => jsonService(SQS, config);
export const taggingService = (config: WireConfig): JsonService => jsonService(TAGGING, config);
export const securityHubService = (config: WireConfig): RestJsonService => restJsonService(SECURITYHUB, config);
export const lambdaService = (config: WireConfig): RestJsonService => restJsonService(LAMBDA, config);
export const iamService = (config: WireConfig): QueryService => queryService(IAM, config);
export const snsService = (config: WireConfig): QueryService => queryService(SNS, config);
export const stsService = (config: WireConfig): QueryService => queryService(STS, config);
export const ec2Service = (config: WireConfig): QueryService => queryService(EC2, config);
