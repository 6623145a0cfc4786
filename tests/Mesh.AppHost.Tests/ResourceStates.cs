using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Mesh.AppHost.Tests;

/// <summary>
/// Start-up waits with a bound that, when it passes, say what the app model knew of every resource: a "task was
/// canceled" after ten minutes tells nobody which server never became healthy, or why.
/// </summary>
internal static class ResourceStates
{
    /// <summary>Runs <paramref name="wait"/>; past <paramref name="bound"/>, fails naming <paramref name="what"/> and each resource's state.</summary>
    public static async Task WithinAsync(DistributedApplication app, TimeSpan bound, string what, Func<CancellationToken, Task> wait, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(bound);
        try
        {
            await wait(cts.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"{what} did not happen within {bound}. The app model says: {Describe(app)}");
        }
    }

    /// <summary>One entry per resource: state, health, exit code, and each unhealthy check's reason.</summary>
    public static string Describe(DistributedApplication app)
    {
        var model = app.Services.GetRequiredService<DistributedApplicationModel>();
        var lines = new List<string>();
        foreach (var id in model.Resources.Select(r => r.Name))
        {
            // By name: a resource with replicas has no single state, and says so.
            if (!app.ResourceNotifications.TryGetCurrentState(id, out var e))
            {
                lines.Add($"{id}: no single state");
                continue;
            }
            var s = e.Snapshot;
            var failing = s.HealthReports.Where(r => r.Status is not null and not HealthStatus.Healthy)
                .Select(r => $"{r.Name} {r.Status}{(r.Description is { Length: > 0 } d ? $" ({d})" : "")}{(r.ExceptionText is { Length: > 0 } x ? $" [{x.Split('\n')[0]}]" : "")}");
            lines.Add($"{id}: {s.State?.Text ?? "?"}, health {s.HealthStatus?.ToString() ?? "none"}" +
                      (s.ExitCode is { } code ? $", exit code {code}" : "") +
                      (failing.Any() ? $", failing: {string.Join(", ", failing)}" : ""));
        }
        return string.Join("; ", lines);
    }
}
