using System.IO.Compression;
using Google.Protobuf;
using Mesh.Hosting.Dashboard.Otlp.Wire;
using Mesh.Hosting.Dashboard.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Mesh.Hosting.Dashboard.Otlp;

/// <summary>
/// OTLP/HTTP with binary protobuf bodies (the OTLP specification's /v1/traces, /v1/metrics, /v1/logs).
/// Cheap on purpose: read the body (bounded), parse, append to bounded stores, answer — no queue behind it
/// can grow, and an exporter is never kept waiting on the UI.
/// </summary>
public sealed class OtlpReceiver(TelemetryStore store, DashboardOptions options)
{
    private const string Protobuf = "application/x-protobuf";

    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapPost("/v1/traces", context => HandleAsync(context, ExportTraceServiceRequest.Parser, request =>
        {
            store.Spans.AddRange(OtlpMapping.Spans(request));
            return new ExportTraceServiceResponse();
        }));
        routes.MapPost("/v1/logs", context => HandleAsync(context, ExportLogsServiceRequest.Parser, request =>
        {
            store.Logs.AddRange(OtlpMapping.Logs(request));
            return new ExportLogsServiceResponse();
        }));
        routes.MapPost("/v1/metrics", context => HandleAsync(context, ExportMetricsServiceRequest.Parser, request =>
        {
            foreach (var point in OtlpMapping.Metrics(request)) store.Metrics.Record(point);
            return new ExportMetricsServiceResponse();
        }));
    }

    private async Task HandleAsync<TRequest>(HttpContext context, MessageParser<TRequest> parser, Func<TRequest, IMessage> accept)
        where TRequest : IMessage<TRequest>
    {
        var contentType = context.Request.ContentType ?? "";
        if (!contentType.StartsWith(Protobuf, StringComparison.OrdinalIgnoreCase))
        {
            // OTLP/JSON is not supported: the mesh's exporters are configured for http/protobuf.
            context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return;
        }
        if (context.Request.ContentLength > options.MaxOtlpRequestBytes)
        {
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            return;
        }

        byte[] body;
        try
        {
            body = await ReadBodyAsync(context.Request, context.RequestAborted);
        }
        catch (InvalidDataException)
        {
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            return;
        }

        TRequest request;
        try
        {
            request = parser.ParseFrom(body);
        }
        catch (InvalidProtocolBufferException)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        var response = accept(request);
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = Protobuf;
        await context.Response.Body.WriteAsync(response.ToByteArray(), context.RequestAborted);
    }

    /// <summary>The body, gunzipped when the exporter compressed it, never more than the configured limit.</summary>
    private async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        var source = request.Body;
        if (string.Equals(request.Headers.ContentEncoding, "gzip", StringComparison.OrdinalIgnoreCase))
            source = new GZipStream(source, CompressionMode.Decompress);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await source.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > options.MaxOtlpRequestBytes) throw new InvalidDataException("OTLP request too large");
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}
