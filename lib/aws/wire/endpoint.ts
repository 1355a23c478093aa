/** How a service is addressed and signed. */
export interface ServiceAddress {
  /** Host prefix: `events` in events.us-east-1.amazonaws.com. */
  readonly endpointPrefix: string;
  /** The name in the signature's credential scope. */
  readonly signingName: string;
  /** The SDK's service id, upper-cased with underscores: AWS_ENDPOINT_URL_<id> overrides this service's endpoint. */
  readonly endpointEnvId: string;
  /** Global services (IAM) have one endpoint per partition, signed for the partition's home region. */
  readonly global?: boolean;
}

export interface ResolvedEndpoint {
  readonly url: URL;
  /** The region the request is signed for. */
  readonly signingRegion: string;
}

export class EndpointConfigurationError extends Error {
  override readonly name = 'EndpointConfigurationError';
}

interface Partition {
  readonly dnsSuffix: string;
  /** Where the partition's global services live, and the region they are signed for. */
  readonly globalRegion: string;
  readonly iamHost: string;
}

// The partitions of @aws-sdk/util-endpoints' partitions.json (region prefix → DNS suffix).
const PARTITIONS: ReadonlyArray<readonly [RegExp, Partition]> = [
  [/^cn-/, { dnsSuffix: 'amazonaws.com.cn', globalRegion: 'cn-north-1', iamHost: 'iam.cn-north-1.amazonaws.com.cn' }],
  [/^us-gov-/, { dnsSuffix: 'amazonaws.com', globalRegion: 'us-gov-west-1', iamHost: 'iam.us-gov.amazonaws.com' }],
  [/^us-isob-/, { dnsSuffix: 'sc2s.sgov.gov', globalRegion: 'us-isob-east-1', iamHost: 'iam.us-isob-east-1.sc2s.sgov.gov' }],
  [/^us-isof-/, { dnsSuffix: 'csp.hci.ic.gov', globalRegion: 'us-isof-south-1', iamHost: 'iam.us-isof-south-1.csp.hci.ic.gov' }],
  [/^us-iso-/, { dnsSuffix: 'c2s.ic.gov', globalRegion: 'us-iso-east-1', iamHost: 'iam.us-iso-east-1.c2s.ic.gov' }],
  [/^eu-isoe-/, { dnsSuffix: 'cloud.adc-e.uk', globalRegion: 'eu-isoe-west-1', iamHost: 'iam.eu-isoe-west-1.cloud.adc-e.uk' }],
  [/^eusc-/, { dnsSuffix: 'amazonaws.eu', globalRegion: 'eusc-de-east-1', iamHost: 'iam.eusc-de-east-1.amazonaws.eu' }],
];
const AWS_PARTITION: Partition = { dnsSuffix: 'amazonaws.com', globalRegion: 'us-east-1', iamHost: 'iam.amazonaws.com' };

const REGION = /^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/;

function partitionOf(region: string): Partition {
  return PARTITIONS.find(([prefix]) => prefix.test(region))?.[1] ?? AWS_PARTITION;
}

function isTrue(value: string | undefined): boolean {
  return value?.trim().toLowerCase() === 'true';
}

/**
 * The endpoint of one service in one region. An explicit endpoint wins; then, as in the SDK,
 * AWS_ENDPOINT_URL_<SERVICE> and AWS_ENDPOINT_URL (unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS);
 * then the service's public endpoint in the region's partition. FIPS and dual-stack endpoints
 * differ per service; they are refused with a clear error rather than guessed.
 */
export function resolveEndpoint(service: ServiceAddress, region: string, env: NodeJS.ProcessEnv, explicit?: string): ResolvedEndpoint {
  if (!REGION.test(region)) throw new EndpointConfigurationError(`not an AWS region: ${JSON.stringify(region)} (set AWS_REGION)`);
  const partition = partitionOf(region);
  const signingRegion = service.global ? partition.globalRegion : region;
  const configured = explicit ?? (isTrue(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS) ? undefined : (env[`AWS_ENDPOINT_URL_${service.endpointEnvId}`] ?? env.AWS_ENDPOINT_URL));
  if (configured) {
    let url: URL;
    try {
      url = new URL(configured);
    } catch {
      throw new EndpointConfigurationError(`endpoint for ${service.signingName} is not a URL: ${JSON.stringify(configured)}`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new EndpointConfigurationError(`endpoint for ${service.signingName} must be http(s): ${configured}`);
    return { url, signingRegion };
  }
  if (isTrue(env.AWS_USE_FIPS_ENDPOINT) || isTrue(env.AWS_USE_DUALSTACK_ENDPOINT)) {
    throw new EndpointConfigurationError(
      `AWS_USE_FIPS_ENDPOINT / AWS_USE_DUALSTACK_ENDPOINT are not supported: set AWS_ENDPOINT_URL_${service.endpointEnvId} to the endpoint to use`,
    );
  }
  const host = service.global ? (service.endpointPrefix === 'iam' ? partition.iamHost : `${service.endpointPrefix}.${partition.dnsSuffix}`) : `${service.endpointPrefix}.${region}.${partition.dnsSuffix}`;
  return { url: new URL(`https://${host}`), signingRegion };
}
