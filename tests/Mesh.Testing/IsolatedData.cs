using Xunit;

namespace Mesh.Testing;

/// <summary>
/// A test class's own corner of the shared servers (an xunit class fixture): a PostgreSQL database,
/// a RabbitMQ virtual host and a Redis key prefix that no other test class uses, so classes run in
/// parallel without seeing each other's data. Each is created on first use.
/// </summary>
public sealed class IsolatedData : IAsyncLifetime
{
    private readonly TestServers _servers;
    private readonly string _id = Guid.NewGuid().ToString("N")[..12];
    private readonly Lazy<Task<string>> _postgres;
    private readonly Lazy<Task<string>> _rabbit;

    public IsolatedData(TestServers servers)
    {
        _servers = servers;
        _postgres = new(async () =>
        {
            var server = await _servers.PostgresAsync();
            await server.CreateDatabaseAsync(DatabaseName);
            return server.ConnectionStringFor(DatabaseName);
        });
        _rabbit = new(async () =>
        {
            var server = await _servers.RabbitMqAsync();
            await server.CreateVirtualHostAsync(VirtualHost);
            return server.ConnectionStringFor(VirtualHost);
        });
    }

    public TestServers Servers => _servers;
    public string DatabaseName => $"t_{_id}";
    public string VirtualHost => $"t_{_id}";

    /// <summary>Prefix every Redis key with this (e.g. via StackExchange.Redis's WithKeyPrefix).</summary>
    public string RedisKeyPrefix => $"t:{_id}:";

    public Task<string> PostgresConnectionStringAsync() => _postgres.Value;
    public Task<string> RabbitMqConnectionStringAsync() => _rabbit.Value;
    public async Task<string> RedisConnectionStringAsync() => (await _servers.RedisAsync()).ConnectionString;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
