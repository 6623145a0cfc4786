using Mesh.ServiceDefaults.Resilience;
using Mesh.ServiceDefaults.Tests.Proto;
using Mesh.ServiceDefaults.Tests.Support;

namespace Mesh.ServiceDefaults.Tests;

public sealed class CircuitBreakerTests
{
    [Fact]
    public async Task The_breaker_opens_after_consecutive_failures_fails_fast_while_open_and_closes_after_a_good_probe()
    {
        var clock = new ManualClock();
        await using var server = await ServiceHost.StartAsync("breaker");
        await using var caller = TestClient.For([server.GrpcAddress], o =>
        {
            o.TimeProvider = clock;
            o.CircuitBreaker.FailureThreshold = 3;
            o.CircuitBreaker.BreakDuration = TimeSpan.FromSeconds(10);
        });
        var ct = TestContext.Current.CancellationToken;
        var failing = new ProbeRequest { Key = "down", FailCode = (int)StatusCode.Unavailable, FailTimes = -1 };

        for (var i = 0; i < 3; i++)
            await Assert.ThrowsAsync<RpcException>(() => caller.Client.ActAsync(failing, cancellationToken: ct).ResponseAsync);
        Assert.Equal(3, server.State.Total);
        Assert.Equal(CircuitState.Open, caller.Channel.Picker.StateOf(server.GrpcAddress));

        // Open: calls fail at once with UNAVAILABLE and never reach the server.
        for (var i = 0; i < 5; i++)
        {
            var error = await Assert.ThrowsAsync<RpcException>(() =>
                caller.Client.ActAsync(new ProbeRequest { Key = "while-open" }, cancellationToken: ct).ResponseAsync);
            Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        }
        Assert.Equal(3, server.State.Total);

        // After the break one probe goes through; the server is fine now, so the breaker closes.
        clock.Advance(TimeSpan.FromSeconds(11));
        var probe = await caller.Client.ActAsync(new ProbeRequest { Key = "probe" }, cancellationToken: ct);
        Assert.Equal(1, probe.Attempts);
        Assert.Equal(CircuitState.Closed, caller.Channel.Picker.StateOf(server.GrpcAddress));
        await caller.Client.ActAsync(new ProbeRequest { Key = "after" }, cancellationToken: ct);
        Assert.Equal(5, server.State.Total);
    }

    [Fact]
    public void A_failed_probe_opens_the_breaker_again_for_longer()
    {
        var clock = new ManualClock();
        var breaker = new EndpointCircuitBreaker(new CircuitBreakerOptions { FailureThreshold = 2, BreakDuration = TimeSpan.FromSeconds(10) }, clock);

        breaker.OnFailure(refused: false);
        Assert.Equal(CircuitState.Closed, breaker.State);
        breaker.OnFailure(refused: false);
        Assert.Equal(CircuitState.Open, breaker.State);

        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.True(breaker.TryAcquire());          // the probe
        Assert.False(breaker.TryAcquire());         // only one at a time
        Assert.Equal(CircuitState.HalfOpen, breaker.State);
        breaker.OnFailure(refused: false);
        Assert.Equal(CircuitState.Open, breaker.State);

        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.False(breaker.TryAcquire());         // the second break is twice as long
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.True(breaker.TryAcquire());
        breaker.OnSuccess();
        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public void A_refused_connection_ejects_the_endpoint_at_once()
    {
        var breaker = new EndpointCircuitBreaker(new CircuitBreakerOptions { FailureThreshold = 5 }, new ManualClock());
        breaker.OnFailure(refused: true);
        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.False(breaker.TryAcquire());
    }
}
