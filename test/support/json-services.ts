import { jsonService, type JsonService, type JsonServiceSpec } from '../../lib/aws/wire/json';
import type { WireResponse } from '../../lib/aws/wire/types';
import { scriptedTransport } from './scripted-transport';

/** One call an adapter made: the operation and its input, as the service received them. */
export interface RecordedCall {
  operation: string;
  input: Record<string, unknown>;
}

/**
 * A JSON service that answers each call with `answer(operation, input)` (throw from it to fail
 * the call) and records every call, so a test can check what an adapter asked and how it read
 * the answer.
 */
export function fakeJsonService(answer: (operation: string, input: Record<string, unknown>) => unknown) {
  const calls: RecordedCall[] = [];
  const service: JsonService = {
    async call<Output>(operation: string, input: object = {}): Promise<Output> {
      // A copy, as the real service serializes the input when called.
      const sent = JSON.parse(JSON.stringify(input)) as Record<string, unknown>;
      calls.push({ operation, input: sent });
      return answer(operation, sent) as Output;
    },
  };
  return { service, calls };
}

/**
 * The real JSON protocol client of `spec` over a transport answering from a script (one
 * answer per request, retries included), without delays: error parsing and retries as in the
 * functions, no network.
 */
export function scriptedJsonService(spec: JsonServiceSpec, ...answers: Array<Partial<WireResponse>>) {
  const { sent, config } = scriptedTransport(...answers);
  return { service: jsonService(spec, config()), sent };
}

/** A JSON-protocol error answer as AWS sends it: the code namespaced in `__type`. */
export function jsonError(status: number, namespace: string, code: string, headers: Record<string, string> = {}): Partial<WireResponse> {
  return { status, headers, body: JSON.stringify({ __type: `${namespace}#${code}`, message: `${code} (scripted)` }) };
}
