// A small @grpc/grpc-js server for Mesh.Grpc's client tests: an independent, official gRPC implementation
// our client must interoperate with. Messages are raw UTF-8 strings (no proto needed), so the C# tests can use
// a string marshaller. Prints "listening on PORT" once bound to 127.0.0.1 on a free port.
//
// Service mesh.test.Echo:
//   Unary         echoes the request; "fail:CODE:MESSAGE" ends with that status; "sleep" never answers.
//                 Request metadata keys starting with "x-" come back in the response headers; the trailers carry
//                 x-trailer: "done" and x-trailer-bin: bytes 0,1,2,255.
//   ServerStream  request "N" → messages "0" … "N-1".
//   ClientStream  joins every request message with ",".
//   Duplex        echoes each message as it arrives; "fail" ends the call with ABORTED.
'use strict';
const grpc = require('@grpc/grpc-js');

const passThrough = {
  requestSerialize: (s) => Buffer.from(s, 'utf8'),
  requestDeserialize: (b) => b.toString('utf8'),
  responseSerialize: (s) => Buffer.from(s, 'utf8'),
  responseDeserialize: (b) => b.toString('utf8'),
};
const method = (name, requestStream, responseStream) =>
  ({ path: `/mesh.test.Echo/${name}`, requestStream, responseStream, ...passThrough });

const service = {
  Unary: method('Unary', false, false),
  ServerStream: method('ServerStream', false, true),
  ClientStream: method('ClientStream', true, false),
  Duplex: method('Duplex', true, true),
};

function echoHeaders(call) {
  const md = new grpc.Metadata();
  for (const [key, values] of Object.entries(call.metadata.getMap())) {
    if (key.startsWith('x-')) md.set(key, values);
  }
  call.sendMetadata(md);
}

function trailers() {
  const md = new grpc.Metadata();
  md.set('x-trailer', 'done');
  md.set('x-trailer-bin', Buffer.from([0, 1, 2, 255]));
  return md;
}

const handlers = {
  Unary(call, callback) {
    echoHeaders(call);
    const request = call.request;
    if (request === 'sleep') {
      call.on('cancelled', () => {});
      return; // never answers: the client's deadline or cancellation must end the call
    }
    if (request.startsWith('fail:')) {
      const [, code, ...message] = request.split(':');
      callback({ code: Number(code), details: message.join(':'), metadata: trailers() });
      return;
    }
    callback(null, request, trailers());
  },
  ServerStream(call) {
    echoHeaders(call);
    const n = Number(call.request);
    for (let i = 0; i < n; i++) call.write(String(i));
    call.end(trailers());
  },
  ClientStream(call, callback) {
    echoHeaders(call);
    const parts = [];
    call.on('data', (m) => parts.push(m));
    call.on('end', () => callback(null, parts.join(','), trailers()));
  },
  Duplex(call) {
    echoHeaders(call);
    call.on('data', (m) => {
      if (m === 'fail') call.emit('error', { code: grpc.status.ABORTED, details: 'asked to fail' });
      else call.write(m);
    });
    call.on('end', () => call.end(trailers()));
  },
};

// (grpc-js 1.14 decompresses requests but never compresses responses; response compression is tested elsewhere.)
const server = new grpc.Server();
server.addService(service, handlers);
server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) {
    console.error(err);
    process.exit(1);
  }
  console.log(`listening on ${port}`);
});
process.on('SIGTERM', () => server.forceShutdown());
