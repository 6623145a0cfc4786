using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Mesh.Hosting.Local;

public static class ExitReportExtensions
{
    /// <summary>
    /// Prints a line when a resource's process ends while the app host runs — a service that crashed at start, a server
    /// that stopped — with the exit code and, when it did not end cleanly, its last console lines. Without it a person
    /// running <c>./mesh up</c> sees only that a service's endpoints never appear; the reason is in the dashboard's
    /// console view, which a terminal (or CI's log) does not show.
    /// </summary>
    public static IDistributedApplicationBuilder PrintResourceExits(this IDistributedApplicationBuilder builder, TextWriter? output = null, int lastLines = 15)
    {
        if (!builder.ExecutionContext.IsRunMode) return builder;
        builder.Services.AddHostedService(sp => new ExitReport(
            sp.GetRequiredService<ResourceNotificationService>(), sp.GetRequiredService<ResourceLoggerService>(),
            sp.GetRequiredService<IHostApplicationLifetime>(), output ?? Console.Out, lastLines));
        return builder;
    }
}

/// <summary>Watches every resource's state; on a move into an ended state, prints who ended, how, and its last lines.</summary>
internal sealed class ExitReport(
    ResourceNotificationService notifications, ResourceLoggerService logs, IHostApplicationLifetime lifetime, TextWriter output, int lastLines)
    : BackgroundService
{
    private static readonly HashSet<string> Ended = [KnownResourceStates.Exited, KnownResourceStates.FailedToStart, KnownResourceStates.Finished];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var previous = new Dictionary<string, string?>(StringComparer.Ordinal);
        try
        {
            await foreach (var e in notifications.WatchAsync(stoppingToken))
            {
                var state = e.Snapshot.State?.Text;
                var had = previous.TryGetValue(e.ResourceId, out var before);
                previous[e.ResourceId] = state;
                // Only a move into an ended state from a live one; the stop of the whole app is not news.
                if (state is null || !Ended.Contains(state) || !had || before is null || Ended.Contains(before) || e.Snapshot.IsHidden) continue;
                if (lifetime.ApplicationStopping.IsCancellationRequested) continue;
                await ReportAsync(e, state, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
    }

    private async Task ReportAsync(ResourceEvent e, string state, CancellationToken ct)
    {
        var code = e.Snapshot.ExitCode;
        // A replica's instance id says which one; a single instance's is the resource's name plus a suffix, said once.
        var instance = e.Resource.TryGetLastAnnotation<ReplicaAnnotation>(out var replicas) && replicas.Replicas > 1 ? $" ({e.ResourceId})" : "";
        var lines = new List<string> { $"  {e.Resource.Name,-12} {(state == KnownResourceStates.FailedToStart ? "failed to start" : "exited")}{instance}{(code is { } c ? $" with exit code {c}" : "")}" };
        // A clean exit (a Stop pressed in the dashboard, a one-shot that finished) needs no log; anything else does.
        if (code is not 0)
        {
            var tail = await ResourceLogTail.ReadAsync(logs, e.ResourceId, lastLines, ct);
            lines[0] += tail.Count > 0 ? "; its last lines:" : "; it wrote nothing";
            lines.AddRange(tail.Select(l => $"    | {l}"));
        }
        lock (output) foreach (var line in lines) output.WriteLine(line);
    }
}
