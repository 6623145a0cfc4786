using System.Diagnostics;
using System.Diagnostics.Metrics;
using OpenTelemetry.Context.Propagation;

namespace Mesh.ServiceDefaults.Telemetry;

/// <summary>
/// The ActivitySources and instruments Mesh emits itself, with OpenTelemetry's rpc.* and messaging.* semantic
/// convention names. No instrumentation packages exist here, so the gRPC spans are ours; ASP.NET Core,
/// HttpClient and Npgsql emit theirs through their built-in sources, which <see cref="TracingSources"/> lists.
/// </summary>
public static class MeshTelemetry
{
    public const string GrpcSourceName = "Mesh.Grpc";
    public const string MessagingSourceName = "Mesh.Messaging";

    public static readonly ActivitySource GrpcSource = new(GrpcSourceName);
    public static readonly ActivitySource MessagingSource = new(MessagingSourceName);
    public static readonly Meter GrpcMeter = new(GrpcSourceName);

    /// <summary>Duration of gRPC calls served, in milliseconds (semconv rpc.server.duration).</summary>
    public static readonly Histogram<double> ServerDuration =
        GrpcMeter.CreateHistogram<double>("rpc.server.duration", "ms", "Duration of inbound RPCs.");

    /// <summary>Duration of gRPC calls made, in milliseconds (semconv rpc.client.duration).</summary>
    public static readonly Histogram<double> ClientDuration =
        GrpcMeter.CreateHistogram<double>("rpc.client.duration", "ms", "Duration of outbound RPCs.");

    /// <summary>W3C traceparent/tracestate plus baggage: what goes into gRPC metadata and message headers.</summary>
    public static readonly TextMapPropagator Propagator =
        new CompositeTextMapPropagator([new TraceContextPropagator(), new BaggagePropagator()]);

    /// <summary>Every source a service's traces are built from.</summary>
    public static readonly string[] TracingSources =
    [
        GrpcSourceName, MessagingSourceName,
        "Microsoft.AspNetCore",             // incoming HTTP requests (Kestrel hosting)
        "System.Net.Http",                  // outgoing HTTP requests (the gRPC client's HTTP/2 exchanges too)
        "Npgsql",                           // PostgreSQL commands
        "RabbitMQ.Client.Publisher", "RabbitMQ.Client.Subscriber",
    ];

    /// <summary>Every meter a service's metrics are built from (runtime and process ones are built into .NET).</summary>
    public static readonly string[] Meters =
    [
        GrpcSourceName,
        "Mesh.*",                           // every service's own meters (e.g. Mesh.Catalog's cache hit ratio)
        "System.Runtime",                   // GC, thread pool, exceptions, process CPU and memory (dotnet.process.*)
        "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel",
        "System.Net.Http", "Npgsql",
    ];

    /// <summary>Splits "/package.Service/Method" into its parts (as rpc.service and rpc.method want them).</summary>
    internal static (string Service, string Method) SplitMethod(string fullName)
    {
        var slash = fullName.LastIndexOf('/');
        return slash <= 0 ? (fullName.TrimStart('/'), "") : (fullName[1..slash], fullName[(slash + 1)..]);
    }

    internal static TagList RpcTags(string service, string method, StatusCode status) => new()
    {
        { "rpc.system", "grpc" },
        { "rpc.service", service },
        { "rpc.method", method },
        { "rpc.grpc.status_code", (int)status },
    };
}
