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
    /// What a person reads: ASP.NET Core names every request span after its activity ("…HttpRequestIn"), so
    /// an HTTP span shows its method and route (or path) instead.
    /// </summary>
    public string DisplayName =>
        Name.StartsWith("Microsoft.AspNetCore.", StringComparison.Ordinal) && Attribute("http.request.method") is { } method
            ? $"{method} {Attribute("http.route") ?? Attribute("url.path") ?? ""}".Trim()
            : Name;

    public string? Attribute(string key) => Attributes.FirstOrDefault(a => a.Key == key).Value;

    /// <summary>An error: the span says so, or its HTTP/gRPC outcome does (a 5xx, a non-OK gRPC status).</summary>
    public bool IsError =>
        Status == SpanStatusCode.Error
        || (int.TryParse(Attribute("http.response.status_code"), out var http) && http >= 500)
        || (Attribute("rpc.grpc.status_code") is { } grpc && grpc != "0");
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

/// <summary>The latest point of one metric series (service + instrument + attribute set).</summary>
public sealed record MetricPoint(
    string Service,
    string Name,
    string Unit,
    string Kind,
    string AttributeKey,
    DateTime Time,
    double Value,
    ulong Count,
    double Sum);

/// <summary>One line a resource printed (stdout or stderr), numbered for followers.</summary>
public sealed record ConsoleLine(DateTime Time, string Text);
