using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Mesh.Hosting.Dashboard;
using Mesh.Hosting.Dashboard.Otlp.Wire;

namespace Mesh.Hosting.Tests.Dashboard;

/// <summary>Real protobuf OTLP/HTTP requests posted to the dashboard's receiver, then read back from its stores and pages.</summary>
public sealed class OtlpReceiverTests
{
    private static readonly byte[] TraceId = Convert.FromHexString("0af7651916cd43dd8448eb211c80319c");

    [Fact]
    public async Task A_posted_trace_is_stored_with_its_service_ids_and_status_and_shown_as_a_waterfall()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = await DashboardTestHost.StartAsync(new DashboardOptions(), ct);

        var request = new ExportTraceServiceRequest
        {
            ResourceSpans =
            {
                Spans("front", "front", NewSpan("b7ad6b7169203331", null, "GET /call/{service}", Span.Types.SpanKind.Server, 0, 30_000_000)),
                Spans("items", "items-1", NewSpan("00f067aa0ba902b7", "b7ad6b7169203331", "GET /config", Span.Types.SpanKind.Server, 5_000_000, 20_000_000,
                    error: true)),
            },
        };
        using var response = await PostAsync(host, "v1/traces", request.ToByteArray(), gzip: false, ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-protobuf", response.Content.Headers.ContentType?.MediaType);
        ExportTraceServiceResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync(ct)); // a valid response message

        var spans = host.Dashboard.Telemetry.Trace("0af7651916cd43dd8448eb211c80319c");
        Assert.Equal(2, spans.Count);
        var child = Assert.Single(spans, s => s.Service == "items");
        Assert.Equal("items-1", child.Instance);
        Assert.Equal("b7ad6b7169203331", child.ParentSpanId);
        Assert.Equal("server", child.Kind);
        Assert.True(child.IsError);
        Assert.Equal(15, child.DurationMs, 3);
        Assert.Equal("GET", child.Attribute("http.request.method"));

        var summary = Assert.Single(host.Dashboard.Telemetry.Traces());
        Assert.Equal("front", summary.RootService);
        Assert.Equal(["front", "items"], summary.Services);
        Assert.True(summary.HasError);

        var page = await host.Http.GetStringAsync(host.Ui("/traces/0af7651916cd43dd8448eb211c80319c"), ct);
        Assert.Contains("data-service=\"front\"", page);
        Assert.Contains("data-service=\"items\"", page);
        var list = await host.Http.GetStringAsync(host.Ui("/traces?errors=1&service=items"), ct);
        Assert.Contains("0af7651916cd43dd8448eb211c80319c", list);
    }

    [Fact]
    public async Task Gzipped_logs_and_metrics_are_accepted_and_filterable()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = await DashboardTestHost.StartAsync(new DashboardOptions(), ct);

        var logs = new ExportLogsServiceRequest
        {
            ResourceLogs =
            {
                new ResourceLogs
                {
                    Resource = Resource("front", "front"),
                    ScopeLogs =
                    {
                        new ScopeLogs
                        {
                            Scope = new InstrumentationScope { Name = "Front.Checkout" },
                            LogRecords =
                            {
                                new LogRecord { TimeUnixNano = Now(), SeverityNumber = 17, Body = Str("payment declined"), TraceId = ByteString.CopyFrom(TraceId) },
                                new LogRecord { TimeUnixNano = Now(), SeverityNumber = 9, Body = Str("order received") },
                            },
                        },
                    },
                },
            },
        };
        using (var response = await PostAsync(host, "v1/logs", logs.ToByteArray(), gzip: true, ct))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var stored = host.Dashboard.Telemetry.Logs.Snapshot();
        Assert.Equal(2, stored.Count);
        Assert.Equal("Error", stored[0].Level);
        Assert.Equal("Front.Checkout", stored[0].Category);
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", stored[0].TraceId);

        var errorsOnly = await host.Http.GetStringAsync(host.Ui("/logs?level=Error&resource=front"), ct);
        Assert.Contains("payment declined", errorsOnly);
        Assert.DoesNotContain("order received", errorsOnly);
        var byTrace = await host.Http.GetStringAsync(host.Ui("/logs?traceId=0af7651916cd43dd8448eb211c80319c"), ct);
        Assert.Contains("payment declined", byTrace);
        Assert.DoesNotContain("order received", byTrace);

        var histogram = new HistogramDataPoint { TimeUnixNano = Now(), Count = 4, Sum = 100, BucketCounts = { 1, 3 }, ExplicitBounds = { 10 } };
        histogram.Attributes.Add(new KeyValue { Key = "rpc.method", Value = Str("Get") });
        var metrics = new ExportMetricsServiceRequest
        {
            ResourceMetrics =
            {
                new ResourceMetrics
                {
                    Resource = Resource("items", "items-0"),
                    ScopeMetrics = { new ScopeMetrics { Metrics = { new Metric { Name = "rpc.server.duration", Unit = "ms", Histogram = new Histogram { DataPoints = { histogram } } } } } },
                },
            },
        };
        using (var response = await PostAsync(host, "v1/metrics", metrics.ToByteArray(), gzip: true, ct))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var point = Assert.Single(host.Dashboard.Telemetry.Metrics.Snapshot());
        Assert.Equal(("items", "rpc.server.duration", 4UL, 25.0), (point.Service, point.Name, point.Count, point.Value));
        Assert.Contains("rpc.server.duration", await host.Http.GetStringAsync(host.Ui("/metrics"), ct));
    }

    [Fact]
    public async Task Duration_histograms_give_per_method_percentiles_and_spans_are_named_by_their_attributes()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = await DashboardTestHost.StartAsync(new DashboardOptions(), ct);

        // Two replicas of one service, the same method: one answered 10 calls in (10, 20] ms, the other failed 10 in (20, 40] ms.
        HistogramDataPoint Point(string status, params ulong[] buckets)
        {
            var p = new HistogramDataPoint { TimeUnixNano = Now(), Count = 10, Sum = 200, BucketCounts = { buckets }, ExplicitBounds = { 10, 20, 40 } };
            p.Attributes.Add(new KeyValue { Key = "rpc.service", Value = Str("mesh.catalog.v1.Catalog") });
            p.Attributes.Add(new KeyValue { Key = "rpc.method", Value = Str("ListCities") });
            p.Attributes.Add(new KeyValue { Key = "rpc.grpc.status_code", Value = Str(status) });
            return p;
        }
        ResourceMetrics Replica(string instance, HistogramDataPoint point) => new()
        {
            Resource = Resource("catalog", instance),
            ScopeMetrics = { new ScopeMetrics { Metrics = { new Metric { Name = "rpc.server.duration", Unit = "ms",
                Histogram = new Histogram { AggregationTemporality = AggregationTemporality.Cumulative, DataPoints = { point } } } } } },
        };
        var metrics = new ExportMetricsServiceRequest { ResourceMetrics = { Replica("catalog-0", Point("0", 0, 10, 0, 0)), Replica("catalog-1", Point("14", 0, 0, 10, 0)) } };
        using (var response = await PostAsync(host, "v1/metrics", metrics.ToByteArray(), gzip: false, ct))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var page = await host.Http.GetStringAsync(host.Ui("/metrics?service=catalog"), ct);
        var table = page[page.IndexOf("id=\"histograms\"", StringComparison.Ordinal)..];
        var row = table[table.IndexOf("mesh.catalog.v1.Catalog/ListCities", StringComparison.Ordinal)..];
        row = row[..row.IndexOf("</tr>", StringComparison.Ordinal)];
        // 20 calls, half failed; merged buckets (0, 10, 10, 0): p50 at the top of (10, 20], p95 at 90 % of (20, 40].
        Assert.Contains(">20<", row);
        Assert.Contains(">50%<", row);
        Assert.Contains(">20.0 ms<", row);
        Assert.Contains(">38.0 ms<", row);
        Assert.Contains("since process start", row);
        Assert.Contains("OTLP duration histograms", page);

        var server = NewSpan("b7ad6b7169203331", null, "Microsoft.AspNetCore.Hosting.HttpRequestIn", Span.Types.SpanKind.Server, 0, 30_000_000);
        server.Attributes.Add(new KeyValue { Key = "http.route", Value = Str("/v1/cities") });
        var grpc = NewSpan("00f067aa0ba902b7", "b7ad6b7169203331", "an activity name", Span.Types.SpanKind.Client, 1_000_000, 20_000_000);
        grpc.Attributes.Add(new KeyValue { Key = "rpc.service", Value = Str("mesh.catalog.v1.Catalog") });
        grpc.Attributes.Add(new KeyValue { Key = "rpc.method", Value = Str("ListCities") });
        var http = NewSpan("00f067aa0ba902b8", "00f067aa0ba902b7", "POST", Span.Types.SpanKind.Client, 2_000_000, 19_000_000);
        http.Attributes.Clear();
        http.Attributes.Add(new KeyValue { Key = "http.request.method", Value = Str("POST") });
        http.Attributes.Add(new KeyValue { Key = "url.full", Value = Str("http://127.0.0.1:5000/mesh.catalog.v1.Catalog/ListCities") });
        var traces = new ExportTraceServiceRequest { ResourceSpans = { Spans("gateway", "gateway", server, grpc, http) } };
        using (var response = await PostAsync(host, "v1/traces", traces.ToByteArray(), gzip: false, ct))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var waterfall = await host.Http.GetStringAsync(host.Ui("/traces/0af7651916cd43dd8448eb211c80319c"), ct);
        Assert.Contains("GET /v1/cities", waterfall);
        Assert.Contains("mesh.catalog.v1.Catalog/ListCities", waterfall);
        Assert.Contains("POST 127.0.0.1:5000/mesh.catalog.v1.Catalog/ListCities", waterfall);
        Assert.DoesNotContain("HttpRequestIn", waterfall); // the raw activity name is replaced, not shown beside
    }

    [Fact]
    public async Task Malformed_bodies_json_and_oversized_requests_are_refused_without_storing_anything()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = await DashboardTestHost.StartAsync(new DashboardOptions { MaxOtlpRequestBytes = 1024 }, ct);

        using (var garbage = await PostAsync(host, "v1/traces", [0x0a, 0xff, 0xff, 0xff], gzip: false, ct))
            Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);

        using (var json = await host.Http.PostAsync(host.Otlp("v1/traces"), new StringContent("{}", new MediaTypeHeaderValue("application/json")), ct))
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, json.StatusCode);

        var big = new ExportTraceServiceRequest { ResourceSpans = { Spans("front", "front", NewSpan("b7ad6b7169203331", null, new string('x', 4000), Span.Types.SpanKind.Server, 0, 1)) } };
        using (var tooBig = await PostAsync(host, "v1/traces", big.ToByteArray(), gzip: false, ct))
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooBig.StatusCode);
        // The limit holds after decompression too (a small gzip body must not expand without bound).
        using (var zipBomb = await PostAsync(host, "v1/traces", big.ToByteArray(), gzip: true, ct))
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, zipBomb.StatusCode);

        Assert.Equal(0, host.Dashboard.Telemetry.Spans.Count);
    }

    internal static ResourceSpans Spans(string service, string instance, params Span[] spans) =>
        new() { Resource = Resource(service, instance), ScopeSpans = { new ScopeSpans { Scope = new InstrumentationScope { Name = "Microsoft.AspNetCore" }, Spans = { spans } } } };

    internal static Span NewSpan(string spanId, string? parentId, string name, Span.Types.SpanKind kind, ulong startOffsetNanos, ulong endOffsetNanos, bool error = false)
    {
        var origin = Now();
        var span = new Span
        {
            TraceId = ByteString.CopyFrom(TraceId), SpanId = ByteString.CopyFrom(Convert.FromHexString(spanId)), Name = name, Kind = kind,
            StartTimeUnixNano = origin + startOffsetNanos, EndTimeUnixNano = origin + endOffsetNanos,
            Status = new SpanStatus { Code = error ? SpanStatus.Types.StatusCode.Error : SpanStatus.Types.StatusCode.Unset },
            Attributes = { new KeyValue { Key = "http.request.method", Value = Str("GET") } },
        };
        if (parentId is not null) span.ParentSpanId = ByteString.CopyFrom(Convert.FromHexString(parentId));
        return span;
    }

    private static readonly ulong Origin = (ulong)(DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;

    private static ulong Now() => Origin;

    private static Resource Resource(string service, string instance) => new()
    {
        Attributes =
        {
            new KeyValue { Key = "service.name", Value = Str(service) },
            new KeyValue { Key = "service.instance.id", Value = Str(instance) },
        },
    };

    private static AnyValue Str(string s) => new() { StringValue = s };

    private static async Task<HttpResponseMessage> PostAsync(DashboardTestHost host, string signal, byte[] body, bool gzip, CancellationToken ct)
    {
        if (gzip)
        {
            using var buffer = new MemoryStream();
            await using (var zip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true)) await zip.WriteAsync(body, ct);
            body = buffer.ToArray();
        }
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        if (gzip) content.Headers.ContentEncoding.Add("gzip");
        return await host.Http.PostAsync(host.Otlp(signal), content, ct);
    }
}
