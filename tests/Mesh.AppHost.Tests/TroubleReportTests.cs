using Mesh.Hosting.Local;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Mesh.AppHost.Tests;

/// <summary>
/// What `./mesh up` prints when a resource goes wrong (PrintResourceExits, PrintSlowStarts): a process that exits says
/// so with its exit code and its last console lines; one still not healthy at the report's time says its state, the
/// failing check's reason and its last lines. A small app model of its own: one process that fails at once, one that
/// runs but never passes its health check, one that is healthy.
/// </summary>
public sealed class TroubleReportTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_process_that_exits_and_one_never_healthy_are_reported_with_their_last_lines_and_a_healthy_one_is_not()
    {
        var output = new StringWriter();
        var builder = DistributedApplicationTestingBuilder.Create();
        var directory = Path.GetTempPath();
        builder.AddExecutable("crasher", "/bin/sh", directory, "-c", "echo 'loading settings'; echo 'settings file is missing' >&2; exit 3");
        builder.Services.AddHealthChecks().AddCheck("never", () => HealthCheckResult.Unhealthy("the port never answers"));
        builder.AddExecutable("stuck", "/bin/sh", directory, "-c", "echo 'waiting for a port'; exec sleep 600").WithHealthCheck("never");
        builder.AddExecutable("fine", "/bin/sh", directory, "-c", "echo 'all good'; exec sleep 600");
        builder.PrintResourceExits(output);
        builder.PrintSlowStarts(after: TimeSpan.FromSeconds(20), output);

        await using var app = await builder.BuildAsync(Ct);
        await app.StartAsync(Ct);
        // A hang guard, not a timing assertion: the slow-start report goes out 20 s after the start.
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        bound.CancelAfter(TimeSpan.FromMinutes(3));
        string text;
        while (!(text = Read(output)).Contains("  stuck", StringComparison.Ordinal) || !text.Contains("  crasher", StringComparison.Ordinal))
            await Task.Delay(200, bound.Token);
        await Task.Delay(TimeSpan.FromSeconds(1), Ct); // the report's other lines, written under the same lock
        var lines = Read(output).Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

        var crasher = Array.FindIndex(lines, l => l.StartsWith("crasher ", StringComparison.Ordinal));
        Assert.Matches(@"^crasher +exited with exit code 3; its last lines:$", lines[crasher]);
        Assert.Contains(lines.Skip(crasher + 1).TakeWhile(l => l.StartsWith('|')), l => l.EndsWith("settings file is missing", StringComparison.Ordinal));

        var stuck = Array.FindIndex(lines, l => l.StartsWith("stuck ", StringComparison.Ordinal));
        Assert.Matches(@"^stuck +not ready after 0\.3 min: Running, health Unhealthy \(never: the port never answers\); its last lines:$", lines[stuck]);
        Assert.Contains(lines.Skip(stuck + 1).TakeWhile(l => l.StartsWith('|')), l => l.EndsWith("waiting for a port", StringComparison.Ordinal));

        // Neither report names what is running and healthy, nor reports the crasher twice (it is not "slow", it ended).
        Assert.DoesNotContain(lines, l => l.StartsWith("fine ", StringComparison.Ordinal));
        Assert.Single(lines, l => l.StartsWith("crasher ", StringComparison.Ordinal));
        await app.StopAsync(Ct);
    }

    private static string Read(StringWriter output)
    {
        lock (output) return output.ToString();
    }
}
