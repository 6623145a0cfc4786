using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Mesh.Notification.Tests.Support;

namespace Mesh.Notification.Tests;

/// <summary>The inbox over REST at the edge: pages, unread count, mark read, and live push as Server-Sent Events.</summary>
public sealed class InboxTests(NotificationFixture fixture) : IClassFixture<NotificationFixture>
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_inbox_pages_newest_first_counts_unread_and_marks_read()
    {
        var user = fixture.Customer();
        for (var i = 0; i < 5; i++)
            await fixture.DeliverAsync(ProducerEvents.Confirmed(user.Id, fixture.Clock.GetUtcNow().AddHours(i + 1)));
        using var http = fixture.Rest(user);

        var first = await http.GetFromJsonAsync<JsonElement>("/v1/notifications?pageSize=2", Ct);
        Assert.Equal("5", first.GetProperty("unreadCount").GetString());
        var token = first.GetProperty("nextPageToken").GetString();
        var ids = first.GetProperty("notifications").EnumerateArray().Select(n => n.GetProperty("id").GetString()!).ToList();
        while (!string.IsNullOrEmpty(token))
        {
            var page = await http.GetFromJsonAsync<JsonElement>($"/v1/notifications?pageSize=2&pageToken={token}", Ct);
            ids.AddRange(page.GetProperty("notifications").EnumerateArray().Select(n => n.GetProperty("id").GetString()!));
            token = page.GetProperty("nextPageToken").GetString();
        }
        Assert.Equal(5, ids.Distinct().Count());
        var expected = await fixture.ScalarAsync<string>("SELECT string_agg(id::text, ',' ORDER BY seq DESC) FROM notifications WHERE user_id = @Id", new { user.Id });
        Assert.Equal(expected, string.Join(',', ids));

        var read = await http.PostAsJsonAsync($"/v1/notifications/{ids[0]}:markRead", new { }, Ct);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.True((await read.Content.ReadFromJsonAsync<JsonElement>(Ct)).TryGetProperty("readTime", out _));
        var unread = await http.GetFromJsonAsync<JsonElement>("/v1/notifications?unreadOnly=true", Ct);
        Assert.Equal("4", unread.GetProperty("unreadCount").GetString());
        Assert.DoesNotContain(unread.GetProperty("notifications").EnumerateArray(), n => n.GetProperty("id").GetString() == ids[0]);

        // Someone else's notification is not found, and theirs stays unread.
        using var stranger = fixture.Rest(fixture.Customer());
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.PostAsJsonAsync($"/v1/notifications/{ids[1]}:markRead", new { }, Ct)).StatusCode);

        var all = await http.PostAsJsonAsync("/v1/notifications:markAllRead", new { }, Ct);
        Assert.Equal("4", (await all.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("marked").GetString());
        Assert.Equal("0", (await http.GetFromJsonAsync<JsonElement>("/v1/notifications", Ct)).GetProperty("unreadCount").GetString());
    }

    [Fact]
    public async Task The_edge_streams_new_notifications_as_server_sent_events()
    {
        var user = fixture.Customer();
        using var http = fixture.Rest(user);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/notifications:stream");
        request.Headers.Accept.ParseAdd("text/event-stream");
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        await using var body = await response.Content.ReadAsStreamAsync(Ct);
        using var reader = new StreamReader(body);

        var opened = await NextDataAsync(reader); // the first event: the stream is open, nothing unread
        Assert.Equal("0", opened.GetProperty("unreadCount").GetString());
        Assert.False(opened.TryGetProperty("notification", out _));
        var message = Mesh.Support.Notifications.SupportEvents.Reply(user.Id, Guid.NewGuid(), "Lost tickets", 2);
        await fixture.DeliverAsync(message);

        var pushed = await NextDataAsync(reader);
        Assert.Equal("1", pushed.GetProperty("unreadCount").GetString());
        Assert.Equal("support_reply", pushed.GetProperty("notification").GetProperty("kind").GetString());
        Assert.Equal("support", pushed.GetProperty("notification").GetProperty("category").GetString());
    }

    private async Task<JsonElement> NextDataAsync(StreamReader reader)
    {
        string? line;
        while ((line = await reader.ReadLineAsync(Ct)) is not null && !line.StartsWith("data: ", StringComparison.Ordinal)) { }
        Assert.NotNull(line);
        return JsonDocument.Parse(line!["data: ".Length..]).RootElement;
    }

    [Fact]
    public async Task Without_a_token_the_edge_refuses_the_inbox()
    {
        using var anonymous = fixture.Rest(null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/v1/notifications", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/v1/notification-preferences", Ct)).StatusCode);
    }
}
