using System.Buffers;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Google.Protobuf;
using Grpc.Testing;
using Mesh.Grpc.Benchmarks.Load;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.Grpc.Benchmarks.Allocations;

/// <summary>
/// Bytes allocated per unary call by Mesh.Grpc's server path, Kestrel excluded: the RequestDelegate that
/// MapGrpcService maps for TestService.UnaryCall is invoked directly on a reused HttpContext whose
/// request body, response body and trailers are in-memory pipes and dictionaries (see InMemoryHttpFeatures).
///   Harness       the per-call pipe/header work alone (should be 0 B: it is not ours to count)
///   Messages      what protobuf and the service must allocate anyway: parse SimpleRequest, build SimpleResponse,
///                 Task.FromResult, the per-call service instance
///   UnaryCall     the whole call through Mesh.Grpc; UnaryCall - Messages = Mesh.Grpc's own allocations
/// Run: dotnet run -c Release --project tests/Mesh.Grpc.Benchmarks -- --filter '*UnaryCallAllocation*'
/// </summary>
[MemoryDiagnoser]
[Config(typeof(InProcessConfig))]
public class UnaryCallAllocationBenchmark
{
    private const string MethodPath = "/grpc.testing.TestService/UnaryCall";

    private WebApplication _app = null!;
    private RequestDelegate _unaryCall = null!;
    private InMemoryHttpFeatures _features = null!;
    private DefaultHttpContext _context = null!;
    private byte[] _requestFrame = null!;
    private SimpleRequest _request = null!;

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

        _request = new SimpleRequest { ResponseSize = 64, Payload = new Payload { Body = ByteString.CopyFrom(new byte[64]) } };
        var payload = _request.ToByteArray();
        _requestFrame = new byte[5 + payload.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(_requestFrame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(_requestFrame.AsSpan(5));

        _features = new InMemoryHttpFeatures { RequestServices = _app.Services };
        var collection = new FeatureCollection();
        collection.Set<IHttpRequestFeature>(new HttpRequestFeature
        {
            Protocol = "HTTP/2",
            Method = "POST",
            Scheme = "http",
            Path = MethodPath,
            Headers = new HeaderDictionary { ["content-type"] = "application/grpc", ["te"] = "trailers" },
        });
        collection.Set<IHttpResponseFeature>(_features);
        collection.Set<IHttpResponseBodyFeature>(_features);
        collection.Set<IRequestBodyPipeFeature>(_features);
        collection.Set<IHttpResponseTrailersFeature>(_features);
        collection.Set<IServiceProvidersFeature>(_features);
        collection.Set<IHttpRequestLifetimeFeature>(_features);
        _context = new DefaultHttpContext(collection);

        // One call outside the measurement, parsed and checked, so a broken handler cannot pass for a fast one.
        CallHandler();
        var response = SimpleResponse.Parser.ParseFrom(TakeResponse().Slice(5));
        if (response.Payload.Body.Length != 64) throw new InvalidOperationException("unexpected response");
        _features.Reset();
    }

    [GlobalCleanup]
    public void Cleanup() => _app.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(Baseline = true)]
    public long Harness()
    {
        WriteRequest();
        var reader = _features.RequestPipe.Reader;
        reader.TryRead(out var result);
        var length = result.Buffer.Length;
        reader.AdvanceTo(result.Buffer.End);
        _features.Reset();
        return length;
    }

    [Benchmark]
    public SimpleResponse Messages()
    {
        var request = SimpleRequest.Parser.ParseFrom(new ReadOnlySequence<byte>(_requestFrame, 5, _requestFrame.Length - 5));
        var service = new BenchTestService();
        return service.UnaryCall(request, null!).Result;
    }

    [Benchmark]
    public long UnaryCall()
    {
        CallHandler();
        var response = TakeResponse();
        var length = response.Length;
        // Consume what was read, as Kestrel's connection does: the pipe then keeps its segment for reuse.
        _features.ResponsePipe.Reader.AdvanceTo(response.End);
        _features.Reset();
        return length;
    }

    private void CallHandler()
    {
        WriteRequest();
        var pending = _unaryCall(_context);
        if (!pending.IsCompletedSuccessfully) pending.GetAwaiter().GetResult();
        if (_features.Trailers.GrpcStatus != "0") throw new InvalidOperationException($"grpc-status {_features.Trailers.GrpcStatus}");
    }

    private void WriteRequest()
    {
        var writer = _features.RequestPipe.Writer;
        writer.Write(_requestFrame);
        writer.Complete();
    }

    /// <summary>The response bytes the handler left in the pipe (Kestrel would flush them with the trailers).</summary>
    private ReadOnlySequence<byte> TakeResponse()
    {
        _features.ResponsePipe.Writer.FlushAsync().GetAwaiter().GetResult();
        if (!_features.ResponsePipe.Reader.TryRead(out var result)) throw new InvalidOperationException("no response message");
        return result.Buffer;
    }

    private static RouteEndpoint FindEndpoint(WebApplication app, string path) =>
        ((IEndpointRouteBuilder)app).DataSources.SelectMany(source => source.Endpoints).OfType<RouteEndpoint>()
        .FirstOrDefault(endpoint => endpoint.RoutePattern.RawText == path)
        ?? throw new InvalidOperationException($"{path} is not mapped");
}
