using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
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

        var histogram = new HistogramDataPoint { TimeUnixNano = Now(), Count = 4, Sum = 0.1, BucketCounts = { 1, 3 }, ExplicitBounds = { 0.01 } };
        histogram.Attributes.Add(new KeyValue { Key = "http.request.method", Value = Str("GET") });
        histogram.Attributes.Add(new KeyValue { Key = "http.route", Value = Str("/config") });
        var metrics = new ExportMetricsServiceRequest
        {
            ResourceMetrics =
            {
                new ResourceMetrics
                {
                    Resource = Resource("items", "items-0"),
                    ScopeMetrics = { new ScopeMetrics { Metrics = { new Metric { Name = "http.server.request.duration", Unit = "s", Histogram = new Histogram { DataPoints = { histogram } } } } } },
                },
            },
        };
        using (var response = await PostAsync(host, "v1/metrics", metrics.ToByteArray(), gzip: true, ct))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var point = Assert.Single(host.Dashboard.Telemetry.Metrics.Snapshot());
        Assert.Equal(("items", "http.server.request.duration", 4UL, 0.025), (point.Service, point.Name, point.Count, point.Value));
        Assert.Contains("GET /config", await host.Http.GetStringAsync(host.Ui("/metrics"), ct));
    }

    [Fact]
    public async Task Request_duration_histograms_give_per_method_percentiles_and_spans_are_named_by_their_attributes()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = await DashboardTestHost.StartAsync(new DashboardOptions(), ct);

        // ASP.NET Core's http.server.request.duration (seconds) as the services export it. A gRPC call is a POST over HTTP/2
        // to the method's route, HTTP 200 whatever its gRPC status.
        HistogramDataPoint Point(string method, string route, string protocol, int status, params ulong[] buckets)
        {
            var p = new HistogramDataPoint { TimeUnixNano = Now(), Count = 10, Sum = 0.2, BucketCounts = { buckets }, ExplicitBounds = { 0.01, 0.02, 0.04 } };
            p.Attributes.Add(new KeyValue { Key = "http.request.method", Value = Str(method) });
            p.Attributes.Add(new KeyValue { Key = "http.route", Value = Str(route) });
            p.Attributes.Add(new KeyValue { Key = "http.response.status_code", Value = new AnyValue { IntValue = status } });
            p.Attributes.Add(new KeyValue { Key = "network.protocol.version", Value = Str(protocol) });
            p.Attributes.Add(new KeyValue { Key = "url.scheme", Value = Str("http") });
            return p;
        }
        ResourceMetrics Replica(string service, string instance, params HistogramDataPoint[] points) => new()
        {
            Resource = Resource(service, instance),
            ScopeMetrics = { new ScopeMetrics { Scope = new InstrumentationScope { Name = "Microsoft.AspNetCore.Hosting" }, Metrics = { new Metric
            {
                Name = "http.server.request.duration", Unit = "s",
                Histogram = new Histogram { AggregationTemporality = AggregationTemporality.Cumulative, DataPoints = { points } },
            } } } },
        };
        const string listCities = "/mesh.catalog.v1.Catalog/ListCities";
        const string unimplemented = "mesh.catalog.v1.Catalog/{unimplementedMethod:grpcunimplemented}";
        var metrics = new ExportMetricsServiceRequest
        {
            ResourceMetrics =
            {
                // Two replicas of one service, the same method: one answered 10 calls in (10, 20] ms, the other 10 in (20, 40] ms.
                Replica("catalog", "catalog-0", Point("POST", listCities, "2", 200, 0, 10, 0, 0)),
                Replica("catalog", "catalog-1", Point("POST", listCities, "2", 200, 0, 0, 10, 0), Point("POST", unimplemented, "2", 200, 10, 0, 0, 0)),
                // The edge's REST route: 10 answered, 10 failed with 503.
                Replica("gateway", "gateway", Point("GET", "/v1/cities", "1.1", 200, 10, 0, 0, 0), Point("GET", "/v1/cities", "1.1", 503, 0, 0, 0, 10)),
            },
        };
        using (var response = await PostAsync(host, "v1/metrics", metrics.ToByteArray(), gzip: false, ct))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        string Row(string page, string method)
        {
            var table = page[page.IndexOf("id=\"histograms\"", StringComparison.Ordinal)..];
            var row = table[table.IndexOf($">{method}<", StringComparison.Ordinal)..];
            return row[..row.IndexOf("</tr>", StringComparison.Ordinal)];
        }
        var page = await host.Http.GetStringAsync(host.Ui("/metrics?service=catalog"), ct);
        var grpcRow = Row(page, "mesh.catalog.v1.Catalog/ListCities");
        // 20 calls; merged buckets (0, 10, 10, 0) in ms: p50 at the top of (10, 20], p95 at 90 % of (20, 40].
        Assert.Contains(">20<", grpcRow);
        Assert.Contains(">20.0 ms<", grpcRow);
        Assert.Contains(">38.0 ms<", grpcRow);
        Assert.Contains("since process start", grpcRow);
        Assert.Contains(">n/a<", grpcRow); // HTTP 200 says nothing about the gRPC status: not shown as 0 %
        Assert.Contains(">100%<", Row(page, "mesh.catalog.v1.Catalog/(unimplemented)"));
        Assert.DoesNotContain("POST /mesh.catalog.v1.Catalog", page);
        Assert.DoesNotContain("gateway", page[page.IndexOf("id=\"histograms\"", StringComparison.Ordinal)..page.IndexOf("id=\"instruments\"", StringComparison.Ordinal)]);
        Assert.Contains("OTLP duration histograms", page);
        var restRow = Row(await host.Http.GetStringAsync(host.Ui("/metrics?service=gateway"), ct), "GET /v1/cities");
        Assert.Contains(">50%<", restRow);

        // The spans of one REST call: the edge's request, its gRPC client call and the HTTP/2 request under it, the
        // catalog's request span for the served call (grpc-dotnet's tags; NOT_FOUND), a call to a method it lacks.
        // The edge answers every REST route from one catch-all endpoint: its route says nothing, the path does.
        var server = NewSpan("b7ad6b7169203331", null, "Microsoft.AspNetCore.Hosting.HttpRequestIn", Span.Types.SpanKind.Server, 0, 30_000_000);
        server.Attributes.Add(new KeyValue { Key = "http.route", Value = Str("/{**path}") });
        server.Attributes.Add(new KeyValue { Key = "url.path", Value = Str("/v1/cities") });
        // The gRPC client instrumentation's current conventions: the full method in rpc.method, the status by name.
        var grpc = NewSpan("00f067aa0ba902b7", "b7ad6b7169203331", "an activity name", Span.Types.SpanKind.Client, 1_000_000, 20_000_000);
        grpc.Attributes.Clear();
        grpc.Attributes.Add(new KeyValue { Key = "rpc.system.name", Value = Str("grpc") });
        grpc.Attributes.Add(new KeyValue { Key = "rpc.method", Value = Str("mesh.catalog.v1.Catalog/ListCities") });
        grpc.Attributes.Add(new KeyValue { Key = "rpc.response.status_code", Value = Str("NOT_FOUND") });
        var http = NewSpan("00f067aa0ba902b8", "00f067aa0ba902b7", "POST", Span.Types.SpanKind.Client, 2_000_000, 19_000_000);
        http.Attributes.Clear();
        http.Attributes.Add(new KeyValue { Key = "http.request.method", Value = Str("POST") });
        http.Attributes.Add(new KeyValue { Key = "url.full", Value = Str("http://127.0.0.1:5000/mesh.catalog.v1.Catalog/ListCities") });
        var served = NewSpan("00f067aa0ba902b9", "00f067aa0ba902b8", "POST " + listCities, Span.Types.SpanKind.Server, 3_000_000, 18_000_000);
        served.Attributes.Clear();
        served.Attributes.Add(new KeyValue { Key = "http.request.method", Value = Str("POST") });
        served.Attributes.Add(new KeyValue { Key = "http.route", Value = Str(listCities) });
        served.Attributes.Add(new KeyValue { Key = "http.response.status_code", Value = new AnyValue { IntValue = 200 } });
        served.Attributes.Add(new KeyValue { Key = "grpc.method", Value = Str(listCities) });
        served.Attributes.Add(new KeyValue { Key = "grpc.status_code", Value = Str("5") });
        var missing = NewSpan("00f067aa0ba902ba", "00f067aa0ba902b8", "POST " + unimplemented, Span.Types.SpanKind.Server, 4_000_000, 5_000_000);
        missing.Attributes.Clear();
        missing.Attributes.Add(new KeyValue { Key = "http.request.method", Value = Str("POST") });
        missing.Attributes.Add(new KeyValue { Key = "http.route", Value = Str(unimplemented) });
        missing.Attributes.Add(new KeyValue { Key = "url.path", Value = Str("/mesh.catalog.v1.Catalog/GetCity") });
        var traces = new ExportTraceServiceRequest { ResourceSpans = { Spans("gateway", "gateway", server, grpc, http), Spans("catalog", "catalog-0", served, missing) } };
        using (var response = await PostAsync(host, "v1/traces", traces.ToByteArray(), gzip: false, ct))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var waterfall = await host.Http.GetStringAsync(host.Ui("/traces/0af7651916cd43dd8448eb211c80319c"), ct);
        // Each row's label: service, name, kind (the row's title lists every attribute, raw names included).
        var labels = Regex.Matches(waterfall, "<div class=\"span-label\"[^>]*>(.*?)</div>").Select(m => Regex.Replace(m.Groups[1].Value, "<[^>]+>", "")).ToArray();
        Assert.Equal(
            ["gateway GET /v1/cities server", "gateway mesh.catalog.v1.Catalog/ListCities client", "gateway POST 127.0.0.1:5000/mesh.catalog.v1.Catalog/ListCities client",
             "catalog mesh.catalog.v1.Catalog/ListCities server", "catalog mesh.catalog.v1.Catalog/GetCity server"],
            labels);

        var spans = host.Dashboard.Telemetry.Trace("0af7651916cd43dd8448eb211c80319c").ToDictionary(s => s.SpanId);
        Assert.True(spans["00f067aa0ba902b7"].IsError);   // the client's gRPC status
        Assert.True(spans["00f067aa0ba902b9"].IsError);   // grpc-dotnet's status on the server's request span, HTTP 200
        Assert.True(spans["00f067aa0ba902ba"].IsError);   // UNIMPLEMENTED
        Assert.False(spans["b7ad6b7169203331"].IsError);

        // The span table of the catalog: the served method and the missing one by their gRPC names, each failed.
        var methods = await host.Http.GetStringAsync(host.Ui("/metrics?service=catalog"), ct);
        methods = methods[methods.IndexOf("id=\"methods\"", StringComparison.Ordinal)..methods.IndexOf("id=\"histograms\"", StringComparison.Ordinal)];
        foreach (var name in new[] { "mesh.catalog.v1.Catalog/ListCities", "mesh.catalog.v1.Catalog/GetCity" })
        {
            var row = methods[methods.IndexOf($">{name}<", StringComparison.Ordinal)..];
            Assert.Contains(">100%<", row[..row.IndexOf("</tr>", StringComparison.Ordinal)]);
        }
    }

    [Fact]
    public async Task Traces_of_background_work_alone_are_listed_only_when_asked_for()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = await DashboardTestHost.StartAsync(new DashboardOptions(), ct);

        Span In(string traceId, Span span)
        {
            span.TraceId = ByteString.CopyFrom(Convert.FromHexString(traceId));
            return span;
        }
        const string request = "1af7651916cd43dd8448eb211c80319c", poll = "2af7651916cd43dd8448eb211c80319c",
            probe = "3af7651916cd43dd8448eb211c80319c", message = "4af7651916cd43dd8448eb211c80319c";
        var query = In(poll, NewSpan("c7ad6b7169203331", null, "postgresql", Span.Types.SpanKind.Client, 0, 1_000_000));
        query.Attributes.Clear();
        query.Attributes.Add(new KeyValue { Key = "db.system.name", Value = Str("postgresql") });
        var healthCall = In(probe, NewSpan("d7ad6b7169203331", null, "grpc.health.v1.Health/Check", Span.Types.SpanKind.Client, 0, 2_000_000));
        healthCall.Attributes.Clear();
        healthCall.Attributes.Add(new KeyValue { Key = "rpc.system.name", Value = Str("grpc") });
        healthCall.Attributes.Add(new KeyValue { Key = "rpc.method", Value = Str("grpc.health.v1.Health/Check") });
        var healthServed = In(probe, NewSpan("d7ad6b7169203332", "d7ad6b7169203331", "POST /grpc.health.v1.Health/Check", Span.Types.SpanKind.Server, 0, 1_000_000));
        healthServed.Attributes.Add(new KeyValue { Key = "grpc.method", Value = Str("/grpc.health.v1.Health/Check") });
        var consumed = In(message, NewSpan("e7ad6b7169203331", null, "catalog.changed process", Span.Types.SpanKind.Consumer, 0, 1_000_000));
        var served = In(request, NewSpan("f7ad6b7169203331", null, "GET /v1/cities", Span.Types.SpanKind.Server, 0, 1_000_000));
        var traces = new ExportTraceServiceRequest
        {
            ResourceSpans = { Spans("catalog", "catalog", query, healthServed, consumed), Spans("gateway", "gateway", healthCall, served) },
        };
        using (var response = await PostAsync(host, "v1/traces", traces.ToByteArray(), gzip: false, ct))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var list = await host.Http.GetStringAsync(host.Ui("/traces"), ct);
        Assert.Contains($"data-trace=\"{request}\"", list);
        Assert.Contains($"data-trace=\"{message}\"", list);
        Assert.DoesNotContain($"data-trace=\"{poll}\"", list);
        Assert.DoesNotContain($"data-trace=\"{probe}\"", list);
        Assert.Contains("2 traces of background work alone are hidden", list);

        var all = await host.Http.GetStringAsync(host.Ui("/traces?background=1"), ct);
        foreach (var id in new[] { request, message, poll, probe }) Assert.Contains($"data-trace=\"{id}\"", all);
        Assert.DoesNotContain("background-hidden", all);
        // The waterfall of a hidden trace is still there.
        Assert.Contains("data-service=\"catalog\"", await host.Http.GetStringAsync(host.Ui($"/traces/{poll}"), ct));
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
