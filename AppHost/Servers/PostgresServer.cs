using Mesh.Servers.Processes;
using Npgsql;

namespace Mesh.Servers;

/// <summary>Where and how to run PostgreSQL.</summary>
public sealed record PostgresOptions
{
    /// <summary>The cluster's data directory; created (initdb) when empty.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>0 = a free port.</summary>
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
        var user = Posix.IsRoot ? "postgres" : null;
        var port = options.Port == 0 ? LoopbackPorts.GetFree() : options.Port;

        // Ownership is ensured on every start: a persistent directory may have been copied or restored.
        DataDirectories.CreateOwnedBy(options.DataDirectory, user);
        if (!File.Exists(Path.Combine(options.DataDirectory, "PG_VERSION")))
        {
            await ServerReadiness.RunToCompletionAsync(new ChildProcessSpec(Name, Path.Combine(bin, "initdb"),
                ["-D", options.DataDirectory, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"])
            { RunAsUser = user, LogFile = options.LogFile }, TimeSpan.FromSeconds(120), ct);
        }

        var args = new List<string>
        {
            "-D", options.DataDirectory, "-p", port.ToString(),
            "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=",
            "-c", "max_connections=300", "-c", "logging_collector=off",
        };
        if (options.Ephemeral)
            args.AddRange(["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]);

        // SIGINT is PostgreSQL's "fast shutdown": roll back open transactions, exit cleanly.
        var process = ChildProcess.Start(new ChildProcessSpec(Name, Path.Combine(bin, "postgres"), args)
        {
            RunAsUser = user, LogFile = options.LogFile, StopSignal = Posix.SIGINT,
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
            throw;
        }
        return server;
    }

    /// <summary>Creates a database if it does not exist yet.</summary>
    public async Task CreateDatabaseAsync(string database, CancellationToken ct = default)
    {
        if (!IsSafeIdentifier(database))
            throw new ArgumentException($"Database name '{database}' must be lower-case letters, digits and '_' (≤ 63).", nameof(database));
        await using var conn = new NpgsqlConnection(ConnectionString);
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

    private async Task<bool> ProbeAsync(CancellationToken ct)
    {
        // Pooling off: a probe must not leave idle connections behind.
        var cs = new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false, Timeout = 3 }.ConnectionString;
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand("SELECT 1", conn);
        return await cmd.ExecuteScalarAsync(ct) is 1;
    }

    private static string FindBinDirectory()
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
