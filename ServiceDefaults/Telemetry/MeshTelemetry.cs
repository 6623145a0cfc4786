using System.Diagnostics;
using OpenTelemetry.Context.Propagation;

namespace Mesh.ServiceDefaults.Telemetry;

/// <summary>
/// What Mesh emits itself: the messaging spans of the outbox relay and the inbox consumers (no package instruments
/// them), and the meters every service may add under "Mesh.*". gRPC, ASP.NET Core, HttpClient, Npgsql and Redis are
/// traced by their OpenTelemetry instrumentations (<see cref="TelemetryExtensions"/>).
/// </summary>
public static class MeshTelemetry
{
    public const string MessagingSourceName = "Mesh.Messaging";

    public static readonly ActivitySource MessagingSource = new(MessagingSourceName);

    /// <summary>W3C traceparent/tracestate plus baggage: what goes into message headers.</summary>
    public static readonly TextMapPropagator Propagator =
        new CompositeTextMapPropagator([new TraceContextPropagator(), new BaggagePropagator()]);

    /// <summary>Sources besides the instrumentations: our messaging spans and RabbitMQ.Client's own.</summary>
    public static readonly string[] TracingSources =
    [
        MessagingSourceName,
        "RabbitMQ.Client.Publisher", "RabbitMQ.Client.Subscriber",
    ];

    /// <summary>Meters besides the instrumentations: every service's own (e.g. Mesh.Catalog's cache hit ratio) and gRPC's.</summary>
    public static readonly string[] Meters =
    [
        "Mesh.*",
        "Grpc.AspNetCore.Server", "Grpc.Net.Client",   // grpc.server.* / grpc.client.* call counts and durations
        "Microsoft.AspNetCore.Server.Kestrel",
    ];
}
