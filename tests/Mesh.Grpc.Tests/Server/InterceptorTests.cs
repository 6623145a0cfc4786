using Mesh.Grpc.Interceptors;
using Mesh.Grpc.Tests.Server.Support;
using Xunit;
using M = Mesh.Grpc.Tests.Server.Support.TestServiceBase;

namespace Mesh.Grpc.Tests.Server;

/// <summary>Global server interceptors: order, every call kind, activation and disposal.</summary>
public sealed class InterceptorTests : IAsyncLifetime
{
    private readonly ServiceProbe _probe = new();
    private readonly RecordingInterceptor _shared;
    private GrpcTestServer _server = null!;

    public InterceptorTests() => _shared = new RecordingInterceptor(_probe, "B");

    public async ValueTask InitializeAsync() =>
        _server = await GrpcTestServer.StartAsync(o =>
        {
            o.Interceptors.Add<RecordingInterceptor>("A"); // by type: created per call, probe from DI, name from here
            o.Interceptors.Add(_shared);                   // by instance: shared, never disposed by the server
            o.Interceptors.Add<ShortCircuitInterceptor>();
        }, probe: _probe);

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Interceptors_wrap_a_unary_call_in_registration_order()
    {
        var reply = await RawGrpc.CallAsync(_server.Client, M.EchoMethod.FullName, RawGrpc.Frame("x"));

        Assert.Equal(0, reply.Status);
        Assert.Equal(["A:unary:before", "B:unary:before", "service", "B:unary:after", "A:unary:after", "A:disposed"], Events());
    }

    [Fact]
    public async Task Interceptors_wrap_server_streaming_calls()
    {
        var reply = await RawGrpc.CallAsync(_server.Client, M.CountMethod.FullName, RawGrpc.Frame("2"));

        Assert.Equal(["0", "1"], reply.Texts);
        Assert.Equal(["A:server-streaming:before", "B:server-streaming:before", "B:server-streaming:after", "A:server-streaming:after", "A:disposed"], Events());
    }

    [Fact]
    public async Task Interceptors_wrap_client_streaming_calls()
    {
        var reply = await RawGrpc.SendAsync(_server.Client, RawGrpc.Request(M.CollectMethod.FullName,
            new ChunkedContent(RawGrpc.Frame("a"), RawGrpc.Frame("b"))), TestContext.Current.CancellationToken);

        Assert.Equal(["2:1,1"], reply.Texts);
        Assert.Equal(["A:client-streaming:before", "B:client-streaming:before", "B:client-streaming:after", "A:client-streaming:after", "A:disposed"], Events());
    }

    [Fact]
    public async Task Interceptors_wrap_duplex_streaming_calls()
    {
        var reply = await RawGrpc.SendAsync(_server.Client, RawGrpc.Request(M.ChatMethod.FullName,
            new ChunkedContent(RawGrpc.Frame("a"))), TestContext.Current.CancellationToken);

        Assert.Equal(["re:a"], reply.Texts);
        Assert.Equal(["A:duplex:before", "B:duplex:before", "B:duplex:after", "A:duplex:after", "A:disposed"], Events());
    }

    [Fact]
    public async Task An_interceptor_can_end_the_call_before_the_service_runs()
    {
        var reply = await RawGrpc.CallAsync(_server.Client, M.EchoMethod.FullName, RawGrpc.Frame("x"), ("x-deny", "1"));

        Assert.Equal((int)StatusCode.PermissionDenied, reply.Status);
        Assert.DoesNotContain("service", Events());
        Assert.Equal(0, _probe.InstancesCreated);
    }

    private List<string> Events()
    {
        lock (_probe.Events) return _probe.Events.ToList();
    }
}

public sealed class RecordingInterceptor(ServiceProbe probe, string name) : Interceptor, IDisposable
{
    public void Dispose() => probe.Record(name + ":disposed");

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        probe.Record(name + ":unary:before");
        var response = await continuation(request, context);
        probe.Record(name + ":unary:after");
        return response;
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        probe.Record(name + ":server-streaming:before");
        await continuation(request, responseStream, context);
        probe.Record(name + ":server-streaming:after");
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        probe.Record(name + ":client-streaming:before");
        var response = await continuation(requestStream, context);
        probe.Record(name + ":client-streaming:after");
        return response;
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        probe.Record(name + ":duplex:before");
        await continuation(requestStream, responseStream, context);
        probe.Record(name + ":duplex:after");
    }
}

/// <summary>Denies calls carrying x-deny, before the service is even created.</summary>
public sealed class ShortCircuitInterceptor : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation) =>
        context.RequestHeaders.GetValue("x-deny") is not null
            ? throw new RpcException(new Status(StatusCode.PermissionDenied, "denied"))
            : continuation(request, context);
}
