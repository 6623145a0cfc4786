using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Mesh.Hosting.Dashboard.Storage;
using Mesh.Hosting.Dashboard.Otlp.Wire;

namespace Mesh.Hosting.Dashboard.Otlp;

/// <summary>Turns OTLP wire messages into the dashboard's records (hex ids, string attributes, level names).</summary>
public static class OtlpMapping
{
    public static IEnumerable<SpanRecord> Spans(ExportTraceServiceRequest request)
    {
        foreach (var resourceSpans in request.ResourceSpans)
        {
            var (service, instance) = Identity(resourceSpans.Resource);
            foreach (var scope in resourceSpans.ScopeSpans)
            foreach (var span in scope.Spans)
            {
                yield return new SpanRecord(Hex(span.TraceId), Hex(span.SpanId),
                    span.ParentSpanId.IsEmpty ? null : Hex(span.ParentSpanId), span.Name,
                    KindName(span.Kind), service, instance, span.StartTimeUnixNano, span.EndTimeUnixNano,
                    span.Status?.Code switch
                    {
                        SpanStatus.Types.StatusCode.Ok => SpanStatusCode.Ok,
                        SpanStatus.Types.StatusCode.Error => SpanStatusCode.Error,
                        _ => SpanStatusCode.Unset,
                    },
                    string.IsNullOrEmpty(span.Status?.Message) ? null : span.Status.Message,
                    Attributes(span.Attributes));
            }
        }
    }

    public static IEnumerable<StructuredLogRecord> Logs(ExportLogsServiceRequest request)
    {
        foreach (var resourceLogs in request.ResourceLogs)
        {
            var (service, instance) = Identity(resourceLogs.Resource);
            foreach (var scope in resourceLogs.ScopeLogs)
            foreach (var log in scope.LogRecords)
            {
                var nanos = log.TimeUnixNano != 0 ? log.TimeUnixNano : log.ObservedTimeUnixNano;
                var attributes = Attributes(log.Attributes);
                // .NET's exporter puts the logger's category in the scope name.
                var category = scope.Scope?.Name ?? "";
                yield return new StructuredLogRecord(Time(nanos), service, instance, log.SeverityNumber,
                    LevelName(log.SeverityNumber, log.SeverityText), category, log.Body is null ? "" : Text(log.Body),
                    log.TraceId.IsEmpty ? null : Hex(log.TraceId), log.SpanId.IsEmpty ? null : Hex(log.SpanId), attributes);
            }
        }
    }

    public static IEnumerable<MetricPoint> Metrics(ExportMetricsServiceRequest request)
    {
        foreach (var resourceMetrics in request.ResourceMetrics)
        {
            var (service, instance) = Identity(resourceMetrics.Resource);
            foreach (var scope in resourceMetrics.ScopeMetrics)
            foreach (var metric in scope.Metrics)
            {
                switch (metric.DataCase)
                {
                    case Metric.DataOneofCase.Gauge:
                        foreach (var p in metric.Gauge.DataPoints) yield return Number(service, instance, metric, "gauge", p);
                        break;
                    case Metric.DataOneofCase.Sum:
                        foreach (var p in metric.Sum.DataPoints) yield return Number(service, instance, metric, "sum", p);
                        break;
                    case Metric.DataOneofCase.Histogram:
                        foreach (var p in metric.Histogram.DataPoints)
                            yield return new MetricPoint(service, metric.Name, metric.Unit, "histogram", AttributeKey(p.Attributes),
                                Time(p.TimeUnixNano), p.Count == 0 ? 0 : p.Sum / p.Count, p.Count, p.Sum, instance, Attributes(p.Attributes),
                                p.ExplicitBounds.ToArray(), p.BucketCounts.ToArray(),
                                metric.Histogram.AggregationTemporality != AggregationTemporality.Delta);
                        break;
                }
            }
        }
    }

    private static MetricPoint Number(string service, string? instance, Metric metric, string kind, NumberDataPoint p)
    {
        var value = p.ValueCase == NumberDataPoint.ValueOneofCase.AsInt ? p.AsInt : p.AsDouble;
        return new MetricPoint(service, metric.Name, metric.Unit, kind, AttributeKey(p.Attributes), Time(p.TimeUnixNano), value, 0, 0, instance);
    }

    /// <summary>service.name and service.instance.id (the app host sets the latter to the replica's name).</summary>
    private static (string Service, string? Instance) Identity(Resource? resource)
    {
        string? service = null, instance = null;
        if (resource is not null)
            foreach (var kv in resource.Attributes)
            {
                if (kv.Key == "service.name") service = Text(kv.Value);
                else if (kv.Key == "service.instance.id") instance = Text(kv.Value);
            }
        return (string.IsNullOrEmpty(service) ? "unknown" : service, instance);
    }

    public static IReadOnlyList<KeyValuePair<string, string>> Attributes(RepeatedField<KeyValue> attributes) =>
        attributes.Select(kv => new KeyValuePair<string, string>(kv.Key, kv.Value is null ? "" : Text(kv.Value))).ToArray();

    private static string AttributeKey(RepeatedField<KeyValue> attributes) =>
        string.Join(", ", attributes.Select(kv => $"{kv.Key}={(kv.Value is null ? "" : Text(kv.Value))}").Order(StringComparer.Ordinal));

    public static string Text(AnyValue value) => value.ValueCase switch
    {
        AnyValue.ValueOneofCase.StringValue => value.StringValue,
        AnyValue.ValueOneofCase.BoolValue => value.BoolValue ? "true" : "false",
        AnyValue.ValueOneofCase.IntValue => value.IntValue.ToString(CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue.ToString(CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.ArrayValue => "[" + string.Join(", ", value.ArrayValue.Values.Select(Text)) + "]",
        AnyValue.ValueOneofCase.KvlistValue => "{" + string.Join(", ", value.KvlistValue.Values.Select(kv => $"{kv.Key}: {(kv.Value is null ? "" : Text(kv.Value))}")) + "}",
        AnyValue.ValueOneofCase.BytesValue => Convert.ToBase64String(value.BytesValue.Span),
        _ => "",
    };

    public static string Hex(ByteString bytes) => Convert.ToHexStringLower(bytes.Span);

    private static DateTime Time(ulong unixNanos) => DateTime.UnixEpoch.AddTicks((long)(unixNanos / 100));

    private static string KindName(Span.Types.SpanKind kind) => kind switch
    {
        Span.Types.SpanKind.Server => "server",
        Span.Types.SpanKind.Client => "client",
        Span.Types.SpanKind.Producer => "producer",
        Span.Types.SpanKind.Consumer => "consumer",
        _ => "internal",
    };

    /// <summary>Severity ranges from the OTLP log data model; the text wins when the number is missing.</summary>
    public static string LevelName(int severityNumber, string? severityText) => severityNumber switch
    {
        >= 21 => "Critical",
        >= 17 => "Error",
        >= 13 => "Warning",
        >= 9 => "Information",
        >= 5 => "Debug",
        >= 1 => "Trace",
        _ => string.IsNullOrEmpty(severityText) ? "Unspecified" : severityText,
    };
}
