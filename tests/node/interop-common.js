'use strict';
// What the Node interop peers share: loading gRPC's testing protos (from Debian's grpc-proto package)
// and parsing the command-line flags of gRPC's interop matrix (--name=value or --name value).

const path = require('path');
const fs = require('fs');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

// Debian installs the protos here; GRPC_PROTO_DIR overrides it (e.g. on a machine with another layout).
const PROTO_ROOT = process.env.GRPC_PROTO_DIR || '/usr/share/grpc-proto';

function loadTestingPackage() {
  const testProto = path.join(PROTO_ROOT, 'grpc/testing/test.proto');
  if (!fs.existsSync(testProto)) {
    throw new Error(`${testProto} not found: install Debian's grpc-proto package (apt-get install grpc-proto)`);
  }
  const definition = protoLoader.loadSync('grpc/testing/test.proto', {
    includeDirs: [PROTO_ROOT],
    keepCase: true, // field names exactly as in the proto (response_size, not responseSize)
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  return grpc.loadPackageDefinition(definition).grpc.testing;
}

/**
 * Parses argv into {flag: value}. Accepts the matrix's `--flag=value` and the shorter `--flag value`.
 * Unknown flags are an error (the caller prints usage and exits 2).
 */
function parseFlags(argv, known) {
  const flags = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new Error(`unexpected argument '${arg}'`);
    let name = arg.slice(2);
    let value;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    } else {
      if (i + 1 >= argv.length) throw new Error(`flag --${name} needs a value`);
      value = argv[++i];
    }
    if (!known.includes(name)) throw new Error(`unknown flag --${name}`);
    flags[name] = value;
  }
  return flags;
}

function parseBool(name, value, fallback) {
  if (value === undefined) return fallback;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new Error(`--${name} must be true or false, not '${value}'`);
}

module.exports = { loadTestingPackage, parseFlags, parseBool, grpc };
