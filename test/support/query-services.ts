import { queryService, type QueryServiceSpec } from '../../lib/aws/wire/query-service';
import type { WireResponse } from '../../lib/aws/wire/types';
import { scriptedTransport } from './scripted-transport';

/**
 * The real query-protocol client of `spec` (awsQuery or ec2Query) over a transport answering from
 * a script (one answer per request, retries included), without delays: request flattening, XML
 * reading, error parsing and retries as in the functions, no network. `forms()` gives each request's
 * form fields, decoded, so a test can check what went on the wire.
 */
export function scriptedQueryService(spec: QueryServiceSpec, ...answers: Array<Partial<WireResponse>>) {
  const { sent, config } = scriptedTransport(...answers);
  const forms = () => sent.map((request) => Object.fromEntries(new URLSearchParams(request.body)));
  return { service: queryService(spec, config()), sent, forms };
}

/** An awsQuery answer as AWS sends it: `<ActionResponse><ActionResult>...</ActionResult><ResponseMetadata/></ActionResponse>`. */
export function queryAnswer(action: string, result: string): Partial<WireResponse> {
  return {
    status: 200,
    headers: { 'content-type': 'text/xml' },
    body: `<?xml version="1.0"?>\n<${action}Response xmlns="https://example.amazonaws.com/doc/"><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></${action}Response>`,
  };
}

/** An ec2Query answer: the members directly under `<ActionResponse>`, beside `<requestId>`. */
export function ec2Answer(action: string, members: string): Partial<WireResponse> {
  return {
    status: 200,
    headers: { 'content-type': 'text/xml;charset=UTF-8' },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>req-1</requestId>${members}</${action}Response>`,
  };
}

/** An awsQuery error answer (`<ErrorResponse><Error>`). */
export function queryErrorAnswer(status: number, code: string): Partial<WireResponse> {
  return {
    status,
    headers: { 'content-type': 'text/xml' },
    body: `<ErrorResponse><Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${code}</Code><Message>${code} (scripted)</Message></Error><RequestId>req-1</RequestId></ErrorResponse>`,
  };
}

/** An ec2Query error answer (`<Response><Errors><Error>`). */
export function ec2ErrorAnswer(status: number, code: string): Partial<WireResponse> {
  return {
    status,
    headers: { 'content-type': 'text/xml;charset=UTF-8' },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${code} (scripted)</Message></Error></Errors><RequestID>req-1</RequestID></Response>`,
  };
}
