using System.Net;
using System.Net.Sockets;
using Mesh.Servers;

namespace Mesh.Servers.Tests;

/// <summary>A server that cannot start fails fast, naming itself and quoting the end of its log.</summary>
public sealed class FailFastTests
{
    [Fact]
    public async Task Postgres_on_a_taken_port_fails_with_its_log_tail()
    {
        using var dir = new ScratchDirectory();
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var log = dir.Sub("postgres.log");

        var ex = await Assert.ThrowsAsync<ServerStartException>(() =>
            PostgresServer.StartAsync(new PostgresOptions { DataDirectory = dir.Sub("pg"), Port = port, Ephemeral = true, LogFile = log }, TestContext.Current.CancellationToken));
        Assert.Equal("postgres", ex.ServerName);
        AssertConfiguredPortNamed(ex, port, "postgres", log);
        Assert.Contains("could not bind", ex.Message);
        Assert.Contains("last lines of postgres's log", ex.Message);
    }

    [Fact]
    public async Task Redis_on_a_taken_port_fails_with_its_log_tail()
    {
        using var dir = new ScratchDirectory();
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var log = dir.Sub("redis.log");

        var ex = await Assert.ThrowsAsync<ServerStartException>(() =>
            RedisServer.StartAsync(new RedisOptions { DataDirectory = dir.Sub("redis"), Port = port, Ephemeral = true, LogFile = log }, TestContext.Current.CancellationToken));
        Assert.Equal("redis", ex.ServerName);
        AssertConfiguredPortNamed(ex, port, "redis", log);
        Assert.Contains("Address already in use", ex.LogTail);
    }

    [Fact]
    public async Task Redis_with_a_bad_data_directory_fails_with_its_log_tail()
    {
        using var dir = new ScratchDirectory();
        // A file where the data directory should be: redis cannot chdir into it.
        var notADirectory = dir.Sub("file");
        await File.WriteAllTextAsync(notADirectory, "x", TestContext.Current.CancellationToken);

        var ex = await Assert.ThrowsAsync<ServerStartException>(() =>
            RedisServer.StartAsync(new RedisOptions { DataDirectory = Path.Combine(notADirectory, "sub"), Ephemeral = true }, TestContext.Current.CancellationToken));
        Assert.Equal("redis", ex.ServerName);
        Assert.Contains("cannot create data directory", ex.Message);
    }

    [Fact]
    public async Task Postgres_with_a_bad_configuration_fails_with_its_log_tail()
    {
        using var dir = new ScratchDirectory();
        // A cluster directory whose configuration the server itself rejects, and says why.
        var data = dir.Sub("pg");
        Directory.CreateDirectory(data);
        await File.WriteAllTextAsync(Path.Combine(data, "PG_VERSION"), "15\n", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(data, "postgresql.conf"), "shared_buffers = banana\n", TestContext.Current.CancellationToken);

        var ex = await Assert.ThrowsAsync<ServerStartException>(() =>
            PostgresServer.StartAsync(new PostgresOptions { DataDirectory = data, Ephemeral = true }, TestContext.Current.CancellationToken));
        Assert.Equal("postgres", ex.ServerName);
        Assert.Contains("exited", ex.Reason);
        Assert.Contains("shared_buffers", ex.LogTail);
    }

    [Fact]
    public async Task RabbitMq_on_a_taken_port_fails_with_its_log_tail_and_leaves_nothing()
    {
        using var dir = new ScratchDirectory();
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var log = dir.Sub("rabbitmq.log");
        // The distribution and epmd ports are still picked: counting the picks shows the broker was started once.
        var picks = 0;
        using var picker = AttemptPorts.PickWith(_ => { Interlocked.Increment(ref picks); return LoopbackPorts.GetFree(); });

        var ex = await Assert.ThrowsAsync<ServerStartException>(() =>
            RabbitMqServer.StartAsync(new RabbitMqOptions { DataDirectory = dir.Sub("rabbit"), Port = port, LogFile = log }, TestContext.Current.CancellationToken));
        Assert.Equal("rabbitmq", ex.ServerName);
        AssertConfiguredPortNamed(ex, port, "amqp", log);
        Assert.Equal(2, picks);
        Assert.False(string.IsNullOrWhiteSpace(ex.LogTail));
        // Every process of that broker (epmd, the wrapper, the Erlang VM) had this directory in its environment.
        await ProcessAssert.NoneMentioningAsync(dir.Path, TimeSpan.FromSeconds(10));
    }

    /// <summary>A configured port in use fails at once, naming it: no fresh port, no second attempt.</summary>
    private static void AssertConfiguredPortNamed(ServerStartException ex, int port, string role, string logFile)
    {
        Assert.Contains($"port {port} ({role}) is already in use", ex.Reason);
        Assert.Contains("configured", ex.Reason);
        Assert.DoesNotContain("starting again on fresh ports", File.ReadAllText(logFile));
    }
}
