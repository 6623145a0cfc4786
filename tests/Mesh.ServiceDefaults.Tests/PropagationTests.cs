using Mesh.ServiceDefaults.Tests.Proto;
using Mesh.ServiceDefaults.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Mesh.ServiceDefaults.Tests;

/// <summary>
/// A → B → C, each hop a client registered with AddServiceClient: what A allows bounds what B may spend on C, and
/// A giving up ends B's call to C.
/// </summary>
public sealed class PropagationTests : IAsyncLifetime
{
    private ServiceHost _c = null!;
    private ServiceHost _b = null!;
    private TestClient _a = null!;

    public async ValueTask InitializeAsync()
    {
        _c = await ServiceHost.StartAsync("c");
        _b = await ServiceHost.StartAsync("b", builder => builder.AddServiceClient<Probe.ProbeClient>("c"),
            new Dictionary<string, string?> { ["services:c:grpc:0"] = _c.GrpcAddress.ToString() });
        _a = await TestClient.StartAsync([_b.GrpcAddress], service: "b");
    }

    public async ValueTask DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        await _c.DisposeAsync();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task C_sees_at_most_what_is_left_of_the_deadline_A_set()
    {
        await _a.Client.ForwardAsync(new ProbeRequest { Key = "warm-up" }, cancellationToken: Ct); // connections open, code jitted

        // 4 s: far below the 10 s default deadline B's client would give the call to C on its own.
        const int deadlineMs = 4_000;
        ProbeReply? reply = null;
        for (var attempt = 0; reply is null && attempt < 5; attempt++)
        {
            try
            {
                reply = await _a.Client.ForwardAsync(new ProbeRequest { Key = "deadline" },
                    deadline: DateTime.UtcNow.AddMilliseconds(deadlineMs), cancellationToken: Ct);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.DeadlineExceeded)
            {
                // A stalled moment on a busy box spent all of it: that too is the deadline at work; try again.
            }
        }

        Assert.NotNull(reply);
        Assert.Equal("c", reply.Server);
        // C's deadline is A's, carried through B: never more time than A gave, and never B's own default.
        Assert.InRange(reply.RemainingDeadlineMs, 1, deadlineMs);
    }

    [Fact]
    public async Task Without_a_deadline_from_A_C_still_gets_the_default_one()
    {
        var reply = await _a.Client.ForwardAsync(new ProbeRequest { Key = "default" }, cancellationToken: Ct);

        Assert.Equal("c", reply.Server);
        // A's client gave its call the 10 s default; B passed on what was left of it. Never no deadline at all (-1).
        Assert.InRange(reply.RemainingDeadlineMs, 1, 10_000);
    }

    [Fact]
    public async Task Cancelling_A_cancels_the_call_B_makes_to_C()
    {
        var cReached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var bCallEnded = new TaskCompletionSource<StatusCode>(TaskCreationOptions.RunContinuationsAsynchronously);

        // C hangs until its own call is cancelled.
        _c.State.OnForward = context =>
        {
            cReached.TrySetResult();
            return Task.Delay(Timeout.Infinite, context.CancellationToken);
        };
        // B, serving A, calls C with a long deadline and no token of its own: only propagation can end it early.
        _b.State.OnForward = async _ =>
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
        await cReached.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        cancel.Cancel();

        var error = await Assert.ThrowsAsync<RpcException>(() => aCall.ResponseAsync);
        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        Assert.Equal(StatusCode.Cancelled, await bCallEnded.Task.WaitAsync(TimeSpan.FromSeconds(60), Ct));
    }
}
