import { exchange, type ServiceTransport, type WireConfig } from './client';
import type { ServiceAddress } from './endpoint';
import { AwsServiceError, MalformedResponseError, requestIdOf } from './errors';
import { queryBody, queryError } from './query';
import type { WireResponse } from './types';
import { child, parseXml, XmlParseError, type XmlElement } from './xml';

/** A service of the awsQuery (IAM, SNS, STS) or ec2Query (EC2) protocol: form-encoded POSTs, XML answers. */
export interface QueryServiceSpec extends ServiceAddress {
  readonly apiVersion: string;
  readonly style: 'query' | 'ec2';
}

export interface QueryService {
  /**
   * Calls one action with its parameters as the API reference names them (nested objects and
   * lists are flattened as the protocol says). Resolves to the answer's result element:
   * `<ActionResult>` for awsQuery, the `<ActionResponse>` root for ec2Query.
   */
  call(action: string, params?: Record<string, unknown>): Promise<XmlElement | undefined>;
}

function queryErrorOf(signingName: string) {
  return (response: WireResponse, operation: string): AwsServiceError => {
    const parsed = queryError(response.body);
    return new AwsServiceError({
      code: parsed?.code ?? (response.status >= 500 ? 'InternalFailure' : `HTTP${response.status}`),
      message: parsed?.message ?? '',
      status: response.status,
      requestId: parsed?.requestId ?? requestIdOf(response),
      service: signingName,
      operation,
    });
  };
}

export function queryService(spec: QueryServiceSpec, config: WireConfig): QueryService {
  const transport: ServiceTransport = { ...spec, errorOf: queryErrorOf(spec.signingName) };
  return {
    async call(action, params = {}) {
      const body = queryBody(action, spec.apiVersion, params, spec.style);
      const response = await exchange(transport, action, config, () => ({
        method: 'POST',
        path: '/',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body,
      }));
      let root: XmlElement;
      try {
        root = parseXml(response.body);
      } catch (error) {
        if (error instanceof XmlParseError) throw new MalformedResponseError(`${spec.signingName} ${action}: HTTP ${response.status} answer is not XML: ${error.message}`);
        throw error;
      }
      return spec.style === 'ec2' ? root : child(root, `${action}Result`);
    },
  };
}
