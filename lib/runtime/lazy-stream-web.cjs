'use strict';
// node:stream/web, loaded on first use instead of at module load. The function bundles get this
// file in place of node:stream/web (serverless.yml custom.esbuild.alias): @middy/core imports
// ReadableStream from it at the top of its module but uses it only to stream responses
// (streamifyResponse), which no function does, and loading stream/web costs 2-3 ms of a cold start
// (it pulls Node's internal/webstreams/*). It changes nothing but WHEN stream/web is loaded: every
// export is a getter that returns stream/web's own member.
//
// Trap: require 'stream/web', never 'node:stream/web'. The alias rewrites every import of
// 'node:stream/web' in the bundle, this file's own too: it would require itself, and the getter
// would call itself until the stack overflows.
//
// Every member stream/web exports (test/unit/bundle/lazy-stream-web.test.ts checks the list against
// the running Node), not only what middy imports today: a middy release that imports another one
// still gets it. The names are listed, not read from stream/web, which would load it.
const MEMBERS = [
  'ReadableStream',
  'ReadableStreamDefaultReader',
  'ReadableStreamBYOBReader',
  'ReadableStreamBYOBRequest',
  'ReadableByteStreamController',
  'ReadableStreamDefaultController',
  'TransformStream',
  'TransformStreamDefaultController',
  'WritableStream',
  'WritableStreamDefaultWriter',
  'WritableStreamDefaultController',
  'ByteLengthQueuingStrategy',
  'CountQueuingStrategy',
  'TextEncoderStream',
  'TextDecoderStream',
  'CompressionStream',
  'DecompressionStream',
];

for (const name of MEMBERS) {
  Object.defineProperty(exports, name, { enumerable: true, get: () => require('stream/web')[name] });
}
