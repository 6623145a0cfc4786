using Mesh.Hosting.Dashboard;
using Mesh.Hosting.Dashboard.Storage;
using Mesh.Hosting.Dashboard.Otlp.Wire;
using Google.Protobuf;

namespace Mesh.Hosting.Tests.Dashboard;

/// <summary>Every store keeps at most its cap: the oldest entries go, the newest stay.</summary>
public sealed class StoreBoundsTests
{
    [Fact]
    public void A_bounded_log_drops_the_oldest_and_keeps_numbering()
    {
        var log = new BoundedLog<int>(3);
        for (var i = 1; i <= 5; i++) log.Add(i);
        log.AddRange([6, 7]);

        Assert.Equal([5, 6, 7], log.Snapshot());
        Assert.Equal(4, log.Dropped);
        Assert.Equal([(6L, 6), (7L, 7)], log.After(5));
    }

    [Fact]
    public void The_metric_store_keeps_the_latest_point_per_series_and_refuses_series_past_its_cap()
    {
        var store = new MetricStore(2);
        MetricPoint Point(string attrs, double value) => new("svc", "http.server.request.duration", "s", "histogram", attrs, DateTime.UtcNow, value, 1, value);
        store.Record(Point("http.route=/a", 1));
        store.Record(Point("http.route=/b", 2));
        store.Record(Point("http.route=/a", 3));
        store.Record(Point("http.route=/c", 4));

        Assert.Equal([3.0, 2.0], store.Snapshot().Select(p => p.Value));
        Assert.Equal(1, store.Refused);
    }

    [Fact]
    public async Task Spans_posted_past_the_cap_leave_only_the_newest()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = await DashboardTestHost.StartAsync(new DashboardOptions { MaxSpans = 50 }, ct);
        for (var batch = 0; batch < 4; batch++)
        {
            var spans = Enumerable.Range(0, 30).Select(i =>
            {
                var span = OtlpReceiverTests.NewSpan((batch * 100 + i + 1).ToString("x16"), null, $"span {batch * 30 + i}", Span.Types.SpanKind.Server, 0, 1000);
                return span;
            }).ToArray();
            var body = new ExportTraceServiceRequest { ResourceSpans = { OtlpReceiverTests.Spans("front", "front", spans) } }.ToByteArray();
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = new("application/x-protobuf");
            using var response = await host.Http.PostAsync(host.Otlp("v1/traces"), content, ct);
            response.EnsureSuccessStatusCode();
        }

        var kept = host.Dashboard.Telemetry.Spans.Snapshot();
        Assert.Equal(50, kept.Count);
        Assert.Equal(70, host.Dashboard.Telemetry.Spans.Dropped);
        Assert.Equal(Enumerable.Range(70, 50).Select(i => $"span {i}"), kept.Select(s => s.Name));
    }
}
