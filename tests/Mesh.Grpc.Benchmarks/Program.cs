// Mesh.Grpc's benchmarks (docs/performance.md has the reproducing commands and the numbers):
//   dotnet run -c Release --project tests/Mesh.Grpc.Benchmarks -- --filter '*'     BenchmarkDotNet (allocations per call)
//   Mesh.Grpc.Benchmarks serve --port P                                            minimal TestService server for h2load
//   Mesh.Grpc.Benchmarks request-bodies --out DIR [--unary-size N] [--stream-messages N] [--stream-size N]
//   Mesh.Grpc.Benchmarks alloc-profile [--calls N] [--deadline]                    bytes per unary call by type (EventListener)
//   Mesh.Grpc.Benchmarks stream-client --port P [--seconds S] [--streams C] [--stream-messages N] [--stream-size N]
// tests/Mesh.Grpc.Benchmarks/run-load.sh drives the last three against ours, C++ and grpc-js servers.
using BenchmarkDotNet.Running;
using Mesh.Grpc.Benchmarks.Allocations;
using Mesh.Grpc.Benchmarks.Load;

return args.FirstOrDefault() switch
{
    "serve" => await BenchServer.RunAsync(LoadOptions.Parse(args[1..])),
    "request-bodies" => RequestBodies.Write(LoadOptions.Parse(args[1..])),
    "stream-client" => await StreamingClient.RunAsync(LoadOptions.Parse(args[1..])),
    "alloc-profile" => AllocationProfile.Run(args[1..]),
    _ => RunBenchmarkDotNet(args),
};

static int RunBenchmarkDotNet(string[] args)
{
    BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    return 0;
}
