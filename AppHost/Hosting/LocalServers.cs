using Mesh.Servers;
using Mesh.Servers.Processes;

namespace Mesh.Hosting.Local;

/// <summary>What the local server resources share: where their data lives, how they run as their own user.</summary>
internal static class LocalServers
{
    /// <summary>Configuration key for the data root; default <c>.mesh/data</c> next to the app host's folder.</summary>
    public const string DataKey = "Mesh:Data";

    public static string DataRoot(IDistributedApplicationBuilder builder) =>
        Path.GetFullPath(builder.Configuration[DataKey] is { Length: > 0 } configured
            ? configured
            : Path.Combine(builder.AppHostDirectory, "..", ".mesh", "data"));

    /// <summary>
    /// A small shell that runs the server as a child and turns the orchestrator's SIGTERM into the server's own
    /// fast-stop signal (PostgreSQL: SIGINT, "fast shutdown": roll back, disconnect clients, exit). When the server has
    /// exited, whatever pid it left in <c>$MESH_PIDFILE</c> (RabbitMQ's Erlang VM) is ended as well.
    /// </summary>
    public const string StopWrapper = """
        "$@" &
        child=$!
        trap 'kill -s "${MESH_STOP_SIGNAL:-TERM}" "$child" 2>/dev/null' INT TERM
        wait "$child"; rc=$?
        while kill -0 "$child" 2>/dev/null; do wait "$child"; rc=$?; done
        if [ -n "$MESH_PIDFILE" ] && [ -f "$MESH_PIDFILE" ]; then
          left=$(cat "$MESH_PIDFILE" 2>/dev/null)
          if [ -n "$left" ] && kill -0 "$left" 2>/dev/null; then
            kill -TERM "$left" 2>/dev/null; i=0
            while kill -0 "$left" 2>/dev/null && [ $i -lt 40 ]; do sleep 0.1; i=$((i+1)); done
            kill -KILL "$left" 2>/dev/null
          fi
        fi
        exit $rc
        """;

    /// <summary>Command-line for <c>/bin/sh</c>: the wrapper, then setpriv (as <paramref name="user"/> when root), then the server.</summary>
    public static string[] WrappedCommand(string? user, string binary)
    {
        var args = new List<string> { "-c", StopWrapper, "mesh-server" };
        if (user is not null && Posix.IsRoot)
            args.AddRange(["setpriv", $"--reuid={user}", $"--regid={user}", "--init-groups", "--"]);
        args.Add(binary);
        return [.. args];
    }

    public static int FreePort() => LoopbackPorts.GetFree();
}
