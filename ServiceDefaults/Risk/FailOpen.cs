using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Mesh.ServiceDefaults.Risk;

/// <summary>
/// An advisory call (a risk check) that must never stop the action it advises on: any failure — the deadline passed,
/// the service down, the circuit open, an error — returns null and logs why at warning level, and the caller goes on
/// as if the answer were "allow" (fail open, docs/decisions/0014). Only the caller's own cancellation propagates.
/// </summary>
public static class FailOpen
{
    public static async Task<T?> CallAsync<T>(Func<CancellationToken, Task<T>> call, ILogger logger, string what, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            return await call(cancellationToken);
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Fail open: {What} got no answer ({Status}: {Detail}); the action goes ahead unchecked", what, e.StatusCode, e.Status.Detail);
            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(e, "Fail open: {What} failed; the action goes ahead unchecked", what);
            return null;
        }
    }
}
