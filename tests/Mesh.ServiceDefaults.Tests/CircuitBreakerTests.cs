using Mesh.ServiceDefaults.Tests.Proto;
using Mesh.ServiceDefaults.Tests.Support;
using Polly.CircuitBreaker;

namespace Mesh.ServiceDefaults.Tests;

/// <summary>
/// The breaker AddServiceClient puts in front of a downstream service: a dead downstream opens it, an open breaker
/// fails calls with UNAVAILABLE without sending them (a server that came back counts none), and once the break is
/// over a good call closes it again.
/// </summary>
public sealed class CircuitBreakerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Dictionary<string, string?> Breaker(string breakDuration) => new()
    {
        ["Mesh:Resilience:CircuitBreaker:MinimumThroughput"] = "5",
        ["Mesh:Resilience:CircuitBreaker:FailureRatio"] = "0.5",
        // Long enough that the failures below always fall into one window, however slow the box.
        ["Mesh:Resilience:CircuitBreaker:SamplingDuration"] = "00:05:00",
        ["Mesh:Resilience:CircuitBreaker:BreakDuration"] = breakDuration,
        ["Mesh:Resilience:InitialBackoff"] = "00:00:00.010",
        ["Mesh:Resilience:MaxBackoff"] = "00:00:00.020",
    };

    [Fact]
    public async Task A_dead_downstream_opens_the_breaker_which_fails_fast_and_closes_again_once_the_service_is_back()
    {
        var port = FreePort.Pick();
        var address = new Uri($"http://127.0.0.1:{port}");
        // The service that will come back on that port, built now so that starting it later is only a bind: it must
        // be up well within the break (5 s) to prove the open breaker keeps calls from it.
        await using var server = ServiceHost.Create("back", grpcPort: port);
        await using var caller = await TestClient.StartAsync([address], Breaker("00:00:05"), service: "dead");
        Assert.Equal(CircuitState.Closed, caller.Breaker?.State);

        // Nothing listens: every call fails UNAVAILABLE (connection refused) until the breaker has seen enough.
        for (var i = 0; i < 5; i++)
        {
            var error = await Assert.ThrowsAsync<RpcException>(() => caller.Client.ActAsync(new ProbeRequest { Key = $"down-{i}" }, cancellationToken: Ct).ResponseAsync);
            Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        }
        Assert.Equal(CircuitState.Open, caller.Breaker!.State);

        // The service comes back on its port while the breaker is still open: the next call is not sent to it.
        await server.StartAsync();
        var open = await Assert.ThrowsAsync<RpcException>(() => caller.Client.ActAsync(new ProbeRequest { Key = "while-open" }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.Unavailable, open.StatusCode);
        Assert.Contains("circuit", open.Status.Detail, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, server.State.Total);

        // After the break one trial call goes through; the service answers, so the breaker closes.
        await Wait.UntilAsync(async () =>
        {
            try
            {
                await caller.Client.ActAsync(new ProbeRequest { Key = "trial" }, cancellationToken: Ct);
                return true;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
            {
                return false;   // still open: failed fast
            }
        }, "the breaker lets a trial call through after its break");
        Assert.Equal(CircuitState.Closed, caller.Breaker.State);
        Assert.Equal(1, server.State.AttemptsOf("trial"));   // none of the calls while open reached it
        Assert.Equal(1, server.State.Total);

        var reply = await caller.Client.ActAsync(new ProbeRequest { Key = "after" }, cancellationToken: Ct);
        Assert.Equal("back", reply.Server);
        Assert.Equal(2, server.State.Total);
    }

    [Fact]
    public async Task A_failed_trial_call_opens_the_breaker_again()
    {
        var port = FreePort.Pick();
        await using var caller = await TestClient.StartAsync([new Uri($"http://127.0.0.1:{port}")], Breaker("00:00:01"), service: "still-dead");
        for (var i = 0; i < 5; i++)
            await Assert.ThrowsAsync<RpcException>(() => caller.Client.ActAsync(new ProbeRequest { Key = $"down-{i}" }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(CircuitState.Open, caller.Breaker!.State);

        // Wait for the break to end: the breaker goes half-open and lets the trial call try the (still dead) service.
        // That call fails with the connection's own error, not the breaker's, and the breaker opens again.
        RpcException? trial = null;
        await Wait.UntilAsync(async () =>
        {
            var error = await Assert.ThrowsAsync<RpcException>(() => caller.Client.ActAsync(new ProbeRequest { Key = "trial" }, cancellationToken: Ct).ResponseAsync);
            if (error.Status.Detail.Contains("circuit", StringComparison.OrdinalIgnoreCase)) return false;
            trial = error;
            return true;
        }, "a trial call after the break");
        Assert.Equal(StatusCode.Unavailable, trial!.StatusCode);
        Assert.Equal(CircuitState.Open, caller.Breaker.State);
    }

    [Fact]
    public async Task Errors_other_than_unavailable_do_not_open_the_breaker()
    {
        await using var server = await ServiceHost.StartAsync("picky");
        await using var caller = await TestClient.StartAsync([server.GrpcAddress], Breaker("00:01:00"), service: "picky");

        for (var i = 0; i < 10; i++)
        {
            var error = await Assert.ThrowsAsync<RpcException>(() => caller.Client.ActAsync(
                new ProbeRequest { Key = $"invalid-{i}", FailCode = (int)StatusCode.InvalidArgument, FailTimes = -1 }, cancellationToken: Ct).ResponseAsync);
            Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        }

        Assert.Equal(CircuitState.Closed, caller.Breaker!.State);
        await caller.Client.ActAsync(new ProbeRequest { Key = "still-sent" }, cancellationToken: Ct);
        Assert.Equal(11, server.State.Total);
    }
}
