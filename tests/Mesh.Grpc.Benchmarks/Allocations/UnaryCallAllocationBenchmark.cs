using System.Buffers;
using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Google.Protobuf;
using Grpc.Testing;
using Mesh.Grpc.Benchmarks.Load;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.Grpc.Benchmarks.Allocations;

/// <summary>
/// Bytes allocated per unary call by Mesh.Grpc's server path, Kestrel excluded: the RequestDelegate that
/// MapGrpcService maps for TestService.UnaryCall is invoked directly on a reused in-memory HttpContext
/// (InMemoryGrpcCall). 64-byte payload each way, as in the h2load benchmark.
///   Harness                the per-call pipe/header work alone: 0 B, so nothing below is the harness's
///   Messages               what protobuf and the service allocate anyway: parse SimpleRequest, build
///                          SimpleResponse, Task.FromResult, the per-call service instance
///   UnaryCall              the whole call through Mesh.Grpc; UnaryCall - Messages = Mesh.Grpc's own bytes
///   UnaryCallWithDeadline  the same with a grpc-timeout header (deadline timer, token, write gate)
/// Run: dotnet run -c Release --project tests/Mesh.Grpc.Benchmarks -- --filter '*UnaryCallAllocation*'
/// </summary>
[MemoryDiagnoser]
[Config(typeof(InProcessConfig))]
public class UnaryCallAllocationBenchmark
{
    private const string MethodPath = "/grpc.testing.TestService/UnaryCall";

    private WebApplication _app = null!;
    private RequestDelegate _unaryCall = null!;
    private InMemoryGrpcCall _call = null!;
    private InMemoryGrpcCall _callWithDeadline = null!;
    private byte[] _requestFrame = null!;

    /// <summary>In-process (no generated project to build) so it runs the same in any checkout.</summary>
    private sealed class InProcessConfig : ManualConfig
    {
        public InProcessConfig() =>
            AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(3).WithIterationCount(10));
    }

    [GlobalSetup]
    public void Setup()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddGrpc();
        _app = builder.Build();
        _app.MapGrpcService<BenchTestService>();
        _unaryCall = FindEndpoint(_app, MethodPath).RequestDelegate
                     ?? throw new InvalidOperationException($"{MethodPath} has no RequestDelegate");

        var request = new SimpleRequest { ResponseSize = 64, Payload = new Payload { Body = ByteString.CopyFrom(new byte[64]) } };
        var payload = request.ToByteArray();
        _requestFrame = new byte[5 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(_requestFrame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(_requestFrame.AsSpan(5));

        _call = new InMemoryGrpcCall(MethodPath, _app.Services);
        _callWithDeadline = new InMemoryGrpcCall(MethodPath, _app.Services, ("grpc-timeout", "30S"));

        // One call of each outside the measurement, parsed and checked, so a broken handler cannot pass for a fast one.
        _call.Invoke(_unaryCall, _requestFrame, CheckResponse);
        _callWithDeadline.Invoke(_unaryCall, _requestFrame, CheckResponse);
    }

    [GlobalCleanup]
    public void Cleanup() => _app.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(Baseline = true)]
    public long Harness() => _call.RoundTripWithoutHandler(_requestFrame);

    [Benchmark]
    public SimpleResponse Messages()
    {
        var request = SimpleRequest.Parser.ParseFrom(new ReadOnlySequence<byte>(_requestFrame, 5, _requestFrame.Length - 5));
        return new BenchTestService().UnaryCall(request, null!).Result;
    }

    [Benchmark]
    public long UnaryCall() => _call.Invoke(_unaryCall, _requestFrame);

    [Benchmark]
    public long UnaryCallWithDeadline() => _callWithDeadline.Invoke(_unaryCall, _requestFrame);

    private static void CheckResponse(ReadOnlySequence<byte> body)
    {
        var response = SimpleResponse.Parser.ParseFrom(body.Slice(5));
        if (response.Payload.Body.Length != 64) throw new InvalidOperationException("unexpected response");
    }

    private static RouteEndpoint FindEndpoint(WebApplication app, string path) =>
        ((IEndpointRouteBuilder)app).DataSources.SelectMany(source => source.Endpoints).OfType<RouteEndpoint>()
        .FirstOrDefault(endpoint => endpoint.RoutePattern.RawText == path)
        ?? throw new InvalidOperationException($"{path} is not mapped");
}
