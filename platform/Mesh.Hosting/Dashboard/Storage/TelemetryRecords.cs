namespace Mesh.Hosting.Dashboard.Storage;

/// <summary>One finished span as the dashboard keeps it: ids as lower-case hex, attributes as strings.</summary>
public sealed record SpanRecord(
    string TraceId,
    string SpanId,
    string? ParentSpanId,
    string Name,
    string Kind,
    string Service,
    string? Instance,
    ulong StartUnixNano,
    ulong EndUnixNano,
    SpanStatusCode Status,
    string? StatusMessage,
    IReadOnlyList<KeyValuePair<string, string>> Attributes)
{
    public double DurationMs => EndUnixNano > StartUnixNano ? (EndUnixNano - StartUnixNano) / 1_000_000.0 : 0;

    public DateTime StartTime => DateTime.UnixEpoch.AddTicks((long)(StartUnixNano / 100));

    /// <summary>
    /// What a person reads, from the semantic-convention attributes when they are there: a gRPC call as
    /// "package.Service/Method" (<see cref="GrpcMethod"/>), an HTTP server span as "GET /route" (or the path), an HTTP
    /// client span as "GET host/path" — instead of raw activity names such as "Microsoft.AspNetCore.Hosting.HttpRequestIn",
    /// "POST /package.Service/Method" or "POST".
    /// </summary>
    public string DisplayName
    {
        get
        {
            if (GrpcMethod is { } grpc) return grpc;
            if (Attribute("http.request.method") is not { Length: > 0 } method) return Name;
            if (Kind == "client" && Uri.TryCreate(Attribute("url.full"), UriKind.Absolute, out var url))
                return $"{method} {url.Authority}{url.AbsolutePath}";
            // A route that is only a catch-all ("/{**path}") says nothing about the request: its path does.
            var target = Attribute("http.route") is { Length: > 0 } route && !GrpcNames.IsCatchAllRoute(route) ? route : Attribute("url.path");
            return string.IsNullOrEmpty(target) ? Name : $"{method} {target}";
        }
    }

    /// <summary>
    /// "package.Service/Method" when this span is a gRPC call, else null: from rpc.method (the gRPC client
    /// instrumentation: the full method name in current semantic conventions, the method beside rpc.service in older
    /// ones), from grpc-dotnet's own grpc.method tag on the ASP.NET Core request span of a served call, or — for a method
    /// the server does not implement — from the path of the request grpc-dotnet's catch-all route answered.
    /// </summary>
    public string? GrpcMethod
    {
        get
        {
            if (Attribute("rpc.method") is { Length: > 0 } rpcMethod && (Attribute("rpc.system.name") ?? Attribute("rpc.system")) is "grpc" or null)
            {
                var name = Attribute("rpc.service") is { Length: > 0 } service ? $"{service}/{rpcMethod}" : GrpcNames.FromPath("/" + rpcMethod);
                if (name is not null) return name;
            }
            return GrpcNames.FromPath(Attribute("grpc.method"))
                ?? (GrpcNames.IsUnimplementedRoute(Attribute("http.route")) ? GrpcNames.FromPath(Attribute("url.path")) : null);
        }
    }

    public string? Attribute(string key) => Attributes.FirstOrDefault(a => a.Key == key).Value;

    /// <summary>
    /// An error: the span says so, or its outcome does (an error.type; a 5xx; a non-OK gRPC status from the client
    /// instrumentation or from grpc-dotnet on the server; a call to a method the server does not implement).
    /// </summary>
    public bool IsError =>
        Status == SpanStatusCode.Error
        || Attribute("error.type") is { Length: > 0 }
        || (int.TryParse(Attribute("http.response.status_code"), out var http) && http >= 500)
        || (Attribute("rpc.response.status_code") is { } rpcStatus && (Attribute("rpc.system.name") ?? Attribute("rpc.system")) == "grpc" && GrpcNames.IsFailure(rpcStatus))
        || GrpcNames.IsFailure(Attribute("rpc.grpc.status_code"))
        || GrpcNames.IsFailure(Attribute("grpc.status_code"))
        || GrpcNames.IsUnimplementedRoute(Attribute("http.route"));
}

public enum SpanStatusCode
{
    Unset,
    Ok,
    Error,
}

/// <summary>One structured log record (from OTLP logs), with the trace it was written in, if any.</summary>
public sealed record StructuredLogRecord(
    DateTime Time,
    string Service,
    string? Instance,
    int SeverityNumber,
    string Level,
    string Category,
    string Message,
    string? TraceId,
    string? SpanId,
    IReadOnlyList<KeyValuePair<string, string>> Attributes);

/// <summary>
/// The latest point of one metric series (service + instance + instrument + attribute set). Histograms also carry
/// their buckets (<see cref="BucketCounts"/>[i] counts values ≤ <see cref="Bounds"/>[i]; the last one the rest) and
/// whether they count since the process started (cumulative) or over the last export interval (delta).
/// </summary>
public sealed record MetricPoint(
    string Service,
    string Name,
    string Unit,
    string Kind,
    string AttributeKey,
    DateTime Time,
    double Value,
    ulong Count,
    double Sum,
    string? Instance = null,
    IReadOnlyList<KeyValuePair<string, string>>? Attributes = null,
    IReadOnlyList<double>? Bounds = null,
    IReadOnlyList<ulong>? BucketCounts = null,
    bool Cumulative = true)
{
    public string? Attribute(string key) => Attributes?.FirstOrDefault(a => a.Key == key).Value;
}

/// <summary>One line a resource printed (stdout or stderr), numbered for followers.</summary>
public sealed record ConsoleLine(DateTime Time, string Text);
