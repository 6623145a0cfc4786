using System.Collections.Concurrent;
using System.Text;
using Mesh.Testing;
using Npgsql;
using RabbitMQ.Client;
using StackExchange.Redis;
using StackExchange.Redis.KeyspaceIsolation;

namespace Mesh.Servers.Tests;

/// <summary>
/// Two test classes (xunit runs classes in parallel) share the run's servers and write the same table
/// name, queue name and key; each must see only its own data.
/// </summary>
public abstract class IsolationProbe(IsolatedData data, string who)
{
    private static readonly ConcurrentDictionary<string, string> DatabasesSeen = new();

    [Fact]
    public async Task Postgres_database_is_private_to_the_class()
    {
        var ct = TestContext.Current.CancellationToken;
        Assert.True(DatabasesSeen.TryAdd(data.DatabaseName, who) || DatabasesSeen[data.DatabaseName] == who);
        await using var conn = new NpgsqlConnection(await data.PostgresConnectionStringAsync());
        await conn.OpenAsync(ct);
        await using (var create = new NpgsqlCommand("CREATE TABLE IF NOT EXISTS marker (who text NOT NULL)", conn))
            await create.ExecuteNonQueryAsync(ct);
        await using (var insert = new NpgsqlCommand("INSERT INTO marker VALUES ($1)", conn) { Parameters = { new() { Value = who } } })
            await insert.ExecuteNonQueryAsync(ct);
        await using var read = new NpgsqlCommand("SELECT DISTINCT who FROM marker", conn);
        Assert.Equal(who, await read.ExecuteScalarAsync(ct));
    }

    [Fact]
    public async Task Redis_prefix_is_private_to_the_class()
    {
        using var redis = await ConnectionMultiplexer.ConnectAsync(await data.RedisConnectionStringAsync());
        var db = redis.GetDatabase().WithKeyPrefix(data.RedisKeyPrefix);
        await db.StringSetAsync("owner", who);
        await Task.Delay(50, TestContext.Current.CancellationToken); // give the other class a chance to write the same key
        Assert.Equal(who, (string?)await db.StringGetAsync("owner"));
    }

    [Fact]
    public async Task RabbitMq_vhost_is_private_to_the_class()
    {
        var ct = TestContext.Current.CancellationToken;
        var factory = new ConnectionFactory { Uri = new Uri(await data.RabbitMqConnectionStringAsync()) };
        await using var connection = await factory.CreateConnectionAsync(ct);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
        await channel.QueueDeclareAsync("shared-name", durable: false, exclusive: false, autoDelete: false, cancellationToken: ct);
        for (var i = 0; i < 5; i++)
            await channel.BasicPublishAsync("", "shared-name", Encoding.UTF8.GetBytes(who), ct);
        for (var i = 0; i < 5; i++)
        {
            BasicGetResult? got = null;
            for (var attempt = 0; attempt < 100 && got is null; attempt++)
            {
                got = await channel.BasicGetAsync("shared-name", autoAck: false, ct);
                if (got is null) await Task.Delay(20, ct);
            }
            Assert.NotNull(got);
            Assert.Equal(who, Encoding.UTF8.GetString(got!.Body.Span));
            await channel.BasicAckAsync(got.DeliveryTag, multiple: false, ct);
        }
    }
}

public sealed class IsolationProbeA(IsolatedData data) : IsolationProbe(data, "A"), IClassFixture<IsolatedData>;

public sealed class IsolationProbeB(IsolatedData data) : IsolationProbe(data, "B"), IClassFixture<IsolatedData>;
