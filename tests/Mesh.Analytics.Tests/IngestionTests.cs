using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Mesh.Analytics.Tests.Support;
using Mesh.Analytics.V1;

namespace Mesh.Analytics.Tests;

/// <summary>POST /v1/analytics/events and StreamEvents: each event judged on its own, the valid rest kept, rate limited per sender.</summary>
public sealed class IngestionTests(AnalyticsFixture fixture) : IClassFixture<AnalyticsFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_batch_keeps_its_valid_events_and_names_each_rejected_one()
    {
        var user = Guid.NewGuid().ToString();
        var show = $"shows/{Guid.NewGuid()}";
        var request = new IngestEventsRequest
        {
            Events =
            {
                fixture.Event("view", item: show, city: "berlin"),
                fixture.Event("teleport", item: show),                             // unknown type
                fixture.Event("click", item: show, ago: TimeSpan.FromHours(-1)),  // an hour in the future: beyond the skew
                fixture.Event("view", item: "shows/not-a-uuid"),                  // bad item id
                fixture.Event("booking", item: show),                             // a client may not claim a booking
                fixture.Event("search", ago: TimeSpan.FromMilliseconds(500)),
            },
        };
        request.Events[5].Attributes["query"] = "jazz";
        request.Events.Add(new AnalyticsEvent(request.Events[0]) { Id = "42" });  // bad event id

        var response = await fixture.Client.IngestEventsAsync(request, fixture.Customer(user), cancellationToken: Ct);

        Assert.Equal(2, response.Accepted);
        Assert.Equal(["events[1].type", "events[2].time", "events[3].item", "events[4].type", "events[6].id"], response.Rejected.Select(r => r.Field));
        Assert.Equal([1, 2, 3, 4, 6], response.Rejected.Select(r => r.Index));
        // The kept ones reach the user's history (the user taken from the token), newest first.
        var history = await Eventually.UntilAsync(
            () => fixture.Client.GetUserHistoryAsync(new GetUserHistoryRequest { UserId = user }, fixture.Customer(user), cancellationToken: Ct).ResponseAsync,
            h => h.Events.Count == 2, "the two kept events in the history");
        Assert.Equal(["search", "view"], history.Events.OrderByDescending(e => e.Time).Select(e => e.Type));
        Assert.All(history.Events, e => Assert.Equal(user, e.UserId));
        Assert.Equal("jazz", history.Events.Single(e => e.Type == "search").Attributes["query"]);
    }

    [Fact]
    public async Task The_user_of_an_edge_event_is_the_token_s_not_what_the_client_wrote()
    {
        var user = Guid.NewGuid().ToString();
        var victim = Guid.NewGuid().ToString();
        var request = new IngestEventsRequest { Events = { fixture.Event("view", userId: victim, item: $"shows/{Guid.NewGuid()}") } };
        Assert.Equal(1, (await fixture.Client.IngestEventsAsync(request, fixture.Customer(user), cancellationToken: Ct)).Accepted);

        await Eventually.UntilAsync(
            () => fixture.Client.GetUserHistoryAsync(new GetUserHistoryRequest { UserId = user }, fixture.Customer(user), cancellationToken: Ct).ResponseAsync,
            h => h.Events.Count == 1, "the event in the sender's history");
        var victims = await fixture.Client.GetUserHistoryAsync(new GetUserHistoryRequest { UserId = victim }, fixture.Customer(victim), cancellationToken: Ct);
        Assert.Empty(victims.Events);
    }

    [Fact]
    public async Task An_anonymous_client_needs_a_device_id_and_one_device_per_batch()
    {
        var request = new IngestEventsRequest
        {
            Events = { fixture.Event("view", device: "device-a"), fixture.Event("view"), fixture.Event("click", device: "device-b"), fixture.Event("click", device: "device-a") },
        };

        var response = await fixture.Client.IngestEventsAsync(request, cancellationToken: Ct);

        Assert.Equal(2, response.Accepted);
        Assert.Equal(["events[1].device_id", "events[2].device_id"], response.Rejected.Select(r => r.Field));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(501)]
    public async Task An_empty_or_oversize_batch_is_refused_whole(int size)
    {
        var request = new IngestEventsRequest();
        for (var i = 0; i < size; i++) request.Events.Add(fixture.Event("view", device: "d"));
        var ids = request.Events.Select(e => Guid.Parse(e.Id)).ToArray();

        var e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.IngestEventsAsync(request, fixture.Customer(Guid.NewGuid().ToString()), cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Equal(["events"], Errors.Fields(e));
        // Nothing of the batch was kept: a valid event sent after it is counted, and the stream is in order, so had any
        // of the refused ones been published they would be counted by then. (Other tests' events may be counted
        // meanwhile: the count of the batch's own ids is what must stay zero.)
        var sentinel = fixture.Event("view", device: "d");
        await fixture.Client.IngestEventsAsync(new IngestEventsRequest { Events = { sentinel } }, fixture.Customer(Guid.NewGuid().ToString()), cancellationToken: Ct);
        await Eventually.UntilAsync(() => fixture.ScalarAsync<long>("SELECT count(*) FROM processed_events WHERE event_id = @id", new { id = Guid.Parse(sentinel.Id) }),
            n => n == 1, "the event sent after the refused batch to be counted");
        Assert.Equal(0L, await fixture.ScalarAsync<long>("SELECT count(*) FROM processed_events WHERE event_id = ANY(@ids)", new { ids }));
    }

    [Fact]
    public async Task A_sender_over_its_rate_is_refused_until_the_next_minute()
    {
        var user = Guid.NewGuid().ToString();
        IngestEventsRequest Batch()
        {
            var request = new IngestEventsRequest();
            for (var i = 0; i < 500; i++) request.Events.Add(fixture.Event("view", item: $"shows/{Guid.NewGuid()}"));
            return request;
        }
        // Starts at the beginning of a minute of the service's clock, so the whole run falls in one window.
        var now = fixture.Clock.GetUtcNow();
        fixture.Clock.Advance(TimeSpan.FromSeconds(60 - now.Second) - TimeSpan.FromMilliseconds(now.Millisecond));
        for (var sent = 0; sent < AnalyticsFixture.EventsPerMinute; sent += 500)
            Assert.Equal(500, (await fixture.Client.IngestEventsAsync(Batch(), fixture.Customer(user), cancellationToken: Ct)).Accepted);

        var e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.IngestEventsAsync(Batch(), fixture.Customer(user), cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);

        // Another sender is not affected; the same sender is welcome again a minute later.
        Assert.Equal(500, (await fixture.Client.IngestEventsAsync(Batch(), fixture.Customer(Guid.NewGuid().ToString()), cancellationToken: Ct)).Accepted);
        fixture.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(500, (await fixture.Client.IngestEventsAsync(Batch(), fixture.Customer(user), cancellationToken: Ct)).Accepted);
    }

    [Fact]
    public async Task Internal_producers_stream_any_known_type_and_get_per_event_verdicts()
    {
        var user = Guid.NewGuid().ToString();
        var show = $"shows/{Guid.NewGuid()}";
        var response = await fixture.SendAsync(
            fixture.Event("hold", userId: user, item: show), fixture.Event("booking", userId: user, item: show), fixture.Event("nonsense", userId: user));

        Assert.Equal(2, response.Accepted);
        Assert.Equal("events[2].type", Assert.Single(response.Rejected).Field);
    }

    [Fact]
    public async Task Internal_producers_stream_batches_indexed_across_the_stream_and_an_oversize_message_is_refused_event_by_event()
    {
        var user = Guid.NewGuid().ToString();
        var show = $"shows/{Guid.NewGuid()}";
        using var call = fixture.Client.StreamEventBatches(cancellationToken: Ct);
        // Events 0-2, then 501 events (3-503: too many for one message), then 504-505.
        var first = new IngestEventsRequest
        {
            Events = { fixture.Event("hold", userId: user, item: show), fixture.Event("nonsense", userId: user), fixture.Event("view", userId: user, item: show) },
        };
        await call.RequestStream.WriteAsync(first, Ct);
        var oversize = new IngestEventsRequest();
        oversize.Events.AddRange(Enumerable.Range(0, 501).Select(_ => fixture.Event("view", userId: user, item: show)));
        await call.RequestStream.WriteAsync(oversize, Ct);
        var last = new IngestEventsRequest { Events = { fixture.Event("booking", userId: user, item: show), fixture.Event("view", item: show) } };
        await call.RequestStream.WriteAsync(last, Ct);
        await call.RequestStream.CompleteAsync();
        var response = await call;

        Assert.Equal(3, response.Accepted);
        Assert.Equal(Enumerable.Range(3, 501).Select(i => $"events[{i}]").Prepend("events[1].type").Append("events[505].device_id"),
            response.Rejected.Select(r => r.Field));
        Assert.Equal([1, .. Enumerable.Range(3, 501), 505], response.Rejected.Select(r => r.Index));
        // The three accepted ones are counted, none of the oversize message's (which would be ahead of the last one).
        await fixture.CountedAsync([.. new[] { first.Events[0], first.Events[2], last.Events[0] }.Select(e => Guid.Parse(e.Id))]);
        Assert.Equal(3, await fixture.ScalarAsync<long>("SELECT count(*) FROM user_events WHERE user_id = @user", new { user }));
    }

    [Fact]
    public async Task An_event_twice_in_one_message_and_again_in_the_next_counts_once_in_trending()
    {
        var city = $"c-{Guid.NewGuid():N}"[..16];
        var (a, b) = ($"shows/{Guid.NewGuid()}", $"shows/{Guid.NewGuid()}");
        var twice = fixture.Event("view", userId: Guid.NewGuid().ToString(), item: a, city: city);
        var once = fixture.Event("view", userId: Guid.NewGuid().ToString(), item: b, city: city);
        // Read after the others (the stream is read in order): once it is counted, so are they.
        var last = fixture.Event("search", userId: Guid.NewGuid().ToString());
        using (var call = fixture.Client.StreamEventBatches(cancellationToken: Ct))
        {
            await call.RequestStream.WriteAsync(new IngestEventsRequest { Events = { twice, twice.Clone(), once } }, Ct);
            await call.RequestStream.WriteAsync(new IngestEventsRequest { Events = { twice.Clone() } }, Ct);
            await call.RequestStream.WriteAsync(new IngestEventsRequest { Events = { last } }, Ct);
            await call.RequestStream.CompleteAsync();
            Assert.Equal(5, (await call).Accepted);
        }
        await Eventually.UntilAsync(() => fixture.ScalarAsync<long>("SELECT count(*) FROM processed_events WHERE event_id = @id", new { id = Guid.Parse(last.Id) }),
            n => n == 1, "the last message counted");

        var scores = (await fixture.Client.GetTrendingAsync(new GetTrendingRequest { City = city, Window = TrendingWindow.OneDay }, cancellationToken: Ct))
            .Items.ToDictionary(i => i.Item, i => i.Score);
        Assert.Equal(scores[b], scores[a]);   // one view each
        Assert.Equal(1, await fixture.ScalarAsync<long>("SELECT count(*) FROM user_events WHERE event_id = @id", new { id = Guid.Parse(twice.Id) }));
    }

    [Fact]
    public async Task Over_rest_events_go_in_and_trending_comes_out()
    {
        var city = $"city-{Guid.NewGuid():N}"[..20];
        var (hot, cold) = ($"shows/{Guid.NewGuid()}", $"events/{Guid.NewGuid()}");
        using var rest = fixture.CreateRestClient();
        var time = fixture.Clock.GetUtcNow().AddSeconds(-1).ToString("O");
        var body = new
        {
            events = new object[]
            {
                new { id = Guid.NewGuid(), type = "view", time, deviceId = "web-1", item = hot, cityId = city },
                new { id = Guid.NewGuid(), type = "click", time, deviceId = "web-1", item = hot, cityId = city },
                new { id = Guid.NewGuid(), type = "view", time, deviceId = "web-1", item = cold, cityId = city },
                new { id = Guid.NewGuid(), type = "warp", time, deviceId = "web-1" },
            },
        };

        var posted = await rest.PostAsJsonAsync("/v1/analytics/events", body, Ct);

        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        using var answer = JsonDocument.Parse(await posted.Content.ReadAsStringAsync(Ct));
        Assert.Equal(3, answer.RootElement.GetProperty("accepted").GetInt32());
        Assert.Equal("events[3].type", answer.RootElement.GetProperty("rejected")[0].GetProperty("field").GetString());

        var items = await Eventually.UntilAsync(async () =>
        {
            using var doc = JsonDocument.Parse(await rest.GetStringAsync($"/v1/analytics/trending?city={city}", Ct));
            return doc.RootElement.TryGetProperty("items", out var list) ? list.EnumerateArray().Select(i => i.GetProperty("item").GetString()!).ToList() : [];
        }, list => list.Count == 2, "both items trending");
        Assert.Equal([hot, cold], items);   // a view and a click beat a view

        using var shows = JsonDocument.Parse(await rest.GetStringAsync($"/v1/analytics/trending?city={city}&kind=shows&window=ONE_DAY", Ct));
        Assert.Equal(hot, Assert.Single(shows.RootElement.GetProperty("items").EnumerateArray()).GetProperty("item").GetString());
    }
}
