using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Context.Propagation;

namespace Mesh.ServiceDefaults.Telemetry;

/// <summary>W3C trace context in gRPC metadata (gRPC metadata keys are lower-case, like the W3C header names).</summary>
public static class GrpcMetadataPropagation
{
    /// <summary>A copy of <paramref name="headers"/> (or new metadata) carrying <paramref name="activity"/>'s context.</summary>
    public static Metadata Inject(Activity activity, Metadata? headers)
    {
        var copy = new Metadata();
        if (headers is not null)
            foreach (var entry in headers)
                if (entry.Key is not "traceparent" and not "tracestate" and not "baggage") copy.Add(entry);
        MeshTelemetry.Propagator.Inject(new PropagationContext(activity.Context, Baggage.Current), copy,
            static (carrier, key, value) => carrier.Add(key, value));
        return copy;
    }

    /// <summary>The caller's trace context from incoming metadata (default when there is none).</summary>
    public static PropagationContext Extract(Metadata headers) =>
        MeshTelemetry.Propagator.Extract(default, headers, static (carrier, key) =>
            carrier.GetValue(key) is { } value ? [value] : []);
}
