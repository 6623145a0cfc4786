using Grpc.Health.V1;
using Mesh.Grpc.Health;
using Mesh.Grpc.Tests.Codegen.Fakes;
using Xunit;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Mesh.Grpc.Tests.Codegen;

/// <summary>grpc.health.v1.Health per gRPC's health-checking.md, called directly.</summary>
public class HealthServiceTests
{
    private readonly HealthServiceImpl _health = new();

    [Fact]
    public async Task Check_answers_the_status_set_for_a_service_and_for_the_server()
    {
        _health.SetStatus("", ServingStatus.Serving);
        _health.SetStatus("mesh.booking.v1.Booking", ServingStatus.NotServing);

        var server = await _health.Check(new HealthCheckRequest(), new FakeServerCallContext());
        var booking = await _health.Check(new HealthCheckRequest { Service = "mesh.booking.v1.Booking" }, new FakeServerCallContext());

        Assert.Equal(ServingStatus.Serving, server.Status);
        Assert.Equal(ServingStatus.NotServing, booking.Status);
    }

    [Fact]
    public async Task Check_of_an_unknown_or_cleared_service_is_NOT_FOUND()
    {
        _health.SetStatus("a", ServingStatus.Serving);
        _health.SetStatus("b", ServingStatus.Serving);
        _health.ClearStatus("a");

        var unknown = await Assert.ThrowsAsync<RpcException>(() => _health.Check(new HealthCheckRequest { Service = "nope" }, new FakeServerCallContext()));
        var cleared = await Assert.ThrowsAsync<RpcException>(() => _health.Check(new HealthCheckRequest { Service = "a" }, new FakeServerCallContext()));
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(StatusCode.NotFound, cleared.StatusCode);

        _health.ClearAll();
        var afterClearAll = await Assert.ThrowsAsync<RpcException>(() => _health.Check(new HealthCheckRequest { Service = "b" }, new FakeServerCallContext()));
        Assert.Equal(StatusCode.NotFound, afterClearAll.StatusCode);
    }

    [Fact]
    public async Task Watch_sends_the_current_status_then_every_change_until_cancelled()
    {
        var ct = TestContext.Current.CancellationToken;
        using var call = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var writer = new ChannelStreamWriter<HealthCheckResponse>();
        _health.SetStatus("svc", ServingStatus.Serving);

        var watch = _health.Watch(new HealthCheckRequest { Service = "svc" }, writer, new FakeServerCallContext(cancellationToken: call.Token));

        Assert.Equal(ServingStatus.Serving, (await writer.NextAsync(ct)).Status);
        _health.SetStatus("svc", ServingStatus.NotServing);
        Assert.Equal(ServingStatus.NotServing, (await writer.NextAsync(ct)).Status);
        _health.SetStatus("other", ServingStatus.NotServing);    // another service: not this watcher's business
        _health.SetStatus("svc", ServingStatus.Serving);
        Assert.Equal(ServingStatus.Serving, (await writer.NextAsync(ct)).Status);
        _health.ClearStatus("svc");
        Assert.Equal(ServingStatus.ServiceUnknown, (await writer.NextAsync(ct)).Status);

        call.Cancel();
        await watch.WaitAsync(TimeSpan.FromSeconds(30), ct);    // ends normally: cancellation is how a watch ends
        Assert.False(writer.TryTake(out _));
    }

    [Fact]
    public async Task Watch_of_an_unknown_service_says_SERVICE_UNKNOWN_then_reports_when_it_appears()
    {
        var ct = TestContext.Current.CancellationToken;
        using var call = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var writer = new ChannelStreamWriter<HealthCheckResponse>();

        var watch = _health.Watch(new HealthCheckRequest { Service = "later" }, writer, new FakeServerCallContext(cancellationToken: call.Token));

        Assert.Equal(ServingStatus.ServiceUnknown, (await writer.NextAsync(ct)).Status);
        _health.SetStatus("later", ServingStatus.Serving);
        Assert.Equal(ServingStatus.Serving, (await writer.NextAsync(ct)).Status);
        call.Cancel();
        await watch.WaitAsync(TimeSpan.FromSeconds(30), ct);
    }

    [Fact]
    public async Task Setting_the_same_status_again_is_not_a_change()
    {
        var ct = TestContext.Current.CancellationToken;
        using var call = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var writer = new ChannelStreamWriter<HealthCheckResponse>();
        _health.SetStatus("svc", ServingStatus.Serving);
        var watch = _health.Watch(new HealthCheckRequest { Service = "svc" }, writer, new FakeServerCallContext(cancellationToken: call.Token));
        Assert.Equal(ServingStatus.Serving, (await writer.NextAsync(ct)).Status);

        _health.SetStatus("svc", ServingStatus.Serving);
        _health.SetStatus("svc", ServingStatus.NotServing);

        Assert.Equal(ServingStatus.NotServing, (await writer.NextAsync(ct)).Status);
        call.Cancel();
        await watch.WaitAsync(TimeSpan.FromSeconds(30), ct);
    }

    [Fact]
    public async Task Many_threads_changing_a_status_still_deliver_the_final_change_last()
    {
        var ct = TestContext.Current.CancellationToken;
        using var call = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var writer = new ChannelStreamWriter<HealthCheckResponse>();
        var watch = _health.Watch(new HealthCheckRequest { Service = "svc" }, writer, new FakeServerCallContext(cancellationToken: call.Token));
        Assert.Equal(ServingStatus.ServiceUnknown, (await writer.NextAsync(ct)).Status);

        await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 500; i++) _health.SetStatus("svc", (i + t) % 2 == 0 ? ServingStatus.Serving : ServingStatus.NotServing);
        }, ct)));
        _health.ClearStatus("svc");

        // Intermediate changes may be coalesced, but the last change (the clear) must arrive, and last.
        while ((await writer.NextAsync(ct)).Status != ServingStatus.ServiceUnknown) { }
        Assert.False(writer.TryTake(out _));
        var check = await Assert.ThrowsAsync<RpcException>(() => _health.Check(new HealthCheckRequest { Service = "svc" }, new FakeServerCallContext()));
        Assert.Equal(StatusCode.NotFound, check.StatusCode);
        call.Cancel();
        await watch.WaitAsync(TimeSpan.FromSeconds(30), ct);
    }
}
