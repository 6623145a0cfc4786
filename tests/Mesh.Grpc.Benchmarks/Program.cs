// Runs Mesh.Grpc's BenchmarkDotNet benchmarks: dotnet run -c Release --project tests/Mesh.Grpc.Benchmarks -- --filter '*'
// (see docs/performance.md for what each measures and the load-test side with h2load).
using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
