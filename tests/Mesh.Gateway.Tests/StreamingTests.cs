using System.Net;
using System.Text.Json;
using Mesh.Gateway.Tests.Support;

namespace Mesh.Gateway.Tests;

/// <summary>Server streaming over REST: SSE and NDJSON, delivered as produced; a client that leaves cancels the backend call.</summary>
public sealed class StreamingTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Sse_delivers_each_event_before_the_stream_ends_and_disconnect_cancels_the_backend()
    {
        fixture.Backend.State.StreamCancelled = new(TaskCreationOptions.RunContinuationsAsynchronously);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/shelves/7/events?count=0&interval=0.2s");
        request.Headers.Accept.ParseAdd("text/event-stream");
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var response = await fixture.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));

        // The stream never ends on its own (count=0): reading two events proves they arrive as they are produced.
        var events = new List<JsonElement>();
        while (events.Count < 2)
        {
            var line = await reader.ReadLineAsync(cts.Token).AsTask().WaitAsync(TimeSpan.FromSeconds(30), Ct);
            if (line is not null && line.StartsWith("data: ")) events.Add(JsonDocument.Parse(line[6..]).RootElement);
        }
        Assert.Equal(1, events[0].GetProperty("sequence").GetInt32());
        Assert.Equal(2, events[1].GetProperty("sequence").GetInt32());
        Assert.Equal("7", events[0].GetProperty("shelfId").GetString());

        // Walk away: the gateway must cancel the backend call.
        cts.Cancel();
        response.Dispose();
        await fixture.Backend.State.StreamCancelled.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
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
    public async Task An_error_after_events_ends_the_stream_with_an_error_record()
    {
        var text = await fixture.Client.GetStringAsync("/v1/shelves/3/events?count=5&failAfter=2&failCode=10", Ct);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.Equal(10, JsonDocument.Parse(lines[2]).RootElement.GetProperty("error").GetProperty("code").GetInt32());
    }
}
