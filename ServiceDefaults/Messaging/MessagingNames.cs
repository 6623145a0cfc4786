using System.Diagnostics;

namespace Mesh.ServiceDefaults.Messaging;

/// <summary>Names shared by the outbox relay and consumers.</summary>
public static class MessagingNames
{
    /// <summary>The topic exchange domain events go to; routing key = message type (e.g. "payment.succeeded").</summary>
    public const string DefaultExchange = "mesh.events";

    /// <summary>Header counting deliveries of a message through the retry queue.</summary>
    public const string AttemptHeader = "x-mesh-attempt";

    /// <summary>Header with the last error of a dead-lettered message.</summary>
    public const string ErrorHeader = "x-mesh-error";

    internal static readonly ActivitySource ActivitySource = Telemetry.MeshTelemetry.MessagingSource;
}
