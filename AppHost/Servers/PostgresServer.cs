using Mesh.Servers.Processes;
using Npgsql;

namespace Mesh.Servers;

/// <summary>Where and how to run PostgreSQL.</summary>
public sealed record PostgresOptions
{
    /// <summary>The cluster's data directory; created (initdb) when empty.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>0 = a free port (replaced by another if someone takes it first); otherwise exactly this one.</summary>
    public int Port { get; init; }

    /// <summary>Throw-away data (tests): fsync and friends off, which is much faster and safe to lose.</summary>
    public bool Ephemeral { get; init; }

    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);
    public string? LogFile { get; init; }
}

/// <summary>
/// A real PostgreSQL server as a child process on 127.0.0.1, running as the postgres user (it refuses
/// to run as root). Connects over TCP only: unix sockets are off, so paths never get too long.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private const string Name = "postgres";
    private readonly ChildProcess _process;

    private PostgresServer(ChildProcess process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }
    public int Pid => _process.Pid;
    public ChildProcess Process => _process;

    /// <summary>Connection string to the default "postgres" database as the superuser.</summary>
    public string ConnectionString => ConnectionStringFor("postgres");

    public string ConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Port, Username = "postgres", Database = database }.ConnectionString;

    public static async Task<PostgresServer> StartAsync(PostgresOptions options, CancellationToken ct = default)
    {
        var bin = FindBinDirectory();
        // The cluster does not depend on the port, so initdb runs once, outside the retries.
        await InitializeAsync(options.DataDirectory, options.LogFile, ct);
        return await PortRetry.StartAsync(Name, options.LogFile, ports => StartOnceAsync(bin, options, ports, ct), discard: null, ct);
    }

    private static async Task<PostgresServer> StartOnceAsync(string bin, PostgresOptions options, AttemptPorts ports, CancellationToken ct)
    {
        var port = ports.Take(Name, options.Port);
        var args = ServerArguments(options.DataDirectory, port);
        if (options.Ephemeral)
            args.AddRange(["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]);

        // SIGINT is PostgreSQL's "fast shutdown": roll back open transactions, exit cleanly.
        var process = ChildProcess.Start(new ChildProcessSpec(Name, Path.Combine(bin, "postgres"), args)
        {
            RunAsUser = RunAsUser, LogFile = options.LogFile, StopSignal = Posix.SIGINT,
            // Our own libpq variables must not leak into the server.
            Environment = new Dictionary<string, string?> { ["PGDATA"] = null, ["PGPORT"] = null },
        });
        var server = new PostgresServer(process, port);
        try
        {
            await ServerReadiness.WaitAsync(process, server.ProbeAsync, options.StartTimeout, ct);
        }
        catch
        {
            await process.StopAsync(TimeSpan.FromSeconds(5));
            RemoveStaleLockFile(options.DataDirectory, process.Pid);
            throw;
        }
        return server;
    }

    /// <summary>
    /// PostgreSQL removes postmaster.pid itself when it exits, but not when it is killed (a start that timed out). A
    /// lock file naming our dead postmaster would stop the next start once that pid is reused by another process.
    /// </summary>
    private static void RemoveStaleLockFile(string dataDirectory, int pid)
    {
        var lockFile = Path.Combine(dataDirectory, "postmaster.pid");
        try
        {
            if (!Posix.IsAlive(pid) && File.Exists(lockFile) && File.ReadLines(lockFile).FirstOrDefault()?.Trim() == pid.ToString())
                File.Delete(lockFile);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: PostgreSQL also checks a lock file's pid itself.
        }
    }

    /// <summary>The user PostgreSQL runs as: postgres when we are root (it refuses to run as root), else ourselves.</summary>
    public static string? RunAsUser => Posix.IsRoot ? "postgres" : null;

    /// <summary>
    /// Creates the data directory owned by <see cref="RunAsUser"/> and runs initdb when it holds no cluster yet
    /// (superuser postgres, trust on loopback, UTF8). Ownership is ensured on every start: a persistent directory may
    /// have been copied or restored.
    /// </summary>
    public static async Task InitializeAsync(string dataDirectory, string? logFile = null, CancellationToken ct = default)
    {
        var bin = FindBinDirectory();
        DataDirectories.CreateOwnedBy(dataDirectory, RunAsUser);
        if (File.Exists(Path.Combine(dataDirectory, "PG_VERSION"))) return;
        await ServerReadiness.RunToCompletionAsync(new ChildProcessSpec(Name, Path.Combine(bin, "initdb"),
            ["-D", dataDirectory, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"])
        { RunAsUser = RunAsUser, LogFile = logFile }, TimeSpan.FromSeconds(120), ct);
    }

    /// <summary>
    /// The server's command line after the binary: loopback TCP only, no unix sockets, no log collector; statement
    /// statistics loaded (pg_stat_statements, shipped with Debian's server) so the queries a flow costs can be counted —
    /// `./mesh chaos` reads them for docs/capacity.md, and anyone can after <c>CREATE EXTENSION pg_stat_statements</c>.
    /// </summary>
    public static List<string> ServerArguments(string dataDirectory, int port) =>
    [
        "-D", dataDirectory, "-p", port.ToString(),
        "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=",
        "-c", "max_connections=300", "-c", "logging_collector=off",
        "-c", "shared_preload_libraries=pg_stat_statements",
    ];

    /// <summary>True when the server at <paramref name="connectionString"/> answers SELECT 1.</summary>
    public static async Task<bool> ProbeAsync(string connectionString, CancellationToken ct)
    {
        // Pooling off: a probe must not leave idle connections behind.
        var cs = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, Timeout = 3 }.ConnectionString;
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand("SELECT 1", conn);
        return await cmd.ExecuteScalarAsync(ct) is 1;
    }

    /// <summary>Creates a database if it does not exist yet.</summary>
    public Task CreateDatabaseAsync(string database, CancellationToken ct = default) => CreateDatabaseAsync(ConnectionString, database, ct);

    /// <summary>Creates a database on the server at <paramref name="connectionString"/> if it does not exist yet.</summary>
    public static async Task CreateDatabaseAsync(string connectionString, string database, CancellationToken ct = default)
    {
        if (!IsSafeIdentifier(database))
            throw new ArgumentException($"Database name '{database}' must be lower-case letters, digits and '_' (≤ 63).", nameof(database));
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync(ct);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", conn) { Parameters = { new() { Value = database } } };
        if (await exists.ExecuteScalarAsync(ct) is not null) return;
        // Identifiers cannot be parameters; the name is validated above.
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database}\"", conn);
        try
        {
            await create.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.DuplicateDatabase)
        {
            // Created concurrently by someone else: that is what we wanted.
        }
    }

    public static bool IsSafeIdentifier(string name) =>
        name.Length is > 0 and <= 63 && name.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '_') && name[0] is not (>= '0' and <= '9');

    private Task<bool> ProbeAsync(CancellationToken ct) => ProbeAsync(ConnectionString, ct);

    /// <summary>The newest installed PostgreSQL's bin directory, or Debian 12's when none is installed (to describe, not run).</summary>
    public static string FindBinDirectoryOrDefault()
    {
        try { return FindBinDirectory(); }
        catch (ServerStartException) { return "/usr/lib/postgresql/15/bin"; }
    }

    public static string FindBinDirectory()
    {
        const string root = "/usr/lib/postgresql";
        var bin = Directory.Exists(root)
            ? Directory.GetDirectories(root).Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "postgres")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0).FirstOrDefault()
            : null;
        return bin ?? throw new ServerStartException(Name, "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/postgres); run ./mesh up or apt-get install postgresql", "");
    }

    public Task StopAsync() => _process.StopAsync(TimeSpan.FromSeconds(15));
    public ValueTask DisposeAsync() => new(StopAsync());
}
