using Mesh.ServiceDefaults.Tests.Proto;
using Mesh.ServiceDefaults.Tests.Support;

namespace Mesh.ServiceDefaults.Tests;

/// <summary>
/// Retries as a client registered with AddServiceClient makes them against a real server: the proto's idempotency
/// level and the status code decide, and the server's counters are the proof.
/// </summary>
public sealed class RetryTests : IAsyncLifetime
{
    private ServiceHost _server = null!;
    private TestClient _caller = null!;

    /// <summary>Short back-off so the tests do not wait; everything else as configured in production.</summary>
    private static readonly Dictionary<string, string?> FastBackoff = new()
    {
        ["Mesh:Resilience:InitialBackoff"] = "00:00:00.010",
        ["Mesh:Resilience:MaxBackoff"] = "00:00:00.050",
    };

    public async ValueTask InitializeAsync()
    {
        _server = await ServiceHost.StartAsync("retry");
        _caller = await TestClient.StartAsync([_server.GrpcAddress], FastBackoff);
    }

    public async ValueTask DisposeAsync()
    {
        await _caller.DisposeAsync();
        await _server.DisposeAsync();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("Read")]   // NO_SIDE_EFFECTS
    [InlineData("Put")]    // IDEMPOTENT
    public async Task A_method_safe_to_repeat_succeeds_on_the_third_attempt_after_two_unavailable(string method)
    {
        var key = "twice-" + method;
        var request = new ProbeRequest { Key = key, FailCode = (int)StatusCode.Unavailable, FailTimes = 2 };

        var reply = method == "Read"
            ? await _caller.Client.ReadAsync(request, cancellationToken: Ct)
            : await _caller.Client.PutAsync(request, cancellationToken: Ct);

        Assert.Equal(3, reply.Attempts);
        Assert.Equal(3, _server.State.AttemptsOf(key));
    }

    [Theory]
    [InlineData("Act")]
    [InlineData("Forward")]
    public async Task A_method_without_an_idempotency_level_fails_after_exactly_one_attempt(string method)
    {
        var key = "once-" + method;
        var request = new ProbeRequest { Key = key, FailCode = (int)StatusCode.Unavailable, FailTimes = 2 };

        var error = await Assert.ThrowsAsync<RpcException>(() => method == "Act"
            ? _caller.Client.ActAsync(request, cancellationToken: Ct).ResponseAsync
            : _caller.Client.ForwardAsync(request, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal(1, _server.State.AttemptsOf(key));
    }

    [Theory]
    [InlineData(StatusCode.InvalidArgument)]
    [InlineData(StatusCode.FailedPrecondition)]
    [InlineData(StatusCode.Internal)]
    [InlineData(StatusCode.Aborted)]
    [InlineData(StatusCode.Unknown)]
    public async Task A_status_other_than_unavailable_is_never_retried(StatusCode status)
    {
        var key = "status-" + status;
        var error = await Assert.ThrowsAsync<RpcException>(() => _caller.Client.PutAsync(
            new ProbeRequest { Key = key, FailCode = (int)status, FailTimes = -1 }, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(status, error.StatusCode);
        Assert.Equal(1, _server.State.AttemptsOf(key));
    }

    [Fact]
    public async Task A_retried_call_reports_the_status_and_headers_of_its_last_attempt()
    {
        using var call = _caller.Client.ReadAsync(new ProbeRequest { Key = "state", FailCode = (int)StatusCode.Unavailable, FailTimes = 1 }, cancellationToken: Ct);
        var reply = await call;
        Assert.Equal(2, reply.Attempts);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        Assert.NotNull(await call.ResponseHeadersAsync);
        Assert.NotNull(call.GetTrailers());
    }

    [Fact]
    public async Task Retry_throttling_caps_the_retries_when_every_call_fails()
    {
        // Its own client (throttling tokens belong to a channel) with the breaker off: this is about retries alone.
        await using var caller = await TestClient.StartAsync([_server.GrpcAddress], new Dictionary<string, string?>(FastBackoff)
        {
            ["Mesh:Resilience:MaxAttempts"] = "3",
            ["Mesh:Resilience:RetryMaxTokens"] = "10",
            ["Mesh:Resilience:RetryTokenRatio"] = "0.1",
            ["Mesh:Resilience:CircuitBreaker:Enabled"] = "false",
        }, service: "throttled");
        const int calls = 30;
        var before = _server.State.Total;

        for (var i = 0; i < calls; i++)
        {
            var error = await Assert.ThrowsAsync<RpcException>(() => caller.Client.PutAsync(
                new ProbeRequest { Key = $"outage-{i}", FailCode = (int)StatusCode.Unavailable, FailTimes = -1 }, cancellationToken: Ct).ResponseAsync);
            Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        }

        var attempts = _server.State.Total - before;
        // Without throttling: 3 × 30 = 90. With it, each failure costs a token and retries stop at half of the 10
        // tokens: a handful of retries in all, whatever the timing.
        Assert.InRange(attempts, calls + 1, calls + 10);
    }
}
