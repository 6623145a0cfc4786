#!/usr/bin/env node
'use strict';
// gRPC interop client on the official @grpc/grpc-js: runs ONE case of
// grpc/doc/interop-test-descriptions.md against a server.
//   node interop-client.js --server_host H --server_port P --test_case NAME [--use_tls false]
// Exit 0 = pass, 1 = the case failed (the reason is printed), 2 = bad command line.

const { loadTestingPackage, parseFlags, parseBool, grpc } = require('./interop-common');
const { installClientProbe, takeReceivedFlags } = require('./grpc-js-wire-probe');

const KNOWN_FLAGS = [
  'server_host', 'server_port', 'test_case', 'use_tls', 'use_test_ca', 'server_host_override',
  'default_service_account', 'oauth_scope', 'service_account_key_file',
];
const ECHO_INITIAL = 'x-grpc-test-echo-initial';
const ECHO_TRAILING = 'x-grpc-test-echo-trailing-bin';
const GZIP = 2; // grpc-js CompressionAlgorithms.gzip
const NO_COMPRESS = 2; // grpc-js WriteFlags.NoCompress

class CaseFailed extends Error {}

function check(condition, message) {
  if (!condition) throw new CaseFailed(message);
}

function zeros(size) {
  return { type: 'COMPRESSABLE', body: Buffer.alloc(size) };
}

function checkPayload(payload, size, what) {
  check(payload, `${what}: response has no payload`);
  check(payload.body.length === size, `${what}: payload body is ${payload.body.length} bytes, expected ${size}`);
  check(payload.body.every(b => b === 0), `${what}: payload body is not all zeros`);
}

function describe(status) {
  return status ? `${status.code} (${grpc.status[status.code]}) "${status.details}"` : 'no status';
}

// ---- call helpers: each resolves with everything a case may assert on, never rejects ----

/** A unary call: { error, response, headers, status }. */
function unary(client, method, request, { metadata = new grpc.Metadata(), deadline } = {}) {
  return new Promise(resolve => {
    const result = { error: null, response: null, headers: null, status: null };
    let pending = 2; // the callback and the 'status' event, in either order
    const done = () => { if (--pending === 0) resolve(result); };
    const call = client[method](request, metadata, deadline ? { deadline } : {}, (error, response) => {
      result.error = error;
      result.response = response;
      done();
    });
    call.on('metadata', md => { result.headers = md; });
    call.on('status', status => { result.status = status; done(); });
  });
}

/** Reads a response stream message by message: next() resolves with a message, or null at the end. */
class StreamReader {
  constructor(call) {
    this.messages = [];
    this.waiters = [];
    this.ended = false;
    this.headers = null;
    this.status = null;
    this.error = null;
    this.statusReceived = new Promise(resolve => { this.resolveStatus = resolve; });
    call.on('metadata', md => { this.headers = md; });
    call.on('data', message => this.deliver(message));
    call.on('end', () => this.finish());
    call.on('error', error => { this.error = error; this.finish(); });
    call.on('status', status => { this.status = status; this.resolveStatus(status); });
  }

  deliver(message) {
    const waiter = this.waiters.shift();
    if (waiter) waiter(message); else this.messages.push(message);
  }

  finish() {
    this.ended = true;
    for (const waiter of this.waiters.splice(0)) waiter(null);
  }

  next() {
    if (this.messages.length > 0) return Promise.resolve(this.messages.shift());
    if (this.ended) return Promise.resolve(null);
    return new Promise(resolve => this.waiters.push(resolve));
  }

  async rest() {
    const all = [];
    for (let m = await this.next(); m !== null; m = await this.next()) all.push(m);
    return all;
  }
}

/** A client-streaming call: { call, done } where done resolves with { error, response, status }. */
function clientStreaming(client, method, { metadata = new grpc.Metadata() } = {}) {
  let resolveDone;
  const done = new Promise(resolve => { resolveDone = resolve; });
  const result = { error: null, response: null, status: null };
  let pending = 2;
  const settle = () => { if (--pending === 0) resolveDone(result); };
  const call = client[method](metadata, (error, response) => {
    result.error = error;
    result.response = response;
    settle();
  });
  call.on('status', status => { result.status = status; settle(); });
  return { call, done };
}

function writeAsync(call, message, flags) {
  return new Promise(resolve => {
    // A write can fail when the call already ended (e.g. its deadline passed); the status says why.
    const cb = () => resolve();
    if (flags === undefined) call.write(message, cb); else call.write(message, flags, cb);
  });
}

// ---- the cases ----

function caseTable(ctx) {
  const { client, makeClient, unimplementedClient } = ctx;
  const largeRequest = () => ({ response_type: 'COMPRESSABLE', response_size: 314159, payload: zeros(271828) });

  return {
    async empty_unary() {
      const r = await unary(client, 'EmptyCall', {});
      check(!r.error, `EmptyCall failed: ${describe(r.status)}`);
      check(r.response, 'EmptyCall returned no response');
    },

    async large_unary() {
      const r = await unary(client, 'UnaryCall', largeRequest());
      check(!r.error, `UnaryCall failed: ${describe(r.status)}`);
      checkPayload(r.response.payload, 314159, 'UnaryCall');
    },

    async client_compressed_unary() {
      const gzipClient = makeClient({ 'grpc.default_compression_algorithm': GZIP });
      const probe = await unary(client, 'UnaryCall', { ...largeRequest(), expect_compressed: { value: true } });
      check(probe.status.code === grpc.status.INVALID_ARGUMENT,
        `probe (uncompressed, expect_compressed=true) should fail with INVALID_ARGUMENT, got ${describe(probe.status)}`);
      const compressed = await unary(gzipClient, 'UnaryCall', { ...largeRequest(), expect_compressed: { value: true } });
      check(!compressed.error, `compressed call failed: ${describe(compressed.status)}`);
      checkPayload(compressed.response.payload, 314159, 'compressed call');
      const plain = await unary(client, 'UnaryCall', { ...largeRequest(), expect_compressed: { value: false } });
      check(!plain.error, `uncompressed call failed: ${describe(plain.status)}`);
      checkPayload(plain.response.payload, 314159, 'uncompressed call');
      gzipClient.close();
    },

    async server_compressed_unary() {
      for (const compressed of [true, false]) {
        takeReceivedFlags();
        const r = await unary(client, 'UnaryCall', { ...largeRequest(), response_compressed: { value: compressed } });
        const flags = takeReceivedFlags();
        check(!r.error, `UnaryCall (response_compressed=${compressed}) failed: ${describe(r.status)}`);
        check(flags.length === 1, `expected 1 response message, saw ${flags.length}`);
        check(flags[0] === compressed,
          `response_compressed=${compressed} but the response's compressed flag was ${flags[0] ? 1 : 0}`);
        checkPayload(r.response.payload, 314159, `UnaryCall (response_compressed=${compressed})`);
      }
    },

    async client_streaming() {
      const { call, done } = clientStreaming(client, 'StreamingInputCall');
      for (const size of [27182, 8, 1828, 45904]) await writeAsync(call, { payload: zeros(size) });
      call.end();
      const r = await done;
      check(!r.error, `StreamingInputCall failed: ${describe(r.status)}`);
      check(r.response.aggregated_payload_size === 74922,
        `aggregated_payload_size is ${r.response.aggregated_payload_size}, expected 74922`);
    },

    async client_compressed_streaming() {
      const probe = clientStreaming(client, 'StreamingInputCall');
      await writeAsync(probe.call, { expect_compressed: { value: true }, payload: zeros(27182) });
      probe.call.end();
      const p = await probe.done;
      check(p.status.code === grpc.status.INVALID_ARGUMENT,
        `probe (uncompressed, expect_compressed=true) should fail with INVALID_ARGUMENT, got ${describe(p.status)}`);

      const gzipClient = makeClient({ 'grpc.default_compression_algorithm': GZIP });
      const { call, done } = clientStreaming(gzipClient, 'StreamingInputCall');
      await writeAsync(call, { expect_compressed: { value: true }, payload: zeros(27182) });
      await writeAsync(call, { expect_compressed: { value: false }, payload: zeros(45904) }, NO_COMPRESS);
      call.end();
      const r = await done;
      check(!r.error, `compressed StreamingInputCall failed: ${describe(r.status)}`);
      check(r.response.aggregated_payload_size === 73086,
        `aggregated_payload_size is ${r.response.aggregated_payload_size}, expected 73086`);
      gzipClient.close();
    },

    async server_streaming() {
      const sizes = [31415, 9, 2653, 58979];
      const reader = new StreamReader(client.StreamingOutputCall({ response_parameters: sizes.map(size => ({ size })) }));
      const responses = await reader.rest();
      const status = await reader.statusReceived;
      check(status.code === grpc.status.OK, `StreamingOutputCall failed: ${describe(status)}`);
      check(responses.length === sizes.length, `got ${responses.length} responses, expected ${sizes.length}`);
      responses.forEach((r, i) => checkPayload(r.payload, sizes[i], `response ${i}`));
    },

    async server_compressed_streaming() {
      takeReceivedFlags();
      const reader = new StreamReader(client.StreamingOutputCall({
        response_parameters: [
          { compressed: { value: true }, size: 31415 },
          { compressed: { value: false }, size: 92653 },
        ],
      }));
      const responses = await reader.rest();
      const status = await reader.statusReceived;
      const flags = takeReceivedFlags();
      check(status.code === grpc.status.OK, `StreamingOutputCall failed: ${describe(status)}`);
      check(responses.length === 2, `got ${responses.length} responses, expected 2`);
      check(flags[0] === true, 'the first response (compressed=true) did not have the compressed flag set');
      check(flags[1] === false, 'the second response (compressed=false) had the compressed flag set');
      checkPayload(responses[0].payload, 31415, 'response 0');
      checkPayload(responses[1].payload, 92653, 'response 1');
    },

    async ping_pong() {
      const call = client.FullDuplexCall();
      const reader = new StreamReader(call);
      const steps = [[31415, 27182], [9, 8], [2653, 1828], [58979, 45904]];
      for (const [responseSize, requestSize] of steps) {
        await writeAsync(call, { response_parameters: [{ size: responseSize }], payload: zeros(requestSize) });
        const response = await reader.next();
        check(response, `the stream ended before the response of size ${responseSize}: ${describe(reader.status)}`);
        checkPayload(response.payload, responseSize, `response of size ${responseSize}`);
      }
      call.end();
      const extra = await reader.rest();
      const status = await reader.statusReceived;
      check(extra.length === 0, `got ${extra.length} unexpected extra responses`);
      check(status.code === grpc.status.OK, `FullDuplexCall failed: ${describe(status)}`);
    },

    async empty_stream() {
      const call = client.FullDuplexCall();
      const reader = new StreamReader(call);
      call.end();
      const responses = await reader.rest();
      const status = await reader.statusReceived;
      check(status.code === grpc.status.OK, `FullDuplexCall failed: ${describe(status)}`);
      check(responses.length === 0, `got ${responses.length} responses, expected none`);
    },

    async cancel_after_begin() {
      const { call, done } = clientStreaming(client, 'StreamingInputCall');
      call.cancel();
      const r = await done;
      check(r.status.code === grpc.status.CANCELLED, `expected CANCELLED, got ${describe(r.status)}`);
    },

    async cancel_after_first_response() {
      const call = client.FullDuplexCall();
      const reader = new StreamReader(call);
      await writeAsync(call, { response_parameters: [{ size: 31415 }], payload: zeros(27182) });
      const first = await reader.next();
      check(first, `no first response: ${describe(reader.status)}`);
      checkPayload(first.payload, 31415, 'first response');
      call.cancel();
      const status = await reader.statusReceived;
      check(status.code === grpc.status.CANCELLED, `expected CANCELLED, got ${describe(status)}`);
    },

    async timeout_on_sleeping_server() {
      const call = client.FullDuplexCall({ deadline: new Date(Date.now() + 1) });
      const reader = new StreamReader(call);
      // Not awaited: once the deadline has passed grpc-js may never complete the write.
      call.write({ payload: zeros(27182) });
      const status = await reader.statusReceived;
      check(status.code === grpc.status.DEADLINE_EXCEEDED, `expected DEADLINE_EXCEEDED, got ${describe(status)}`);
    },

    async custom_metadata() {
      const expectedTrailing = Buffer.from([0xab, 0xab, 0xab]);
      const metadata = () => {
        const md = new grpc.Metadata();
        md.set(ECHO_INITIAL, 'test_initial_metadata_value');
        md.set(ECHO_TRAILING, expectedTrailing);
        return md;
      };
      const checkEcho = (what, headers, trailers) => {
        const initial = headers ? headers.get(ECHO_INITIAL) : [];
        check(initial.length === 1 && initial[0] === 'test_initial_metadata_value',
          `${what}: initial metadata ${ECHO_INITIAL} is ${JSON.stringify(initial)}`);
        const trailing = trailers ? trailers.get(ECHO_TRAILING) : [];
        check(trailing.length === 1 && Buffer.isBuffer(trailing[0]) && trailing[0].equals(expectedTrailing),
          `${what}: trailing metadata ${ECHO_TRAILING} is ${JSON.stringify(trailing)}`);
      };

      const r = await unary(client, 'UnaryCall', largeRequest(), { metadata: metadata() });
      check(!r.error, `UnaryCall failed: ${describe(r.status)}`);
      checkPayload(r.response.payload, 314159, 'UnaryCall');
      checkEcho('UnaryCall', r.headers, r.status.metadata);

      const call = client.FullDuplexCall(metadata());
      const reader = new StreamReader(call);
      await writeAsync(call, { response_parameters: [{ size: 314159 }], payload: zeros(271828) });
      call.end();
      const responses = await reader.rest();
      const status = await reader.statusReceived;
      check(status.code === grpc.status.OK, `FullDuplexCall failed: ${describe(status)}`);
      check(responses.length === 1, `FullDuplexCall: got ${responses.length} responses, expected 1`);
      checkPayload(responses[0].payload, 314159, 'FullDuplexCall');
      checkEcho('FullDuplexCall', reader.headers, status.metadata);
    },

    async status_code_and_message() {
      const responseStatus = { code: 2, message: 'test status message' };
      const r = await unary(client, 'UnaryCall', { response_status: responseStatus });
      check(r.status.code === 2 && r.status.details === responseStatus.message,
        `UnaryCall: expected 2 "${responseStatus.message}", got ${describe(r.status)}`);

      const call = client.FullDuplexCall();
      const reader = new StreamReader(call);
      await writeAsync(call, { response_status: responseStatus });
      call.end();
      await reader.rest();
      const status = await reader.statusReceived;
      check(status.code === 2 && status.details === responseStatus.message,
        `FullDuplexCall: expected 2 "${responseStatus.message}", got ${describe(status)}`);
    },

    async special_status_message() {
      const message = '\t\ntest with whitespace\r\nand Unicode BMP \u263A and non-BMP \u{1F608}\t\n';
      const r = await unary(client, 'UnaryCall', { response_status: { code: 2, message } });
      check(r.status.code === 2, `expected code 2, got ${describe(r.status)}`);
      check(r.status.details === message,
        `status message differs: got ${JSON.stringify(r.status.details)}, expected ${JSON.stringify(message)}`);
    },

    async unimplemented_method() {
      const r = await unary(client, 'UnimplementedCall', {});
      check(r.status.code === grpc.status.UNIMPLEMENTED, `expected UNIMPLEMENTED, got ${describe(r.status)}`);
    },

    async unimplemented_service() {
      const r = await unary(unimplementedClient, 'UnimplementedCall', {});
      check(r.status.code === grpc.status.UNIMPLEMENTED, `expected UNIMPLEMENTED, got ${describe(r.status)}`);
    },
  };
}

function usage(message) {
  if (message) console.error(`interop-client: ${message}`);
  console.error('usage: node interop-client.js --server_host H --server_port P --test_case NAME [--use_tls false] [--server_host_override NAME]');
  process.exit(2);
}

async function main() {
  let flags;
  try {
    flags = parseFlags(process.argv.slice(2), KNOWN_FLAGS);
    if (parseBool('use_tls', flags.use_tls, false)) usage('--use_tls true is not supported (plaintext h2c only)');
    parseBool('use_test_ca', flags.use_test_ca, false);
  } catch (err) {
    usage(err.message);
  }
  const host = flags.server_host || 'localhost';
  const port = Number(flags.server_port);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) usage('--server_port must be a port number');
  if (!flags.test_case) usage('--test_case is required');

  const testing = loadTestingPackage();
  const target = `${host}:${port}`;
  const baseOptions = flags.server_host_override ? { 'grpc.default_authority': flags.server_host_override } : {};
  const makeClient = (options = {}) =>
    new testing.TestService(target, grpc.credentials.createInsecure(), { ...baseOptions, ...options });
  const ctx = {
    client: makeClient(),
    makeClient,
    unimplementedClient: new testing.UnimplementedService(target, grpc.credentials.createInsecure(), baseOptions),
  };
  const cases = caseTable(ctx);
  const run = cases[flags.test_case];
  if (!run) usage(`unknown test case '${flags.test_case}' (known: ${Object.keys(cases).join(', ')})`);

  installClientProbe();
  // If the case waits on something that can never happen, node would run out of work and exit 0:
  // make that a failure instead.
  process.on('beforeExit', () => {
    console.error(`${flags.test_case}: FAIL: the case stopped waiting without an outcome (a call never completed)`);
    process.exit(1);
  });
  try {
    await run();
    console.log(`${flags.test_case}: PASS`);
    process.exit(0);
  } catch (err) {
    console.error(`${flags.test_case}: FAIL: ${err instanceof CaseFailed ? err.message : err.stack}`);
    process.exit(1);
  }
}

main();
