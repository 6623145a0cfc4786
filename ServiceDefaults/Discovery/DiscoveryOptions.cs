namespace Mesh.ServiceDefaults.Discovery;

/// <summary>How logical service names become endpoints. Bound from <c>Mesh:Discovery</c>.</summary>
public sealed class DiscoveryOptions
{
    public const string SectionName = "Mesh:Discovery";

    /// <summary>How often DNS names are resolved again (new pods appear, old ones go). Also re-resolved on a connect failure.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Re-resolutions triggered by failures are at least this far apart.</summary>
    public TimeSpan MinRefreshSpacing { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The gRPC port used when a service has no configured endpoint and is found by its DNS name alone.</summary>
    public int DefaultGrpcPort { get; set; } = Hosting.ServiceEndpoints.DefaultGrpcPort;
}
