using Mesh.Hosting.Dashboard.Storage;

namespace Mesh.Hosting.Dashboard.Pages;

/// <summary>
/// Requests, errors and p50/p95/p99 per service and method from the request duration histogram the services export
/// over OTLP: ASP.NET Core's http.server.request.duration (seconds), which counts every HTTP request and every gRPC call
/// a service serves (a gRPC method is its route "/package.Service/Method", see <see cref="GrpcNames"/>). Each replica's
/// latest point is summed; percentiles are estimated inside the bucket that holds them (linear), so they are as fine
/// as the buckets. Cumulative histograms count since each process started.
/// </summary>
/// <remarks>
/// Errors: an HTTP 5xx, an error.type (ASP.NET Core's unhandled failures), a call to a method grpc-dotnet does not
/// implement, or a gRPC status code attribute other than OK where the point carries one. ASP.NET Core's instrument
/// does not carry the gRPC status (a failed call is still HTTP 200), so for a gRPC method without that attribute the
/// errors are not known here (<see cref="ErrorsKnown"/> false): the span table counts them from the calls' spans.
/// </remarks>
internal sealed record HistogramStats(string Service, string Method, string Instrument, ulong Count, ulong Errors, bool ErrorsKnown,
    double P50, double P95, double P99, bool Cumulative)
{
    /// <summary>The request duration instruments read, by name.</summary>
    public static readonly IReadOnlyList<string> Instruments = ["http.server.request.duration"];

    public double ErrorPercent => Count == 0 ? 0 : Errors * 100.0 / Count;

    public static IReadOnlyList<HistogramStats> From(IEnumerable<MetricPoint> points)
    {
        var rows = new List<HistogramStats>();
        var durations = points.Where(p => p.Kind == "histogram" && p.Bounds is not null && p.BucketCounts is not null && MethodOf(p) is not null);
        foreach (var g in durations.GroupBy(p => (p.Service, Method: MethodOf(p)!, p.Name)))
        {
            var scale = g.First().Unit == "s" ? 1000.0 : 1.0; // shown in ms like the span-derived numbers
            var bounds = g.First().Bounds!;
            var merged = new ulong[bounds.Count + 1];
            ulong count = 0, errors = 0;
            var errorsKnown = true;
            foreach (var p in g)
            {
                count += p.Count;
                switch (Outcome(p))
                {
                    case false: break;
                    case true: errors += p.Count; break;
                    case null: errorsKnown = false; break;
                }
                // Buckets merge only when laid out alike (the same instrument everywhere uses the same bounds).
                if (p.BucketCounts!.Count == merged.Length && p.Bounds!.SequenceEqual(bounds))
                    for (var i = 0; i < merged.Length; i++) merged[i] += p.BucketCounts[i];
            }
            rows.Add(new HistogramStats(g.Key.Service, g.Key.Method, g.Key.Name, count, errors, errorsKnown,
                Percentile(bounds, merged, 0.50) * scale, Percentile(bounds, merged, 0.95) * scale, Percentile(bounds, merged, 0.99) * scale,
                g.All(p => p.Cumulative)));
        }
        return rows.OrderBy(r => r.Service).ThenBy(r => r.Method).ThenBy(r => r.Instrument).ToArray();
    }

    /// <summary>"package.Service/Method" for a gRPC call, "GET /route" for HTTP; null for other histograms.</summary>
    public static string? MethodOf(MetricPoint p)
    {
        if (!Instruments.Contains(p.Name) || p.Attribute("http.request.method") is not { } method) return null;
        var route = p.Attribute("http.route");
        return GrpcNames.FromRoute(method, route, p.Attribute("network.protocol.version")) ?? $"{method} {route ?? "(no route)"}";
    }

    /// <summary>Whether the requests of this point failed: true, false, or null when the point cannot tell (see remarks).</summary>
    private static bool? Outcome(MetricPoint p)
    {
        if ((int.TryParse(p.Attribute("http.response.status_code"), out var http) && http >= 500)
            || p.Attribute("error.type") is { Length: > 0 }
            || GrpcNames.IsUnimplementedRoute(p.Attribute("http.route")))
            return true;
        var grpcStatus = p.Attribute("rpc.grpc.status_code") ?? p.Attribute("grpc.status_code") ?? p.Attribute("rpc.response.status_code");
        if (grpcStatus is not null) return GrpcNames.IsFailure(grpcStatus);
        var grpc = GrpcNames.FromRoute(p.Attribute("http.request.method"), p.Attribute("http.route"), p.Attribute("network.protocol.version"));
        return grpc is null ? false : null;
    }

    /// <summary>
    /// The value below which a fraction <paramref name="q"/> of the recorded values lie, interpolated inside its bucket
    /// (bucket i spans (bounds[i-1], bounds[i]]; the first starts at 0; the overflow bucket reports its lower bound).
    /// </summary>
    public static double Percentile(IReadOnlyList<double> bounds, IReadOnlyList<ulong> buckets, double q)
    {
        var total = buckets.Aggregate(0UL, (a, b) => a + b);
        if (total == 0) return 0;
        var rank = q * total;
        ulong seen = 0;
        for (var i = 0; i < buckets.Count; i++)
        {
            if (buckets[i] == 0) continue;
            if (seen + buckets[i] >= rank)
            {
                var lower = i == 0 ? 0 : bounds[i - 1];
                if (i >= bounds.Count) return lower;
                var upper = bounds[i];
                return lower + (upper - lower) * ((rank - seen) / buckets[i]);
            }
            seen += buckets[i];
        }
        return bounds.Count > 0 ? bounds[^1] : 0;
    }
}
