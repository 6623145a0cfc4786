using System.Text;
using Mesh.Servers;
using Npgsql;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using StackExchange.Redis;

namespace Mesh.Servers.Tests;

/// <summary>
/// Each launcher starts its real server, a real client does a round trip, and after stop no process of
/// it is left. These tests start their own instances (not the shared ones) because they stop them.
/// </summary>
public sealed class ServerRoundTripTests
{
    [Fact]
    public async Task Postgres_answers_a_query_and_leaves_no_process()
    {
        using var dir = new ScratchDirectory();
        var server = await PostgresServer.StartAsync(new PostgresOptions { DataDirectory = dir.Sub("pg"), Ephemeral = true }, TestContext.Current.CancellationToken);
        var pid = server.Pid;
        try
        {
            await using var conn = new NpgsqlConnection(server.ConnectionString);
            await conn.OpenAsync(TestContext.Current.CancellationToken);
            await using var cmd = new NpgsqlCommand("SELECT current_setting('listen_addresses'), 40 + 2", conn);
            await using var reader = await cmd.ExecuteReaderAsync(TestContext.Current.CancellationToken);
            Assert.True(await reader.ReadAsync(TestContext.Current.CancellationToken));
            Assert.Equal("127.0.0.1", reader.GetString(0));
            Assert.Equal(42, reader.GetInt32(1));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await server.StopAsync();
        }
        ProcessAssert.AllGone([pid]);
    }

    [Fact]
    public async Task Postgres_keeps_data_across_a_restart_of_the_same_directory()
    {
        using var dir = new ScratchDirectory();
        var options = new PostgresOptions { DataDirectory = dir.Sub("pg") };
        await using (var first = await PostgresServer.StartAsync(options, TestContext.Current.CancellationToken))
        {
            await first.CreateDatabaseAsync("keepme", TestContext.Current.CancellationToken);
            NpgsqlConnection.ClearAllPools();
        }
        await using var second = await PostgresServer.StartAsync(options, TestContext.Current.CancellationToken);
        await using var conn = new NpgsqlConnection(second.ConnectionStringFor("keepme"));
        await conn.OpenAsync(TestContext.Current.CancellationToken);
        Assert.Equal("keepme", conn.Database);
        NpgsqlConnection.ClearAllPools();
    }

    [Fact]
    public async Task Redis_sets_and_gets_and_leaves_no_process()
    {
        using var dir = new ScratchDirectory();
        var server = await RedisServer.StartAsync(new RedisOptions { DataDirectory = dir.Sub("redis"), Ephemeral = true }, TestContext.Current.CancellationToken);
        var pid = server.Pid;
        try
        {
            using var redis = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString);
            var db = redis.GetDatabase();
            Assert.True(await db.StringSetAsync("greeting", "hello"));
            Assert.Equal("hello", (string?)await db.StringGetAsync("greeting"));
            Assert.Equal(2, await db.StringIncrementAsync("counter", 2));
        }
        finally
        {
            await server.StopAsync();
        }
        ProcessAssert.AllGone([pid]);
    }

    [Fact]
    public async Task RabbitMq_publishes_and_consumes_with_manual_ack_and_leaves_no_process()
    {
        using var dir = new ScratchDirectory();
        var ct = TestContext.Current.CancellationToken;
        var server = await RabbitMqServer.StartAsync(new RabbitMqOptions { DataDirectory = dir.Sub("rabbit") }, ct);
        var pids = server.Pids;
        Assert.Equal(3, pids.Count); // wrapper script, Erlang VM, epmd
        try
        {
            var factory = new ConnectionFactory { Uri = new Uri(server.ConnectionString) };
            await using var connection = await factory.CreateConnectionAsync(ct);
            await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
            await channel.QueueDeclareAsync("roundtrip", durable: false, exclusive: false, autoDelete: false, cancellationToken: ct);
            await channel.BasicPublishAsync("", "roundtrip", Encoding.UTF8.GetBytes("ping"), ct);

            var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += async (_, delivery) =>
            {
                await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
                received.TrySetResult(Encoding.UTF8.GetString(delivery.Body.Span));
            };
            await channel.BasicConsumeAsync("roundtrip", autoAck: false, consumer, ct);
            Assert.Equal("ping", await received.Task.WaitAsync(TimeSpan.FromSeconds(30), ct));

            // Acked: nothing is left in the queue once the consumer is gone.
            await channel.BasicCancelAsync(consumer.ConsumerTags[0], cancellationToken: ct);
            Assert.Equal(0u, await channel.MessageCountAsync("roundtrip", ct));
        }
        finally
        {
            await server.StopAsync();
        }
        ProcessAssert.AllGone(pids);
    }
}
