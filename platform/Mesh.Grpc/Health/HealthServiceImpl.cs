using Grpc.Health.V1;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Mesh.Grpc.Health;

/// <summary>
/// grpc.health.v1.Health as gRPC's health-checking.md describes it: statuses are set by the
/// application per service name, "" being the server as a whole. Check answers NOT_FOUND for a name
/// never set; Watch streams the current status at once (SERVICE_UNKNOWN if none) and then every
/// change, until the caller cancels. Safe to call from any thread.
/// </summary>
public class HealthServiceImpl : global::Grpc.Health.V1.Health.HealthBase
{
    private readonly HealthStatusStore _store = new();

    /// <summary>Sets the status of <paramref name="service"/> ("" for the whole server); watchers are told.</summary>
    public void SetStatus(string service, ServingStatus status)
    {
        ArgumentNullException.ThrowIfNull(service);
        _store.Set(service, status);
    }

    /// <summary>Forgets <paramref name="service"/>: Check answers NOT_FOUND, watchers see SERVICE_UNKNOWN.</summary>
    public void ClearStatus(string service)
    {
        ArgumentNullException.ThrowIfNull(service);
        _store.Clear(service);
    }

    /// <summary>Forgets every service (for example while shutting down).</summary>
    public void ClearAll() => _store.ClearAll();

    public override Task<HealthCheckResponse> Check(HealthCheckRequest request, ServerCallContext context)
    {
        if (!_store.TryGet(request.Service, out var status))
            throw new RpcException(new Status(StatusCode.NotFound, $"unknown service '{request.Service}'"));
        return Task.FromResult(new HealthCheckResponse { Status = status });
    }

    public override async Task Watch(HealthCheckRequest request, IServerStreamWriter<HealthCheckResponse> responseStream, ServerCallContext context)
    {
        using var subscription = _store.Watch(request.Service);
        var cancellation = context.CancellationToken;
        try
        {
            while (await subscription.Changes.WaitToReadAsync(cancellation).ConfigureAwait(false))
            {
                while (subscription.Changes.TryRead(out var status))
                    await responseStream.WriteAsync(new HealthCheckResponse { Status = status }).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // The caller went away or the server is stopping: a watch has no other way to end.
        }
    }
}
