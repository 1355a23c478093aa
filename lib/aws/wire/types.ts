/**
 * The small AWS client the functions call AWS with (lib/aws/wire): signed HTTPS requests in the
 * four wire protocols our services speak, without SDK v3's runtime (one SDK v3 client alone
 * costs a function 2.3 x an empty handler's cold start; see README, Benchmarks).
 */

/** AWS credentials, as every provider (environment, container endpoint, CLI chain) yields them. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

export type CredentialProvider = () => Promise<AwsCredentials>;

/** One HTTP request, before signing. Header names are lower case. */
export interface WireRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  readonly url: URL;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** One HTTP response, whole (AWS control-plane answers are small). Header names are lower case. */
export interface WireResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Sends one request: node:https in the functions, a fake in fault-injection tests. */
export type HttpSend = (request: WireRequest, timeouts: { connectMs: number; requestMs: number }) => Promise<WireResponse>;
