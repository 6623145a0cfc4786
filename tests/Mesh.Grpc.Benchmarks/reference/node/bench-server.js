#!/usr/bin/env node
'use strict';
// Reference @grpc/grpc-js server for Mesh.Grpc's load benchmarks (../../run-load.sh). Serves the two
// grpc.testing.TestService methods the benchmark drives, doing the same work as the C++ and Mesh.Grpc
// bench servers: UnaryCall -> payload of response_size zeros; StreamingOutputCall -> one response of
// `size` zeros per ResponseParameters. No interop extras (echo metadata, compression probes), so the
// numbers measure grpc-js itself rather than tests/node/interop-server.js's wire probes.
//   node bench-server.js --port P     (0 picks a free port; prints "listening on 127.0.0.1:PORT")
// Uses tests/node's installed packages (run `npm ci` in tests/node first; run-load.sh does).

const path = require('path');
const nodeDir = path.resolve(__dirname, '../../../node');
const grpc = require(require.resolve('@grpc/grpc-js', { paths: [nodeDir] }));
const protoLoader = require(require.resolve('@grpc/proto-loader', { paths: [nodeDir] }));

const PROTO_ROOT = process.env.GRPC_PROTO_DIR || '/usr/share/grpc-proto';

function parsePort(argv) {
  const i = argv.indexOf('--port');
  if (i < 0 || i + 1 >= argv.length) {
    console.error('usage: node bench-server.js --port P');
    process.exit(2);
  }
  return Number(argv[i + 1]);
}

const definition = protoLoader.loadSync('grpc/testing/test.proto', {
  includeDirs: [PROTO_ROOT], keepCase: true, longs: String, enums: String, defaults: true, oneofs: true,
});
const testing = grpc.loadPackageDefinition(definition).grpc.testing;

// Zero-filled buffers by size, shared between calls (they are only read), as the C# server does.
const zeros = new Map();
function zeroBody(size) {
  let body = zeros.get(size);
  if (!body) { body = Buffer.alloc(size); if (size <= 1024) zeros.set(size, body); }
  return body;
}

const server = new grpc.Server();
server.addService(testing.TestService.service, {
  UnaryCall(call, callback) {
    callback(null, { payload: { body: zeroBody(call.request.response_size) } });
  },
  StreamingOutputCall(call) {
    // Honour backpressure: write until the stream buffer is full, continue on 'drain'.
    const parameters = call.request.response_parameters;
    let next = 0;
    const pump = () => {
      while (next < parameters.length) {
        if (call.cancelled) return;
        const ok = call.write({ payload: { body: zeroBody(parameters[next++].size) } });
        if (!ok) { call.once('drain', pump); return; }
      }
      call.end();
    };
    pump();
  },
});

server.bindAsync(`127.0.0.1:${parsePort(process.argv)}`, grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) { console.error(`bench-server: ${err.message}`); process.exit(1); }
  console.log(`@grpc/grpc-js ${require(require.resolve('@grpc/grpc-js/package.json', { paths: [nodeDir] })).version} bench server listening on 127.0.0.1:${port}`);
});

const stop = () => server.tryShutdown(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
