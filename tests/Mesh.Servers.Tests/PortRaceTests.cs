using System.Diagnostics;
using System.Text;
using Npgsql;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using StackExchange.Redis;

namespace Mesh.Servers.Tests;

/// <summary>
/// A port picked for a server is taken by someone else before the server binds it: the launcher starts the server
/// again on a fresh port, and the server it returns serves a real client. The race is made to happen every time by
/// handing out a port we hold (<see cref="PortSquat"/>).
/// </summary>
public sealed class PortRaceTests
{
    [Fact]
    public async Task Postgres_moves_off_a_picked_port_that_was_taken_and_serves()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new ScratchDirectory();
        var log = dir.Sub("postgres.log");
        using var squat = new PortSquat("postgres");

        await using var server = await PostgresServer.StartAsync(new PostgresOptions { DataDirectory = dir.Sub("pg"), Ephemeral = true, LogFile = log }, ct);

        Assert.Equal(1, squat.HandedOut);
        Assert.NotEqual(squat.Port, server.Port);
        await using (var conn = new NpgsqlConnection(server.ConnectionString))
        {
            await conn.OpenAsync(ct);
            await using var cmd = new NpgsqlCommand("SELECT 40 + 2", conn);
            Assert.Equal(42, await cmd.ExecuteScalarAsync(ct));
        }
        NpgsqlConnection.ClearAllPools();
        AssertRetryNoted(log, squat);
    }

    [Fact]
    public async Task Redis_moves_off_a_picked_port_that_was_taken_and_serves()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new ScratchDirectory();
        var log = dir.Sub("redis.log");
        using var squat = new PortSquat("redis");

        await using var server = await RedisServer.StartAsync(new RedisOptions { DataDirectory = dir.Sub("redis"), Ephemeral = true, LogFile = log }, ct);

        Assert.Equal(1, squat.HandedOut);
        Assert.NotEqual(squat.Port, server.Port);
        using (var redis = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString))
        {
            var db = redis.GetDatabase();
            Assert.True(await db.StringSetAsync("greeting", "hello"));
            Assert.Equal("hello", (string?)await db.StringGetAsync("greeting"));
        }
        AssertRetryNoted(log, squat);
    }

    [Fact]
    public async Task Redis_gives_up_after_a_bounded_number_of_taken_ports()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new ScratchDirectory();
        using var squat = new PortSquat("redis", always: true);

        var ex = await Assert.ThrowsAsync<ServerStartException>(() =>
            RedisServer.StartAsync(new RedisOptions { DataDirectory = dir.Sub("redis"), Ephemeral = true }, ct));

        Assert.Equal(PortRetry.MaxAttempts, squat.HandedOut);
        Assert.Equal("redis", ex.ServerName);
        Assert.Contains($"{PortRetry.MaxAttempts} times in a row", ex.Reason);
        Assert.Contains($"port {squat.Port} (redis) was taken", ex.Reason);
    }

    /// <summary>The broker's AMQP and distribution ports are picked and covered by the retry; epmd's has its own test below.</summary>
    [Theory]
    [InlineData("amqp")]
    [InlineData("erlang distribution")]
    public async Task RabbitMq_moves_off_a_picked_port_that_was_taken_and_serves(string role)
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new ScratchDirectory();
        var log = dir.Sub("rabbitmq.log");
        using var squat = new PortSquat(role);

        await using var server = await RabbitMqServer.StartAsync(new RabbitMqOptions { DataDirectory = dir.Sub("rabbit"), LogFile = log }, ct);

        Assert.Equal(1, squat.HandedOut);
        Assert.NotEqual(squat.Port, server.Port);
        await AssertBrokerServesAsync(server, ct);
        AssertRetryNoted(log, squat);
    }

    /// <summary>
    /// The worst case for epmd: the picked port is held by another broker's epmd. Ours exits quietly on it; the broker
    /// must not register with the other one (under the same node name) but get an epmd of its own.
    /// </summary>
    [Fact]
    public async Task RabbitMq_moves_off_an_epmd_port_held_by_another_epmd_and_serves()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new ScratchDirectory();
        var log = dir.Sub("rabbitmq.log");
        var foreignPort = LoopbackPorts.GetFree();
        await using var foreign = ChildProcess.Start(new ChildProcessSpec("foreign-epmd", "/usr/bin/epmd", ["-port", foreignPort.ToString(), "-address", "127.0.0.1"]));
        await ServerReadiness.WaitAsync(foreign, _ => Task.FromResult(ListeningSockets.IsListening(foreign.Pid, foreignPort)), TimeSpan.FromSeconds(30), ct);
        using var squat = new PortSquat("epmd", foreignPort);

        await using var server = await RabbitMqServer.StartAsync(new RabbitMqOptions { DataDirectory = dir.Sub("rabbit"), LogFile = log }, ct);

        Assert.Equal(1, squat.HandedOut);
        await AssertBrokerServesAsync(server, ct); // rabbitmqctl finds the node through the broker's own epmd
        Assert.DoesNotContain(RabbitMqServer.NodeNameDefault.Split('@')[0], await EpmdNamesAsync(foreignPort, ct));
        AssertRetryNoted(log, squat);
    }

    private static async Task AssertBrokerServesAsync(RabbitMqServer server, CancellationToken ct)
    {
        await server.CreateVirtualHostAsync("race", ct);
        var factory = new ConnectionFactory { Uri = new Uri(server.ConnectionStringFor("race")) };
        await using var connection = await factory.CreateConnectionAsync(ct);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
        await channel.QueueDeclareAsync("race", durable: false, exclusive: false, autoDelete: false, cancellationToken: ct);
        await channel.BasicPublishAsync("", "race", Encoding.UTF8.GetBytes("ping"), ct);
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            received.TrySetResult(Encoding.UTF8.GetString(delivery.Body.Span));
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync("race", autoAck: true, consumer, ct);
        Assert.Equal("ping", await received.Task.WaitAsync(ct));
    }

    /// <summary>What the epmd on <paramref name="port"/> has registered ("name mesh at port …" lines).</summary>
    private static async Task<string> EpmdNamesAsync(int port, CancellationToken ct)
    {
        using var names = Process.Start(new ProcessStartInfo("/usr/bin/epmd", ["-port", port.ToString(), "-names"]) { RedirectStandardOutput = true })!;
        var output = await names.StandardOutput.ReadToEndAsync(ct);
        await names.WaitForExitAsync(ct);
        Assert.Contains("up and running", output); // it was asked, and answered
        return output.Replace("up and running", "", StringComparison.Ordinal);
    }

    /// <summary>The launcher said, in the server's log, which port was taken and that it started again.</summary>
    private static void AssertRetryNoted(string logFile, PortSquat squat)
    {
        var text = File.ReadAllText(logFile);
        Assert.Contains($"port {squat.Port} ({squat.Role}) was taken", text);
        Assert.Contains("starting again on fresh ports (attempt 2 of", text);
    }
}
