using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Mesh.Booking.Tests.Support;
using Mesh.Booking.V1;

namespace Mesh.Booking.Tests;

/// <summary>WatchHold: the state at once, then on release, expiry and every interval; owner only; ends with the hold; SSE through the edge.</summary>
public sealed class WatchHoldTests(BookingFixture fixture) : IClassFixture<BookingFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    private Task<Hold> HoldAsync(string user)
    {
        var (showId, seats) = fixture.AddShow(3);
        return fixture.Client.CreateHoldAsync(new CreateHoldRequest { ShowId = showId, SeatIds = { seats[0] } }, fixture.As(user), cancellationToken: Ct).ResponseAsync;
    }

    private AsyncServerStreamingCall<HoldUpdate> Watch(string user, string holdId, TimeSpan? interval, CancellationToken cancellationToken) =>
        fixture.Client.WatchHold(new WatchHoldRequest { Id = holdId, UpdateInterval = interval is { } i ? Duration.FromTimeSpan(i) : null },
            fixture.As(user), cancellationToken: cancellationToken);

    private static async Task<HoldUpdate?> NextAsync(AsyncServerStreamingCall<HoldUpdate> call) =>
        await call.ResponseStream.MoveNext(Ct).WaitAsync(HangGuard, Ct) ? call.ResponseStream.Current : null;

    [Fact]
    public async Task Sends_the_state_at_once_then_the_release_and_ends()
    {
        var hold = await HoldAsync("watch-release");
        using var call = Watch("watch-release", hold.Id, TimeSpan.FromSeconds(60), Ct);   // long interval: only the change wakes it
        var first = await NextAsync(call);
        Assert.Equal(HoldStatus.Active, first!.Hold.Status);
        Assert.Equal(TimeSpan.FromMinutes(10), first.Remaining.ToTimeSpan());   // the clock stands still in tests

        await fixture.Client.ReleaseHoldAsync(new ReleaseHoldRequest { Id = hold.Id }, fixture.As("watch-release"), cancellationToken: Ct);
        var released = await NextAsync(call);
        Assert.Equal(HoldStatus.Released, released!.Hold.Status);
        Assert.Equal(TimeSpan.Zero, released.Remaining.ToTimeSpan());
        Assert.Null(await NextAsync(call));   // the stream ends with the hold
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Counts_down_every_interval_and_reports_the_expiry()
    {
        var hold = await HoldAsync("watch-expiry");
        using var call = Watch("watch-expiry", hold.Id, TimeSpan.FromMilliseconds(100), Ct);
        var first = await NextAsync(call);
        fixture.Clock.Advance(TimeSpan.FromMinutes(4));
        // Updates keep coming while nothing changes; the next one after the clock moved shows less time left.
        HoldUpdate? later;
        do later = await NextAsync(call);
        while (later!.Remaining == first!.Remaining);
        Assert.Equal(HoldStatus.Active, later.Hold.Status);
        Assert.Equal(TimeSpan.FromMinutes(6), later.Remaining.ToTimeSpan());

        fixture.Clock.Advance(TimeSpan.FromMinutes(6));
        HoldUpdate? last;
        do last = await NextAsync(call);
        while (last!.Hold.Status == HoldStatus.Active);
        Assert.Equal(HoldStatus.Expired, last.Hold.Status);
        Assert.Equal(TimeSpan.Zero, last.Remaining.ToTimeSpan());
        Assert.Null(await NextAsync(call));
    }

    [Fact]
    public async Task Only_the_owner_may_watch_and_the_interval_is_bounded()
    {
        var hold = await HoldAsync("watch-owner");
        using var stranger = Watch("watch-stranger", hold.Id, null, Ct);
        var e = await Assert.ThrowsAsync<RpcException>(() => NextAsync(stranger));
        Assert.Equal(StatusCode.NotFound, e.StatusCode);

        foreach (var bad in new[] { TimeSpan.FromMilliseconds(99), TimeSpan.FromSeconds(61), TimeSpan.Zero })
        {
            using var call = Watch("watch-owner", hold.Id, bad, Ct);
            var invalid = await Assert.ThrowsAsync<RpcException>(() => NextAsync(call));
            Assert.Equal(StatusCode.InvalidArgument, invalid.StatusCode);
            Assert.Contains("update_interval", Errors.Fields(invalid));
        }
    }

    [Fact]
    public async Task A_client_that_leaves_ends_the_server_loop()
    {
        var hold = await HoldAsync("watch-leave");
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        using var call = Watch("watch-leave", hold.Id, TimeSpan.FromSeconds(60), cts.Token);
        Assert.NotNull(await NextAsync(call));
        Assert.True(fixture.HoldChanges.ActiveWatches >= 1);

        cts.Cancel();
        var deadline = DateTime.UtcNow + HangGuard;
        while (fixture.HoldChanges.ActiveWatches != 0 && DateTime.UtcNow < deadline) await Task.Delay(20, Ct);
        Assert.Equal(0, fixture.HoldChanges.ActiveWatches);
    }

    [Fact]
    public async Task Server_sent_events_through_the_edge()
    {
        var hold = await HoldAsync("watch-sse");
        using var http = fixture.CreateRestClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", fixture.Tokens.Mint("watch-sse", "customer"));
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/holds/{hold.Id}:watch?updateInterval=0.2s");
        request.Headers.Accept.ParseAdd("text/event-stream");
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.True(response.IsSuccessStatusCode, response.StatusCode.ToString());
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Ct));

        var first = await NextEventAsync(reader);
        Assert.Equal("ACTIVE", first!.Value.GetProperty("hold").GetProperty("status").GetString());
        Assert.Equal(hold.Id, first.Value.GetProperty("hold").GetProperty("id").GetString());
        Assert.Equal("600s", first.Value.GetProperty("remaining").GetString());

        using var released = await http.DeleteAsync($"/v1/holds/{hold.Id}", Ct);
        Assert.True(released.IsSuccessStatusCode);
        JsonElement? update;
        do update = await NextEventAsync(reader);
        while (update!.Value.GetProperty("hold").GetProperty("status").GetString() == "ACTIVE");
        Assert.Equal("RELEASED", update.Value.GetProperty("hold").GetProperty("status").GetString());
        Assert.Null(await NextEventAsync(reader));   // the event stream ends with the hold
    }

    /// <summary>The next SSE data event as JSON, or null at the end of the stream.</summary>
    private static async Task<JsonElement?> NextEventAsync(StreamReader reader)
    {
        while (true)
        {
            var line = await reader.ReadLineAsync(Ct).AsTask().WaitAsync(HangGuard, Ct);
            if (line is null) return null;
            if (line.StartsWith("data: ", StringComparison.Ordinal)) return JsonDocument.Parse(line[6..]).RootElement;
        }
    }
}
