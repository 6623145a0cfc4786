using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Mesh.Hosting.Local;

public static class SlowStartReportExtensions
{
    /// <summary>
    /// Once, <paramref name="after"/> the app host started, prints each resource that is not yet running and healthy:
    /// its state, its health and its last console lines — "Waiting for resource 'bookingdb'…" for one that never
    /// started, a failing health check for one that did. The exit report covers the ones that ended.
    /// </summary>
    public static IDistributedApplicationBuilder PrintSlowStarts(this IDistributedApplicationBuilder builder, TimeSpan after, TextWriter? output = null, int lastLines = 8)
    {
        if (!builder.ExecutionContext.IsRunMode) return builder;
        builder.Services.AddHostedService(sp => new SlowStartReport(
            sp.GetRequiredService<ResourceNotificationService>(), sp.GetRequiredService<ResourceLoggerService>(),
            after, output ?? Console.Out, lastLines));
        return builder;
    }
}

internal sealed class SlowStartReport(
    ResourceNotificationService notifications, ResourceLoggerService logs, TimeSpan after, TextWriter output, int lastLines)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var latest = new Dictionary<string, ResourceEvent>(StringComparer.Ordinal);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        deadline.CancelAfter(after);
        try
        {
            await foreach (var e in notifications.WatchAsync(deadline.Token))
                latest[e.ResourceId] = e;
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested) { }
        catch (OperationCanceledException) { return; }

        foreach (var (id, e) in latest.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var state = e.Snapshot.State?.Text;
            var ready = state == KnownResourceStates.Running && e.Snapshot.HealthStatus is null or HealthStatus.Healthy;
            var ended = state is not null && KnownResourceStates.TerminalStates.Contains(state);
            if (ready || ended || e.Snapshot.IsHidden) continue; // hidden: Aspire's own helpers (a project's rebuilder)
            var tail = await ResourceLogTail.ReadAsync(logs, id, lastLines, stoppingToken);
            // Each failing health check with its reason: "unhealthy" alone does not say whether the service answered.
            var failing = e.Snapshot.HealthReports.Where(r => r.Status is not null and not HealthStatus.Healthy)
                .Select(r => $"{r.Name}: {r.Description ?? r.ExceptionText?.Split('\n', 2)[0] ?? r.Status.ToString()}").ToList();
            var lines = new List<string>
            {
                $"  {e.Resource.Name,-12} not ready after {after.TotalMinutes:0.#} min: {state ?? "no state"}, health {e.Snapshot.HealthStatus?.ToString() ?? "unknown"}" +
                (failing.Count > 0 ? $" ({string.Join("; ", failing)})" : "") + (tail.Count > 0 ? "; its last lines:" : ""),
            };
            lines.AddRange(tail.Select(l => $"    | {l}"));
            lock (output) foreach (var line in lines) output.WriteLine(line);
        }
    }
}
