using Mesh.Servers.Processes;

namespace Mesh.Servers;

/// <summary>
/// Starts a server on ports picked free a moment before the server binds them. In between, another process — a test
/// assembly running in parallel, say — can take one, and the server fails to bind it. When that happens to a picked
/// port the attempt is thrown away and the server started again on fresh ports, a bounded number of times. A port the
/// caller configured is never swapped for another: its being in use fails at once, naming it.
/// </summary>
internal static class PortRetry
{
    public const int MaxAttempts = 5;

    /// <param name="server">The server's name, for messages.</param>
    /// <param name="logFile">The server's log file: each retry is noted there (and on stderr) with the port that was taken.</param>
    /// <param name="attempt">
    /// Starts the server on ports taken from the given <see cref="AttemptPorts"/>; on failure it stops whatever it
    /// started and throws a <see cref="ServerStartException"/>.
    /// </param>
    /// <param name="discard">Removes what a failed attempt left that would get in the next one's way; null if nothing.</param>
    public static async Task<T> StartAsync<T>(string server, string? logFile, Func<AttemptPorts, Task<T>> attempt,
                                              Action? discard, CancellationToken ct)
    {
        var history = new List<string>();
        for (var n = 1; ; n++)
        {
            var ports = new AttemptPorts();
            try
            {
                return await attempt(ports);
            }
            catch (ServerStartException ex) when (!ct.IsCancellationRequested)
            {
                // The attempt's own processes are gone, so a port that cannot be bound now is held by someone else:
                // the surest evidence. The server's own words are the fallback, for a squatter that has left since.
                var held = ports.All.Where(p => !LoopbackPorts.IsFree(p.Port)).ToArray();
                if (held.Length == 0 && !BindFailures.IsIn(ex)) throw;
                var taken = held.Length > 0 ? held : BindFailures.Named(ex, ports.All);
                var configured = (taken.Count > 0 ? taken : ports.All).Where(p => !p.Picked).ToArray();
                if (configured.Length > 0 && (taken.Any(p => !p.Picked) || ports.All.All(p => !p.Picked)))
                    throw new ServerStartException(server,
                        $"port {string.Join(", ", configured.Select(p => p.ToString()))} is already in use; it was configured, so it is not replaced by a free one",
                        ex.LogTail);

                var which = taken.Count > 0
                    ? $"port {string.Join(", ", taken.Select(p => p.ToString()))} was"
                    : $"one of ports {string.Join(", ", ports.All.Where(p => p.Picked).Select(p => p.ToString()))} was";
                history.Add($"attempt {n}: {which} taken");
                if (n == MaxAttempts)
                    throw new ServerStartException(server,
                        $"another process took a port picked for it before it could bind it, {MaxAttempts} times in a row ({string.Join("; ", history)})",
                        ex.LogTail);

                discard?.Invoke();
                Notice(logFile, $"[mesh] {server}: {which} taken by another process before {server} could bind it; " +
                                $"starting again on fresh ports (attempt {n + 1} of {MaxAttempts})");
            }
        }
    }

    private static void Notice(string? logFile, string line)
    {
        Console.Error.WriteLine(line);
        if (logFile is null) return;
        try { File.AppendAllText(logFile, line + Environment.NewLine); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { } // stderr has it
    }
}
