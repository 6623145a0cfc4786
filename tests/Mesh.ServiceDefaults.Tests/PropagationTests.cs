using Mesh.ServiceDefaults.Resilience;
using Mesh.ServiceDefaults.Tests.Proto;
using Mesh.ServiceDefaults.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.ServiceDefaults.Tests;

/// <summary>A → B → C: what A allows bounds what B may spend on C.</summary>
public sealed class PropagationTests : IAsyncLifetime
{
    private ServiceHost _c = null!;
    private ServiceHost _b = null!;
    private TestClient _a = null!;

    public async ValueTask InitializeAsync()
    {
        _c = await ServiceHost.StartAsync("c");
        _b = await ServiceHost.StartAsync("b", builder => builder.AddGrpcClient<Probe.ProbeClient>("next"),
            new Dictionary<string, string?> { ["services:next:grpc:0"] = _c.GrpcAddress.ToString() });
        _a = TestClient.For([_b.GrpcAddress]);
    }

    public async ValueTask DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        await _c.DisposeAsync();
    }

    [Fact]
    public async Task C_sees_at_most_what_is_left_of_As_200_ms_deadline()
    {
        var ct = TestContext.Current.CancellationToken;
        await _a.Client.ForwardAsync(new ProbeRequest { Key = "warm-up" }, cancellationToken: ct); // connections open, code jitted

        ProbeReply? reply = null;
        for (var attempt = 0; reply is null && attempt < 10; attempt++)
        {
            try
            {
                reply = await _a.Client.ForwardAsync(new ProbeRequest { Key = "deadline" }, deadline: DateTime.UtcNow.AddMilliseconds(200), cancellationToken: ct);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.DeadlineExceeded)
            {
                // A slow moment on a busy box spent all 200 ms: that too is the deadline at work; try again.
            }
        }

        Assert.NotNull(reply);
        Assert.Equal("c", reply.Server);
        Assert.InRange(reply.RemainingDeadlineMs, 0, 200);
    }

    [Fact]
    public async Task Without_an_incoming_deadline_C_gets_the_default_one()
    {
        var reply = await _a.Client.ForwardAsync(new ProbeRequest { Key = "default" }, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("c", reply.Server);
        // The 10 s default of the B → C client, not the 200 ms of the other test.
        Assert.InRange(reply.RemainingDeadlineMs, 1_000, 10_000);
    }

    [Fact]
    public async Task Cancelling_A_cancels_the_call_B_makes_to_C()
    {
        var ct = TestContext.Current.CancellationToken;
        var cReached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var bCallEnded = new TaskCompletionSource<StatusCode>(TaskCreationOptions.RunContinuationsAsynchronously);

        // C hangs until its own call is cancelled.
        _c.State.OnForward = () =>
        {
            cReached.TrySetResult();
            return Task.Delay(Timeout.Infinite, ServerCallScope.Current!.CancellationToken);
        };
        // B, serving A, calls C with a long deadline and no token of its own: only propagation can end it early.
        _b.State.OnForward = async () =>
        {
            var next = _b.Services.GetRequiredService<Probe.ProbeClient>();
            try
            {
                await next.ForwardAsync(new ProbeRequest { Key = "hang" }, deadline: DateTime.UtcNow.AddMinutes(5))
                    .ResponseAsync.WaitAsync(TimeSpan.FromSeconds(60));
                bCallEnded.TrySetResult(StatusCode.OK);
            }
            catch (RpcException ex) { bCallEnded.TrySetResult(ex.StatusCode); }
            catch (TimeoutException) { bCallEnded.TrySetResult(StatusCode.Unknown); }
        };

        using var cancel = new CancellationTokenSource();
        var aCall = _a.Client.ForwardAsync(new ProbeRequest { Key = "cancel-me" }, cancellationToken: cancel.Token);
        await cReached.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);
        cancel.Cancel();

        var error = await Assert.ThrowsAsync<RpcException>(() => aCall.ResponseAsync);
        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        Assert.Equal(StatusCode.Cancelled, await bCallEnded.Task.WaitAsync(TimeSpan.FromSeconds(60), ct));
    }
}
