import * as http from 'node:http';
import * as https from 'node:https';
import type { HttpSend, WireResponse } from './types';

/**
 * A request that got no answer in time. Named as the SDK names it, so lib/aws/errors.ts
 * classifies it as transient (retried, then the invocation fails to Lambda's retries and the DLQ).
 */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

// Keep-alive: one TLS handshake per container and host, not per call.
const agents = {
  'https:': new https.Agent({ keepAlive: true, maxSockets: 50 }),
  'http:': new http.Agent({ keepAlive: true, maxSockets: 50 }),
};

/** AWS answers control-plane calls with small bodies; anything this large is not an answer we read. */
const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

/**
 * node:https (node:http for a local emulator's endpoint): sends the request, reads the whole
 * answer. `connectMs` bounds the wait for a socket, `requestMs` the whole exchange after it.
 */
export const nodeHttpSend: HttpSend = (request, timeouts) =>
  new Promise<WireResponse>((resolve, reject) => {
    const { url } = request;
    const transport = url.protocol === 'http:' ? http : https;
    const agent = url.protocol === 'http:' ? agents['http:'] : agents['https:'];
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(connectTimer);
      clearTimeout(requestTimer);
      req.destroy();
      reject(error);
    };
    const req = transport.request(url, { method: request.method, headers: request.headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_RESPONSE_BYTES) fail(new Error(`response from ${url.host} exceeds ${MAX_RESPONSE_BYTES} bytes`));
        else chunks.push(chunk);
      });
      res.on('error', fail);
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(connectTimer);
        clearTimeout(requestTimer);
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(res.headers)) {
          if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
        }
        resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    const connectTimer = setTimeout(() => fail(new TimeoutError(`no connection to ${url.host} within ${timeouts.connectMs} ms`)), timeouts.connectMs);
    let requestTimer: NodeJS.Timeout | undefined;
    req.on('socket', (socket) => {
      const connected = () => {
        clearTimeout(connectTimer);
        requestTimer = setTimeout(() => fail(new TimeoutError(`no answer from ${url.host} within ${timeouts.requestMs} ms`)), timeouts.requestMs);
      };
      // A kept-alive socket is already connected.
      if ((socket as { connecting?: boolean }).connecting) socket.once(url.protocol === 'http:' ? 'connect' : 'secureConnect', connected);
      else connected();
    });
    req.on('error', fail);
    req.end(request.body);
  });
