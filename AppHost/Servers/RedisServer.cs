using System.Net.Sockets;
using System.Text;
using Mesh.Servers.Processes;

namespace Mesh.Servers;

/// <summary>Where and how to run Redis.</summary>
public sealed record RedisOptions
{
    public required string DataDirectory { get; init; }

    /// <summary>0 = a free port (replaced by another if someone takes it first); otherwise exactly this one.</summary>
    public int Port { get; init; }

    /// <summary>Throw-away (tests): no snapshots, no append-only file. Otherwise data survives restarts.</summary>
    public bool Ephemeral { get; init; }

    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);
    public string? LogFile { get; init; }
}

/// <summary>A real Redis server as a child process on 127.0.0.1.</summary>
public sealed class RedisServer : IAsyncDisposable
{
    private const string Name = "redis";
    private readonly ChildProcess _process;

    private RedisServer(ChildProcess process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }
    public int Pid => _process.Pid;
    public ChildProcess Process => _process;

    /// <summary>StackExchange.Redis configuration string (also what Aspire injects for a Redis resource).</summary>
    public string ConnectionString => $"127.0.0.1:{Port}";

    public static async Task<RedisServer> StartAsync(RedisOptions options, CancellationToken ct = default)
    {
        const string binary = "/usr/bin/redis-server";
        if (!File.Exists(binary))
            throw new ServerStartException(Name, "redis-server is not installed; run ./mesh up or apt-get install redis-server", "");
        DataDirectories.Create(Name, options.DataDirectory);
        // Redis leaves nothing behind when it cannot bind (no pid file: it is not daemonised), so a retry needs no cleanup.
        return await PortRetry.StartAsync(Name, options.LogFile, ports => StartOnceAsync(binary, options, ports, ct), discard: null, ct);
    }

    private static async Task<RedisServer> StartOnceAsync(string binary, RedisOptions options, AttemptPorts ports, CancellationToken ct)
    {
        var port = ports.Take(Name, options.Port);
        var args = new List<string>
        {
            "--port", port.ToString(), "--bind", "127.0.0.1", "--dir", options.DataDirectory,
            "--daemonize", "no", "--logfile", "", "--protected-mode", "yes",
        };
        args.AddRange(options.Ephemeral
            ? ["--save", "", "--appendonly", "no"]
            : ["--save", "60 1", "--appendonly", "yes"]);

        var process = ChildProcess.Start(new ChildProcessSpec(Name, binary, args) { LogFile = options.LogFile });
        var server = new RedisServer(process, port);
        try
        {
            await ServerReadiness.WaitAsync(process, server.PingAsync, options.StartTimeout, ct);
        }
        catch
        {
            await process.StopAsync(TimeSpan.FromSeconds(5));
            throw;
        }
        return server;
    }

    /// <summary>Sends PING in the Redis protocol and expects +PONG.</summary>
    private Task<bool> PingAsync(CancellationToken ct) => PingAsync(Port, ct);

    /// <summary>Sends PING in the Redis protocol to 127.0.0.1:<paramref name="port"/> and expects +PONG.</summary>
    public static async Task<bool> PingAsync(int port, CancellationToken ct)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port, ct);
        var stream = client.GetStream();
        await stream.WriteAsync("PING\r\n"u8.ToArray(), ct);
        var buffer = new byte[64];
        var read = await stream.ReadAsync(buffer, ct);
        return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
    }

    public Task StopAsync() => _process.StopAsync(TimeSpan.FromSeconds(10));
    public ValueTask DisposeAsync() => new(StopAsync());
}
