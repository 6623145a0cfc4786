using System.Net;
using System.Text.Json;
using Mesh.Gateway.Tests.Support;

namespace Mesh.Gateway.Tests;

/// <summary>
/// Server streaming over REST: the service's JSON transcoding streams NDJSON; the edge turns it into Server-Sent
/// Events for callers that accept them, event by event as produced, and a caller that leaves cancels the service's call.
/// </summary>
public sealed class StreamingTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static HttpRequestMessage EventStream(string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("text/event-stream");
        return request;
    }

    [Fact]
    public async Task Sse_delivers_each_event_before_the_stream_ends_and_disconnect_cancels_the_backend()
    {
        fixture.Backend.State.StreamCancelled = new(TaskCreationOptions.RunContinuationsAsynchronously);
        using var request = EventStream("/v1/shelves/7/events?count=0&interval=0.2s");
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var response = await fixture.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("no-cache", response.Headers.CacheControl!.ToString());
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));

        // The stream never ends on its own (count=0): reading two events proves they arrive as they are produced.
        var ids = new List<string>();
        var events = new List<JsonElement>();
        while (events.Count < 2)
        {
            var line = await reader.ReadLineAsync(cts.Token).AsTask().WaitAsync(TimeSpan.FromSeconds(30), Ct);
            Assert.NotNull(line);
            if (line.StartsWith("id: ")) ids.Add(line[4..]);
            if (line.StartsWith("data: ")) events.Add(JsonDocument.Parse(line[6..]).RootElement);
        }
        Assert.Equal(["1", "2"], ids);
        Assert.Equal(1, events[0].GetProperty("sequence").GetInt32());
        Assert.Equal(2, events[1].GetProperty("sequence").GetInt32());
        Assert.Equal("7", events[0].GetProperty("shelfId").GetString());

        // Walk away: the edge must cancel the service's call.
        cts.Cancel();
        response.Dispose();
        await fixture.Backend.State.StreamCancelled.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
    }

    [Fact]
    public async Task Sse_error_after_events_is_an_error_event_with_the_status()
    {
        using var request = EventStream("/v1/shelves/3/events?count=5&failAfter=2&failCode=10");
        var response = await fixture.Client.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        var frames = text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, frames.Length);
        Assert.StartsWith("id: 1\ndata: {", frames[0]);
        Assert.StartsWith("id: 2\ndata: {", frames[1]);
        Assert.StartsWith("event: error\ndata: ", frames[2]);
        var status = JsonDocument.Parse(frames[2]["event: error\ndata: ".Length..]).RootElement;
        Assert.Equal(10, status.GetProperty("code").GetInt32());
        Assert.Equal("stream failed on purpose", status.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Sse_request_for_a_stream_that_fails_at_once_gets_the_plain_error_answer()
    {
        using var request = EventStream("/v1/shelves/3/events?count=5&failAfter=-1&failCode=5");
        var response = await fixture.Client.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(5, JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Ndjson_is_the_default_and_ends_with_the_stream()
    {
        var response = await fixture.Client.GetAsync("/v1/shelves/3/events?count=3", Ct);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType!.MediaType);
        var lines = (await response.Content.ReadAsStringAsync(Ct)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.Equal(3, JsonDocument.Parse(lines[2]).RootElement.GetProperty("sequence").GetInt32());
    }

    [Fact]
    public async Task Ndjson_error_after_events_ends_the_stream_with_the_status_line()
    {
        var text = await fixture.Client.GetStringAsync("/v1/shelves/3/events?count=5&failAfter=2&failCode=10", Ct);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        var error = JsonDocument.Parse(lines[2]).RootElement;
        Assert.Equal(["error"], error.EnumerateObject().Select(p => p.Name));
        Assert.Equal(10, error.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal("stream failed on purpose", error.GetProperty("error").GetProperty("message").GetString());
    }
}
