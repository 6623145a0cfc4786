using Mesh.Gateway.Transcoding;
using Mesh.ServiceDefaults.Discovery;

namespace Mesh.Gateway;

/// <summary>
/// Backends reached through ServiceDefaults: endpoints discovered from <c>services__{name}__grpc__N</c> (or DNS),
/// round-robin with ejection, deadlines, idempotent-only retries, breakers and telemetry — all from the channel
/// ServiceDefaults keeps per logical name.
/// </summary>
public sealed class BackendInvokers(ServiceChannels channels) : IBackendInvokers
{
    public CallInvoker Get(string backend) => channels.Get(backend).Invoker;
}
