// Reference C++ gRPC server for Mesh.Grpc's load benchmarks (tests/Mesh.Grpc.Benchmarks/run-load.sh).
// Serves the two grpc.testing.TestService methods the benchmark drives, on Debian's libgrpc++ (1.51):
//   UnaryCall            -> a SimpleResponse whose payload is response_size zero bytes
//   StreamingOutputCall  -> one StreamingOutputCallResponse of `size` zero bytes per ResponseParameters
// Every other method answers UNIMPLEMENTED. interval_us, compression and echo-status are ignored on
// purpose: this is a throughput reference, not an interop server.
//
// It uses gRPC's callback API, the style upstream recommends for new C++ servers, so the reference is a
// fast C++ server rather than a thread-per-call one.
//
//   bench_server --port P      (0 picks a free port; prints "listening on 127.0.0.1:PORT" when ready)
// SIGINT/SIGTERM shut it down cleanly.

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "grpc/testing/test.grpc.pb.h"

namespace {

using grpc::testing::SimpleRequest;
using grpc::testing::SimpleResponse;
using grpc::testing::StreamingOutputCallRequest;
using grpc::testing::StreamingOutputCallResponse;

// Writes the responses of one StreamingOutputCall, one at a time: gRPC allows a single outstanding
// write per stream, so the next write starts when the previous one is done.
class ResponseWriter final : public grpc::ServerWriteReactor<StreamingOutputCallResponse> {
 public:
  explicit ResponseWriter(const StreamingOutputCallRequest& request) : request_(request) { WriteNext(); }

  void OnWriteDone(bool ok) override {
    if (!ok) {  // the client went away; nothing more can be sent
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "write failed"));
      return;
    }
    WriteNext();
  }

  void OnDone() override { delete this; }

 private:
  void WriteNext() {
    if (next_ >= request_.response_parameters_size()) {
      Finish(grpc::Status::OK);
      return;
    }
    const auto size = request_.response_parameters(next_++).size();
    response_.mutable_payload()->set_body(std::string(static_cast<size_t>(size), '\0'));
    StartWrite(&response_);
  }

  // The request is owned by the library only until the handler returns, so keep a copy.
  StreamingOutputCallRequest request_;
  StreamingOutputCallResponse response_;  // must stay alive until OnWriteDone
  int next_ = 0;
};

class BenchTestService final : public grpc::testing::TestService::CallbackService {
  grpc::ServerUnaryReactor* UnaryCall(grpc::CallbackServerContext* context, const SimpleRequest* request,
                                      SimpleResponse* response) override {
    response->mutable_payload()->set_body(std::string(static_cast<size_t>(request->response_size()), '\0'));
    auto* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  grpc::ServerWriteReactor<StreamingOutputCallResponse>* StreamingOutputCall(
      grpc::CallbackServerContext* /*context*/, const StreamingOutputCallRequest* request) override {
    return new ResponseWriter(*request);
  }
};

int ParsePort(int argc, char** argv) {
  for (int i = 1; i + 1 < argc; i++)
    if (std::strcmp(argv[i], "--port") == 0) return std::atoi(argv[i + 1]);
  std::fprintf(stderr, "usage: %s --port P\n", argv[0]);
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  const int port = ParsePort(argc, argv);

  // Block the stop signals in every thread (gRPC's threads inherit this mask), then wait for them here.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  BenchTestService service;
  int selected_port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:" + std::to_string(port), grpc::InsecureServerCredentials(), &selected_port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || selected_port == 0) {
    std::fprintf(stderr, "bench_server: could not listen on 127.0.0.1:%d\n", port);
    return 1;
  }
  std::printf("C++ gRPC %s bench server listening on 127.0.0.1:%d\n", grpc::Version().c_str(), selected_port);
  std::fflush(stdout);

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  return 0;
}
