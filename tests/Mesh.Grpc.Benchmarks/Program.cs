// Mesh.Grpc's benchmarks (docs/performance.md has the reproducing commands and the numbers):
//   dotnet run -c Release --project tests/Mesh.Grpc.Benchmarks -- --filter '*'     BenchmarkDotNet (allocations per call)
//   Mesh.Grpc.Benchmarks serve --port P                                            minimal TestService server for h2load
//   Mesh.Grpc.Benchmarks request-bodies --out DIR [--unary-size N] [--stream-messages N] [--stream-size N]
//   Mesh.Grpc.Benchmarks alloc-profile [--calls N] [--deadline]                    bytes per unary call by type (EventListener)
//   Mesh.Grpc.Benchmarks stream-client --port P [--seconds S] [--streams C] [--stream-messages N] [--stream-size N]
//   Mesh.Grpc.Benchmarks edge-backend --port P | edge-gateway --backend URL | edge-bodies --out DIR    (run-edge.sh)
//   Mesh.Grpc.Benchmarks booking-load [--seconds S] [--warmup S] [--concurrency C] [--pgbench-clients C] [--pgbench-seconds S] [--work DIR]
//                                                                                  (run-booking.sh: bookings/s end to end vs pgbench)
// tests/Mesh.Grpc.Benchmarks/run-load.sh drives serve, request-bodies and stream-client against ours, C++ and grpc-js
// servers; run-edge.sh compares one unary GET through services/Gateway (REST/JSON) with the same call over gRPC.
using BenchmarkDotNet.Running;
using Mesh.Grpc.Benchmarks.Allocations;
using Mesh.Grpc.Benchmarks.Booking;
using Mesh.Grpc.Benchmarks.Edge;
using Mesh.Grpc.Benchmarks.Load;

return args.FirstOrDefault() switch
{
    "serve" => await BenchServer.RunAsync(LoadOptions.Parse(args[1..])),
    "request-bodies" => RequestBodies.Write(LoadOptions.Parse(args[1..])),
    "stream-client" => await StreamingClient.RunAsync(LoadOptions.Parse(args[1..])),
    "edge-backend" => await EdgeBackendServer.RunAsync(EdgeOptions.Parse(args[1..])),
    "edge-gateway" => await EdgeGatewayServer.RunAsync(EdgeOptions.Parse(args[1..])),
    "edge-bodies" => EdgeBodies.Write(EdgeOptions.Parse(args[1..])),
    "alloc-profile" => AllocationProfile.Run(args[1..]),
    "booking-load" => await BookingLoad.RunAsync(BookingLoadOptions.Parse(args[1..])),
    _ => RunBenchmarkDotNet(args),
};

static int RunBenchmarkDotNet(string[] args)
{
    // Not typeof(Program): Mesh.Gateway (referenced for run-edge.sh) has a public Program too.
    BenchmarkSwitcher.FromAssembly(typeof(BenchServer).Assembly).Run(args);
    return 0;
}
