using Mesh.ServiceDefaults.Tests.Proto;
using Mesh.ServiceDefaults.Tests.Support;

namespace Mesh.ServiceDefaults.Tests;

/// <summary>Retries follow the proto's idempotency level and the status code; the server's counters are the proof.</summary>
public sealed class RetryTests : IAsyncLifetime
{
    private ServiceHost _server = null!;
    private TestClient _caller = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await ServiceHost.StartAsync("retry");
        _caller = TestClient.For([_server.GrpcAddress], o =>
        {
            o.Default.InitialBackoff = TimeSpan.FromMilliseconds(5);
            o.CircuitBreaker.Enabled = false; // these tests are about retries alone
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _caller.DisposeAsync();
        await _server.DisposeAsync();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_method_without_an_idempotency_level_is_attempted_exactly_once()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _caller.Client.ActAsync(
            new ProbeRequest { Key = "act", FailCode = (int)StatusCode.Unavailable, FailTimes = -1 }, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal(1, _server.State.AttemptsOf("act"));
    }

    [Fact]
    public async Task An_idempotent_method_is_retried_on_unavailable_and_succeeds()
    {
        var reply = await _caller.Client.PutAsync(
            new ProbeRequest { Key = "put", FailCode = (int)StatusCode.Unavailable, FailTimes = 2 }, cancellationToken: Ct);

        Assert.Equal(3, reply.Attempts);
        Assert.Equal(3, _server.State.AttemptsOf("put"));
    }

    [Fact]
    public async Task A_call_carrying_an_idempotency_key_is_retried_whatever_the_method()
    {
        var headers = new Metadata { { "idempotency-key", "3f1c" } };
        var reply = await _caller.Client.ActAsync(
            new ProbeRequest { Key = "keyed", FailCode = (int)StatusCode.Unavailable, FailTimes = 1 }, headers, cancellationToken: Ct);

        Assert.Equal(2, reply.Attempts);
    }

    [Theory]
    [InlineData(StatusCode.InvalidArgument)]
    [InlineData(StatusCode.FailedPrecondition)]
    [InlineData(StatusCode.Internal)]
    [InlineData(StatusCode.Aborted)]
    public async Task A_status_other_than_unavailable_is_never_retried(StatusCode status)
    {
        var key = "status-" + status;
        var error = await Assert.ThrowsAsync<RpcException>(() => _caller.Client.PutAsync(
            new ProbeRequest { Key = key, FailCode = (int)status, FailTimes = -1 }, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(status, error.StatusCode);
        Assert.Equal(1, _server.State.AttemptsOf(key));
    }

    [Fact]
    public async Task A_retried_call_reports_the_status_and_trailers_of_its_last_attempt()
    {
        using var call = _caller.Client.ReadAsync(new ProbeRequest { Key = "state", FailCode = (int)StatusCode.Unavailable, FailTimes = 1 }, cancellationToken: Ct);
        await call;
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        Assert.NotNull(await call.ResponseHeadersAsync);
    }

    // The first attempt runs outside the Polly pipeline and the pipeline's cancellation source only exists once a
    // retry waits: these pin that a back-off still honours the call's deadline, its token and Dispose.

    /// <summary>
    /// A client whose back-off (60 s) outlasts the 30 s hang guard on the calls below: only the deadline, the token or
    /// Dispose can end such a call in time.
    /// </summary>
    private TestClient SlowRetryClient(string name) => TestClient.For([_server.GrpcAddress], o =>
    {
        o.Default.InitialBackoff = TimeSpan.FromSeconds(60);
        o.Default.MaxBackoff = TimeSpan.FromSeconds(60);
        o.CircuitBreaker.Enabled = false;
    }, name: name);

    [Fact]
    public async Task A_back_off_that_would_outlast_the_deadline_ends_the_call_with_deadline_exceeded()
    {
        await using var slow = SlowRetryClient("slow-deadline");
        await slow.Client.PutAsync(new ProbeRequest { Key = "warm-up" }, cancellationToken: Ct); // connection open, code jitted

        // The back-off is only reached if the first attempt got its UNAVAILABLE within the 1 s deadline; on a slow
        // moment of a busy box it may not, which proves nothing either way: try again with a fresh key.
        var key = "";
        for (var round = 0; round < 5 && _server.State.AttemptsOf(key) != 1; round++)
        {
            key = "backoff-deadline-" + round;
            using var call = slow.Client.PutAsync(new ProbeRequest { Key = key, FailCode = (int)StatusCode.Unavailable, FailTimes = -1 },
                deadline: DateTime.UtcNow.AddSeconds(1), cancellationToken: Ct);

            var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync.WaitAsync(HangGuard, Ct));

            Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
            Assert.Equal(StatusCode.DeadlineExceeded, call.GetStatus().StatusCode);
        }
        Assert.Equal(1, _server.State.AttemptsOf(key));
    }

    [Fact]
    public async Task A_retry_attempt_still_running_at_the_deadline_ends_the_call_with_deadline_exceeded()
    {
        // Two timers end such an attempt at the same moment: its own call's deadline and the retry pipeline's; the
        // caller must see DEADLINE_EXCEEDED whichever fires first. Several calls, so both orders are likely seen.
        await using var quick = TestClient.For([_server.GrpcAddress], o =>
        {
            o.Default.InitialBackoff = TimeSpan.FromMilliseconds(10);
            o.Default.MaxBackoff = TimeSpan.FromMilliseconds(10);
            o.CircuitBreaker.Enabled = false;
        }, name: "hang-deadline");
        await quick.Client.PutAsync(new ProbeRequest { Key = "warm-up" }, cancellationToken: Ct);
        for (var i = 0; i < 8; i++)
        {
            var key = "hang-deadline-" + i;
            using var call = quick.Client.PutAsync(new ProbeRequest { Key = key, FailCode = (int)StatusCode.Unavailable, FailTimes = 1, HangAfterFailures = true },
                deadline: DateTime.UtcNow.AddMilliseconds(400), cancellationToken: Ct);
            var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync.WaitAsync(HangGuard, Ct));
            Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
            Assert.Equal(StatusCode.DeadlineExceeded, call.GetStatus().StatusCode);
        }
    }

    [Fact]
    public async Task Cancelling_a_call_that_waits_to_retry_ends_it_as_cancelled_without_another_attempt()
    {
        await using var slow = SlowRetryClient("slow-cancel");
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var call = slow.Client.PutAsync(new ProbeRequest { Key = "backoff-cancel", FailCode = (int)StatusCode.Unavailable, FailTimes = -1 },
            deadline: DateTime.UtcNow.AddMinutes(5), cancellationToken: cancel.Token);
        await Wait.UntilAsync(() => Task.FromResult(_server.State.AttemptsOf("backoff-cancel") == 1), "the first attempt reaches the server");

        await cancel.CancelAsync();
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync.WaitAsync(HangGuard, Ct));

        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        Assert.Equal(StatusCode.Cancelled, call.GetStatus().StatusCode);
        Assert.Equal(1, _server.State.AttemptsOf("backoff-cancel"));
    }

    [Fact]
    public async Task Disposing_a_call_that_waits_to_retry_ends_it_as_cancelled_without_another_attempt()
    {
        await using var slow = SlowRetryClient("slow-dispose");
        var call = slow.Client.PutAsync(new ProbeRequest { Key = "backoff-dispose", FailCode = (int)StatusCode.Unavailable, FailTimes = -1 },
            deadline: DateTime.UtcNow.AddMinutes(5), cancellationToken: Ct);
        await Wait.UntilAsync(() => Task.FromResult(_server.State.AttemptsOf("backoff-dispose") == 1), "the first attempt reaches the server");

        call.Dispose();
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync.WaitAsync(HangGuard, Ct));

        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        Assert.Equal(1, _server.State.AttemptsOf("backoff-dispose"));
    }

    [Fact]
    public async Task A_hedged_read_whose_first_copy_fails_unavailable_is_answered_by_the_next_copy()
    {
        // Hedged calls still run every attempt through the pipeline (hedging times the first copy); the delay is
        // long, so the second copy is sent because the first failed, not because it was slow.
        await using var hedged = TestClient.For([_server.GrpcAddress], o =>
        {
            o.Default.Hedging = true;
            o.Default.HedgingDelay = TimeSpan.FromSeconds(60);
            o.Default.MaxHedgedAttempts = 2;
            o.CircuitBreaker.Enabled = false;
        }, name: "hedged");
        using var call = hedged.Client.ReadAsync(new ProbeRequest { Key = "hedged", FailCode = (int)StatusCode.Unavailable, FailTimes = 1 }, cancellationToken: Ct);

        var reply = await call.ResponseAsync.WaitAsync(HangGuard, Ct);

        Assert.Equal(2, reply.Attempts);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        Assert.NotNull(await call.ResponseHeadersAsync);
    }

    [Fact]
    public async Task The_retry_budget_caps_attempts_when_every_call_fails()
    {
        var clock = new ManualClock(); // a frozen window: the cap cannot depend on how long the calls take
        await using var budgeted = TestClient.For([_server.GrpcAddress], o =>
        {
            o.TimeProvider = clock;
            o.Default.MaxAttempts = 3;
            o.Default.InitialBackoff = TimeSpan.FromMilliseconds(1);
            o.RetryBudget.Ratio = 0.1;
            o.RetryBudget.MinRetries = 5;
            o.CircuitBreaker.Enabled = false;
        }, name: "budgeted");
        const int calls = 50;
        var before = _server.State.Total;

        for (var i = 0; i < calls; i++)
        {
            var error = await Assert.ThrowsAsync<RpcException>(() => budgeted.Client.PutAsync(
                new ProbeRequest { Key = $"outage-{i}", FailCode = (int)StatusCode.Unavailable, FailTimes = -1 }, cancellationToken: Ct).ResponseAsync);
            Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        }

        var attempts = _server.State.Total - before;
        // Without a budget: 3 × 50 = 150. With it: 50 + at most 10% of 50 + the floor of 5.
        Assert.InRange(attempts, calls + 1, calls + (int)(calls * 0.1) + 5);
    }
}
