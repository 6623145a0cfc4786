namespace Mesh.Feed.Sections;

/// <summary>
/// How the feed asks another service: with <see cref="FeedOptions.UpstreamDeadline"/> (gRPC deadlines are wall-clock
/// instants, so the real clock) and, for personal sections, the caller's own token; a failure or a late answer is
/// logged and becomes null — the section is left out, the feed still answers.
/// </summary>
public sealed class Upstream(FeedOptions options, ILogger<Upstream> logger)
{
    public CallOptions Options(string? authorization, CancellationToken cancellationToken) => new(
        headers: authorization is null ? null : new Metadata { { "authorization", authorization } },
        deadline: DateTime.UtcNow + options.UpstreamDeadline, cancellationToken: cancellationToken);

    public async Task<T?> TryAsync<T>(string what, Func<Task<T>> call, CancellationToken cancellationToken) where T : class
    {
        try
        {
            return await call();
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Feed upstream {What} failed: {Error}", what, e is RpcException r ? $"{r.StatusCode} {r.Status.Detail}" : e.Message);
            return null;
        }
    }
}
