using System.Diagnostics;
using Npgsql;

namespace Mesh.ServiceDefaults.Data;

/// <summary>
/// Start-up work against the database (the schema), tried again while the failure is transient — the server busy or
/// still starting, a timeout while the first connection loads the server's types — for up to <see cref="Budget"/>.
/// Without it a service on a loaded machine exited at its first slow answer — seen as exit code 134 with the stack in
/// <c>NpgsqlDataSource.Bootstrap</c>'s type loading (the exception's own line was not kept; a read timeout is the likely
/// one) — and nothing starts it again under <c>./mesh up</c>.
/// </summary>
public static class StartupRetry
{
    public static readonly TimeSpan Budget = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan LastDelay = TimeSpan.FromSeconds(15);

    public static async Task RunAsync(string what, Func<Task> work, CancellationToken cancellationToken, TimeSpan? firstDelay = null)
    {
        var delay = firstDelay ?? TimeSpan.FromSeconds(1);
        var clock = Stopwatch.StartNew();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await work();
                return;
            }
            catch (Exception ex) when (IsTransient(ex) && clock.Elapsed + delay < Budget && !cancellationToken.IsCancellationRequested)
            {
                // Before logging is wired to anything a person reads, the console is: the dashboard and `./mesh up`'s
                // exit report show it.
                await Console.Error.WriteLineAsync(
                    $"{what}: attempt {attempt} failed ({ex.GetType().Name}: {ex.Message}{(ex.InnerException is { } inner ? $" — {inner.Message}" : "")}); trying again in {delay.TotalSeconds:0.#} s");
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, LastDelay.Ticks));
            }
        }
    }

    /// <summary>A failure that may pass by itself: Npgsql's own verdict (I/O, timeouts, a server starting up), or a bare timeout.</summary>
    public static bool IsTransient(Exception ex) => ex is NpgsqlException { IsTransient: true } or TimeoutException;
}
