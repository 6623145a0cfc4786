'use strict';
// The interop cases about compression need two things @grpc/grpc-js 1.14 does not offer through its
// public API, so the peers add them here, in one place, without changing how grpc-js talks:
//
//  1. SEEING the compressed flag of a received message (client: server_compressed_*; server:
//     expect_compressed in client_compressed_*). grpc-js decompresses before anything public sees the
//     message. We watch the same bytes grpc-js reads: on the server, a second 'data' listener on the
//     call's HTTP/2 stream, attached by a server interceptor (a public grpc-js hook); on the client,
//     a read-only peek at the 5-byte prefix in CompressionFilter.receiveMessage.
//
//  2. SENDING compressed responses from the server (response_compressed). grpc-js servers never
//     compress (server-interceptors.js: "response compression is currently not supported"). For the
//     calls that ask for it we gzip the message ourselves with node's zlib, set the compressed flag,
//     and announce grpc-encoding: gzip in the response headers, exactly as PROTOCOL-HTTP2.md says.
//     Everything else about those calls (headers, flow control, trailers) is still grpc-js.
//
// This is a test probe for an independent peer, not production code.

const zlib = require('zlib');
const { grpc } = require('./interop-common');
const { CompressionFilter } = require('@grpc/grpc-js/build/src/compression-filter');

const HEADER_SIZE = 5;

/** Splits a byte stream into gRPC length-prefixed messages and reports each one's compressed flag. */
class FrameFlagReader {
  constructor(onFlag) {
    this.onFlag = onFlag;
    this.pending = Buffer.alloc(0);
    this.remaining = -1; // bytes left of the current message's payload; -1 while reading a header
  }

  push(chunk) {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    for (;;) {
      if (this.remaining < 0) {
        if (this.pending.length < HEADER_SIZE) return;
        this.onFlag(this.pending[0] === 1);
        this.remaining = this.pending.readUInt32BE(1);
        this.pending = this.pending.subarray(HEADER_SIZE);
      }
      const take = Math.min(this.remaining, this.pending.length);
      this.pending = this.pending.subarray(take);
      this.remaining -= take;
      if (this.remaining > 0) return;
      this.remaining = -1;
    }
  }
}

// ---- server side ----

const serverState = new WeakMap(); // grpc-js base call -> { receivedFlags: boolean[], compressNext: boolean }

/**
 * A grpc-js server interceptor: records the compressed flag of every request message and lets the
 * handler ask for compressed responses. Returns the call it was given, so a handler's `call.call`
 * is the key into serverState.
 */
function serverWireInterceptor(methodDescriptor, call) {
  const state = { receivedFlags: [], compressNext: false, headersSaidGzip: false };
  serverState.set(call, state);

  const stream = call.stream;
  if (stream) {
    const reader = new FrameFlagReader(flag => state.receivedFlags.push(flag));
    // grpc-js paused the stream and reads it with its own 'data' listener; ours sees the same chunks
    // and does not change the flow (adding a listener to a paused stream does not resume it).
    stream.on('data', chunk => reader.push(chunk));
  }

  const originalSendMetadata = call.sendMetadata.bind(call);
  call.sendMetadata = metadata => {
    // grpc-js always answers grpc-encoding: identity. When the handler has asked for compression
    // before the headers go out, announce gzip instead; each message's flag still says whether that
    // message is compressed. (Every interop client accepts gzip.)
    const md = metadata ? metadata.clone() : new grpc.Metadata();
    if (state.compressNext) {
      md.set('grpc-encoding', 'gzip');
      state.headersSaidGzip = true;
    }
    originalSendMetadata(md);
  };

  const originalSerialize = call.serializeMessage.bind(call);
  call.serializeMessage = value => {
    // grpc-js serializes a message before it sends the headers, so "headers not sent yet" counts
    // as gzip: they will go out next, through sendMetadata above, while compressNext is still set.
    const headersAllowGzip = state.headersSaidGzip || !call.metadataSent;
    if (!state.compressNext || !headersAllowGzip) return originalSerialize(value);
    const body = zlib.gzipSync(call.handler.serialize(value));
    const framed = Buffer.allocUnsafe(body.length + HEADER_SIZE);
    framed.writeUInt8(1, 0);
    framed.writeUInt32BE(body.length, 1);
    body.copy(framed, HEADER_SIZE);
    return framed;
  };
  return call;
}

function stateOf(handlerCall) {
  const state = serverState.get(handlerCall.call);
  if (!state) throw new Error('serverWireInterceptor is not installed on this server');
  return state;
}

/** The compressed flag of the n-th request message of this call (0-based). */
function requestWasCompressed(handlerCall, index) {
  return stateOf(handlerCall).receivedFlags[index] === true;
}

/** Whether the messages this handler writes from now on are gzip-compressed. */
function compressResponses(handlerCall, compress) {
  stateOf(handlerCall).compressNext = compress;
}

// ---- client side ----

const clientFlags = [];
let clientProbeInstalled = false;

/** Starts recording the compressed flag of every message the client receives (process-wide). */
function installClientProbe() {
  if (clientProbeInstalled) return;
  clientProbeInstalled = true;
  const original = CompressionFilter.prototype.receiveMessage;
  CompressionFilter.prototype.receiveMessage = async function (message) {
    const framed = await message;
    clientFlags.push(framed.length >= 1 && framed[0] === 1);
    return original.call(this, Promise.resolve(framed));
  };
}

/** Returns and forgets the flags of the messages received since the last call. */
function takeReceivedFlags() {
  return clientFlags.splice(0, clientFlags.length);
}

module.exports = {
  FrameFlagReader,
  serverWireInterceptor,
  requestWasCompressed,
  compressResponses,
  installClientProbe,
  takeReceivedFlags,
};
