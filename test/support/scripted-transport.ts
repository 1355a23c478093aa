import { wireConfig, type WireConfig } from '../../lib/aws/wire/client';
import type { HttpSend, WireRequest, WireResponse } from '../../lib/aws/wire/types';

/** Credentials to sign with when no test reads the signature's key (SigV4's documentation example key id). */
export const TEST_CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } as const;

/** A fake transport, what it was sent, and the wire client's configuration over it. */
export interface ScriptedTransport {
  readonly send: HttpSend;
  readonly sent: WireRequest[];
  /** The functions' configuration over `send`: TEST_CREDENTIALS, no retry delays, region us-east-1 unless `env` says otherwise. */
  config(overrides?: Partial<WireConfig>, env?: NodeJS.ProcessEnv): WireConfig;
}

/**
 * A transport answering from a script, one answer (or thrown Error) per request, retries
 * included, that keeps every request it was sent: the real wire client runs over it, without
 * network. An answer's missing parts are a 200 with no headers and no body. A request beyond the
 * script fails with an error naming it, so a test that makes more calls than it planned says which.
 */
export function scriptedTransport(...answers: Array<Partial<WireResponse> | Error>): ScriptedTransport {
  const sent: WireRequest[] = [];
  const send: HttpSend = async (request) => {
    sent.push(request);
    const answer = answers[sent.length - 1];
    if (answer === undefined) throw new Error(`unexpected request #${sent.length} (the script has ${answers.length}): ${summaryOf(request)}`);
    if (answer instanceof Error) throw answer;
    return { status: 200, headers: {}, body: '', ...answer };
  };
  return {
    send,
    sent,
    config: (overrides = {}, env = { AWS_REGION: 'us-east-1' }) => wireConfig(env, { send, credentials: async () => TEST_CREDENTIALS, sleep: async () => {}, ...overrides }),
  };
}

/** The method and path, then the JSON protocols' operation or else the start of the body (query protocols name the Action there). */
function summaryOf(request: WireRequest): string {
  const target = request.headers['x-amz-target'];
  return `${request.method} ${request.url.pathname} ${target ? `x-amz-target ${target}` : `body ${JSON.stringify(request.body.slice(0, 80))}`}`;
}
