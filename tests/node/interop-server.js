#!/usr/bin/env node
'use strict';
// gRPC interop server on the official @grpc/grpc-js: serves grpc.testing.TestService as
// grpc/doc/interop-test-descriptions.md ("Server" section) describes.
//   node interop-server.js --port P [--use_tls false]
// Prints a line containing "listening" once it accepts calls. Listens on 127.0.0.1 only.

const { loadTestingPackage, parseFlags, parseBool, grpc } = require('./interop-common');
const { serverWireInterceptor, requestWasCompressed, compressResponses } = require('./grpc-js-wire-probe');

const ECHO_INITIAL = 'x-grpc-test-echo-initial';
const ECHO_TRAILING = 'x-grpc-test-echo-trailing-bin';

function usage(message) {
  if (message) console.error(`interop-server: ${message}`);
  console.error('usage: node interop-server.js --port P [--use_tls false]');
  process.exit(2);
}

function zeros(size) {
  return { type: 'COMPRESSABLE', body: Buffer.alloc(size) };
}

function sleep(ms) {
  return new Promise(resolve => setTimeout(resolve, ms));
}

/** The initial metadata to echo ([Echo Metadata]), or null. */
function echoInitial(requestMetadata) {
  const values = requestMetadata.get(ECHO_INITIAL);
  if (values.length === 0) return null;
  const md = new grpc.Metadata();
  md.set(ECHO_INITIAL, values[0]);
  return md;
}

/** The trailing metadata to echo ([Echo Metadata]); empty if nothing to echo. */
function echoTrailing(requestMetadata) {
  const md = new grpc.Metadata();
  const values = requestMetadata.get(ECHO_TRAILING);
  if (values.length > 0) md.set(ECHO_TRAILING, values[0]);
  return md;
}

/** [CompressedRequest]: INVALID_ARGUMENT when the message's compressed flag differs from what the client said. */
function compressionMismatch(expectCompressed, wasCompressed) {
  const expected = Boolean(expectCompressed && expectCompressed.value);
  if (expected && !wasCompressed) return 'expected a compressed request message but it was not compressed';
  if (!expected && wasCompressed) return 'expected an uncompressed request message but it was compressed';
  return null;
}

/** An EchoStatus with a non-OK code, as a grpc-js error; null when there is nothing to echo. */
function echoStatus(responseStatus, trailers) {
  if (!responseStatus || !responseStatus.code) return null;
  return { code: responseStatus.code, details: responseStatus.message, metadata: trailers };
}

function writeAsync(call, message) {
  return new Promise((resolve, reject) => call.write(message, err => (err ? reject(err) : resolve())));
}

/** Writes one response per ResponseParameters, honouring interval_us and per-message compression. */
async function writeResponses(call, parameters) {
  for (const p of parameters) {
    if (p.interval_us > 0) await sleep(p.interval_us / 1000);
    if (call.cancelled) return;
    compressResponses(call, Boolean(p.compressed && p.compressed.value));
    // Wait for each write: the compression choice is read when grpc-js serializes the message.
    await writeAsync(call, { payload: zeros(p.size) });
  }
}

const testService = {
  EmptyCall(call, callback) {
    callback(null, {});
  },

  UnaryCall(call, callback) {
    const trailers = echoTrailing(call.metadata);
    const request = call.request;
    const mismatch = compressionMismatch(request.expect_compressed, requestWasCompressed(call, 0));
    if (mismatch) return callback({ code: grpc.status.INVALID_ARGUMENT, details: mismatch, metadata: trailers });
    compressResponses(call, Boolean(request.response_compressed && request.response_compressed.value));
    const initial = echoInitial(call.metadata);
    if (initial) call.sendMetadata(initial);
    const status = echoStatus(request.response_status, trailers);
    if (status) return callback(status);
    callback(null, { payload: zeros(request.response_size) }, trailers);
  },

  CacheableUnaryCall(call, callback) {
    callback(null, { payload: { type: 'COMPRESSABLE', body: Buffer.from(String(process.hrtime.bigint())) } });
  },

  async StreamingOutputCall(call) {
    const trailers = echoTrailing(call.metadata);
    const initial = echoInitial(call.metadata);
    try {
      const first = call.request.response_parameters[0];
      // Headers go out with the first message; compression must be chosen before that.
      compressResponses(call, Boolean(first && first.compressed && first.compressed.value));
      if (initial) call.sendMetadata(initial);
      await writeResponses(call, call.request.response_parameters);
      const status = echoStatus(call.request.response_status, trailers);
      if (status) return call.emit('error', Object.assign(new Error(status.details), status));
      call.end(trailers);
    } catch (err) {
      if (!call.cancelled) call.emit('error', err);
    }
  },

  StreamingInputCall(call, callback) {
    const trailers = echoTrailing(call.metadata);
    let total = 0;
    let index = 0;
    let failed = false;
    call.on('data', request => {
      if (failed) return;
      const mismatch = compressionMismatch(request.expect_compressed, requestWasCompressed(call, index++));
      if (mismatch) {
        failed = true;
        callback({ code: grpc.status.INVALID_ARGUMENT, details: mismatch, metadata: trailers });
        return;
      }
      total += request.payload ? request.payload.body.length : 0;
    });
    call.on('end', () => {
      if (!failed) callback(null, { aggregated_payload_size: total }, trailers);
    });
    call.on('error', () => {}); // cancellation (cancel_after_begin): nothing to answer
  },

  FullDuplexCall(call) {
    const trailers = echoTrailing(call.metadata);
    const initial = echoInitial(call.metadata);
    if (initial) call.sendMetadata(initial);
    // Requests are answered strictly in order: each one's responses are written before the next's.
    let chain = Promise.resolve();
    let finished = false;
    const finish = action => {
      if (finished) return;
      finished = true;
      action();
    };
    call.on('data', request => {
      chain = chain.then(async () => {
        if (finished || call.cancelled) return;
        const status = echoStatus(request.response_status, trailers);
        if (status) return finish(() => call.emit('error', Object.assign(new Error(status.details), status)));
        await writeResponses(call, request.response_parameters);
      }).catch(() => finish(() => {}));
    });
    call.on('end', () => {
      chain = chain.then(() => finish(() => call.end(trailers)));
    });
    call.on('error', () => {}); // cancellation and deadlines end the call; nothing to answer
  },

  HalfDuplexCall(call) {
    const trailers = echoTrailing(call.metadata);
    const requests = [];
    call.on('data', request => requests.push(request));
    call.on('end', async () => {
      try {
        for (const request of requests) await writeResponses(call, request.response_parameters);
        call.end(trailers);
      } catch (err) {
        if (!call.cancelled) call.emit('error', err);
      }
    });
    call.on('error', () => {});
  },
  // UnimplementedCall is deliberately absent: grpc-js answers UNIMPLEMENTED for it.
};

function main() {
  let flags;
  try {
    flags = parseFlags(process.argv.slice(2), ['port', 'use_tls']);
  } catch (err) {
    usage(err.message);
  }
  if (parseBool('use_tls', flags.use_tls, false)) usage('--use_tls true is not supported (plaintext h2c only)');
  const port = Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) usage('--port must be a port number');

  const testing = loadTestingPackage();
  const server = new grpc.Server({ interceptors: [serverWireInterceptor] });
  server.addService(testing.TestService.service, testService);
  // grpc.testing.UnimplementedService is NOT added: calling it must give UNIMPLEMENTED.
  server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, boundPort) => {
    if (err) {
      console.error(`interop-server: cannot listen on 127.0.0.1:${port}: ${err.message}`);
      process.exit(1);
    }
    console.log(`grpc-js interop server listening on 127.0.0.1:${boundPort}`);
  });

  const stop = () => server.tryShutdown(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
