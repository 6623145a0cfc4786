using Mesh.Grpc.Tests.Server.Support;
using Xunit;
using M = Mesh.Grpc.Tests.Server.Support.TestServiceBase;

namespace Mesh.Grpc.Tests.Server;

/// <summary>grpc-timeout → deadline → cancellation and DEADLINE_EXCEEDED; client RST_STREAM → cancellation.</summary>
public sealed class DeadlineAndCancellationTests : IAsyncLifetime
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);
    private GrpcTestServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await GrpcTestServer.StartAsync();
    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task The_deadline_fires_the_call_token_and_ends_with_deadline_exceeded()
    {
        var reply = await RawGrpc.CallAsync(_server.Client, M.WaitForCancelMethod.FullName, RawGrpc.Frame("x"), ("grpc-timeout", "100m"));

        Assert.Equal((int)StatusCode.DeadlineExceeded, reply.Status);
        Assert.Empty(reply.Messages);
        await _server.Probe.CancellationObserved.Task.WaitAsync(HangGuard, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_unary_handler_that_ignores_the_token_still_ends_with_deadline_exceeded_and_no_message()
    {
        // The handler blocks until released, ignoring its token; the deadline is 100 ms. The response must
        // come while it is still blocked (if the server waited for the handler, this would hang).
        var reply = await RawGrpc.CallAsync(_server.Client, M.SleepMethod.FullName, RawGrpc.Frame("x"), ("grpc-timeout", "100m"));

        Assert.Equal((int)StatusCode.DeadlineExceeded, reply.Status);
        Assert.Empty(reply.Messages);
        Assert.False(_server.Probe.HandlerFinished.Task.IsCompleted);

        // When the handler does return, its late response goes nowhere and breaks nothing.
        _server.Probe.Release.TrySetResult();
        Assert.Equal("woke", await _server.Probe.HandlerFinished.Task.WaitAsync(HangGuard, TestContext.Current.CancellationToken));
        var next = await RawGrpc.CallAsync(_server.Client, M.EchoMethod.FullName, RawGrpc.Frame("after"));
        Assert.Equal(["after"], next.Texts);
    }

    [Fact]
    public async Task A_streaming_handler_that_ignores_the_token_is_cut_off_at_the_deadline()
    {
        var reply = await RawGrpc.CallAsync(_server.Client, M.StreamUntilStoppedMethod.FullName, RawGrpc.Frame("x"), ("grpc-timeout", "300m"));

        Assert.Equal((int)StatusCode.DeadlineExceeded, reply.Status);
        Assert.Equal(0, reply.TrailingBytes);
        Assert.All(reply.Texts, t => Assert.StartsWith("tick", t));

        // The handler's next write after the deadline failed instead of sending more.
        var outcome = await _server.Probe.HandlerFinished.Task.WaitAsync(HangGuard, TestContext.Current.CancellationToken);
        Assert.Equal(nameof(RpcException), outcome);
    }

    [Fact]
    public async Task A_call_within_its_deadline_succeeds_and_sees_the_deadline()
    {
        var reply = await RawGrpc.CallAsync(_server.Client, M.MetadataMethod.FullName, RawGrpc.Frame("d"), ("grpc-timeout", "20S"));

        Assert.Equal(0, reply.Status);
        Assert.EndsWith("|deadline", reply.Texts.Single());
    }

    [Fact]
    public async Task An_invalid_grpc_timeout_is_ignored()
    {
        var reply = await RawGrpc.CallAsync(_server.Client, M.MetadataMethod.FullName, RawGrpc.Frame("d"), ("grpc-timeout", "abc"));

        Assert.Equal(0, reply.Status);
        Assert.EndsWith("|no-deadline", reply.Texts.Single());
    }

    [Fact]
    public async Task A_client_reset_fires_the_call_token()
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var request = RawGrpc.Request(M.WaitForCancelMethod.FullName, new ChunkedContent(RawGrpc.Frame("x")));
        var call = _server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);

        await _server.Probe.Entered.Task.WaitAsync(HangGuard, TestContext.Current.CancellationToken);
        cts.Cancel(); // HttpClient sends RST_STREAM(CANCEL)

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        await _server.Probe.CancellationObserved.Task.WaitAsync(HangGuard, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_client_reset_with_a_deadline_also_fires_the_call_token()
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var request = RawGrpc.Request(M.WaitForCancelMethod.FullName, new ChunkedContent(RawGrpc.Frame("x")), "application/grpc", ("grpc-timeout", "1M"));
        var call = _server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);

        await _server.Probe.Entered.Task.WaitAsync(HangGuard, TestContext.Current.CancellationToken);
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        await _server.Probe.CancellationObserved.Task.WaitAsync(HangGuard, TestContext.Current.CancellationToken);
    }
}
