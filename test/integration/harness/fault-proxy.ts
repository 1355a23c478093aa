// A fault-injecting HTTP proxy in front of the shared moto server. Point an SDK client (or the
// real handler, through AWS_ENDPOINT_URL) at `endpoint`: every request is passed through to
// moto, except those a rule matches, which get the rule's fault for its first `times` matches
// (then pass through again). Faults are answered the way AWS answers them for the request's
// protocol, so the SDK parses and classifies them exactly as it would a real AWS error:
//   - JSON protocols (X-Amz-Target: EventBridge, KMS, SQS, CloudTrail, DynamoDB, SSM): a JSON
//     body with `__type` (and the x-amzn-ErrorType header);
//   - query protocols (SNS, IAM): an XML <ErrorResponse><Error><Code>;
//   - EC2's query protocol: an XML <Response><Errors><Error><Code>.
import http from 'node:http';

export type Fault = 'throttle' | 'throttle-429' | 'server-error' | 'hang' | 'access-denied';

export interface FaultRule {
  /** The signing name of the service (from the request's credential scope): events, kms, sqs, sns, iam, ec2, cloudtrail, ssm, dynamodb. */
  service: string;
  /** The operation: the X-Amz-Target suffix or the query `Action` field. */
  operation: string;
  fault: Fault;
  /** How many matching requests get the fault before the rest pass through (Infinity: all). */
  times: number;
}

export interface ActiveRule extends FaultRule {
  /** Requests that got the fault so far. */
  readonly hits: number;
}

export interface FaultProxy {
  endpoint: string;
  add(rule: FaultRule): ActiveRule;
  /** Removes every rule (hanging requests are released as the clients time out). */
  clear(): void;
  /** Requests seen per service.operation, faulted or not. */
  seen(service: string, operation: string): number;
  close(): Promise<void>;
}

type Protocol = 'json' | 'query' | 'ec2';

interface RequestInfo {
  service: string;
  operation: string;
  protocol: Protocol;
}

function describeRequest(headers: http.IncomingHttpHeaders, body: string): RequestInfo {
  const service = /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\/aws4_request/.exec(String(headers.authorization ?? ''))?.[1] ?? 'unknown';
  const target = headers['x-amz-target'];
  if (typeof target === 'string') return { service, operation: target.split('.').pop() ?? target, protocol: 'json' };
  const form = new URLSearchParams(body);
  return { service, operation: form.get('Action') ?? 'unknown', protocol: service === 'ec2' ? 'ec2' : 'query' };
}

interface ErrorAnswer {
  status: number;
  code: string;
  message: string;
  /** Query protocols: Sender (client) or Receiver (server). */
  type: 'Sender' | 'Receiver';
}

function answerFor(fault: Exclude<Fault, 'hang'>, info: RequestInfo): ErrorAnswer {
  switch (fault) {
    case 'throttle':
      return { status: 400, code: info.protocol === 'json' ? 'ThrottlingException' : info.protocol === 'ec2' ? 'RequestLimitExceeded' : 'Throttling', message: 'Rate exceeded', type: 'Sender' };
    case 'throttle-429':
      return { status: 429, code: 'TooManyRequestsException', message: 'Too many requests', type: 'Sender' };
    case 'server-error':
      return { status: 500, code: info.protocol === 'ec2' ? 'InternalError' : 'InternalFailure', message: 'We encountered an internal error. Please try again.', type: 'Receiver' };
    case 'access-denied': {
      const message = `User: arn:aws:sts::123456789012:assumed-role/drift-responder-ci-responder/x is not authorized to perform: ${info.service}:${info.operation}`;
      if (info.protocol === 'json') return { status: 400, code: 'AccessDeniedException', message, type: 'Sender' };
      if (info.protocol === 'ec2') return { status: 403, code: 'UnauthorizedOperation', message, type: 'Sender' };
      return { status: 403, code: info.service === 'sns' ? 'AuthorizationError' : 'AccessDenied', message, type: 'Sender' };
    }
  }
}

function sendError(res: http.ServerResponse, answer: ErrorAnswer, info: RequestInfo): void {
  const requestId = `fault-${Math.random().toString(16).slice(2)}`;
  if (info.protocol === 'json') {
    res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': answer.code, 'x-amzn-requestid': requestId });
    res.end(JSON.stringify({ __type: answer.code, message: answer.message }));
    return;
  }
  const xml =
    info.protocol === 'ec2'
      ? `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>${answer.code}</Code><Message>${answer.message}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`
      : `<ErrorResponse><Error><Type>${answer.type}</Type><Code>${answer.code}</Code><Message>${answer.message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
  res.writeHead(answer.status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
  res.end(xml);
}

/** Starts the proxy on a free loopback port, in front of `upstream` (the moto endpoint). */
export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  const rules: Array<FaultRule & { hits: number }> = [];
  const seen = new Map<string, number>();
  const hanging = new Set<http.ServerResponse>();

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const info = describeRequest(req.headers, body.toString('utf8'));
      const key = `${info.service}.${info.operation}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
      const rule = rules.find((r) => r.service === info.service && r.operation === info.operation && r.hits < r.times);
      if (rule) {
        rule.hits += 1;
        if (rule.fault === 'hang') {
          // Never answer: the client's request timeout fires (and it retries or gives up).
          hanging.add(res);
          res.on('close', () => hanging.delete(res));
          return;
        }
        sendError(res, answerFor(rule.fault, info), info);
        return;
      }
      const upstreamReq = http.request(
        { protocol: target.protocol, hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (upstreamRes) => {
          res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
          upstreamRes.pipe(res);
        },
      );
      upstreamReq.on('error', (error) => {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`fault proxy: upstream error ${error.message}`);
      });
      upstreamReq.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('fault proxy: no port');

  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    add(rule) {
      const active = { ...rule, hits: 0 };
      rules.push(active);
      return active;
    },
    clear() {
      rules.length = 0;
    },
    seen: (service, operation) => seen.get(`${service}.${operation}`) ?? 0,
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
