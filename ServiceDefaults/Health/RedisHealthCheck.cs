using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Mesh.ServiceDefaults.Health;

/// <summary>Redis answers PING. One multiplexer for the check's lifetime: it reconnects by itself.</summary>
public sealed class RedisHealthCheck : IHealthCheck, IDisposable
{
    private readonly ConfigurationOptions _options;
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private ConnectionMultiplexer? _connection;

    public RedisHealthCheck(string connectionString)
    {
        _options = ConfigurationOptions.Parse(connectionString);
        _options.AbortOnConnectFail = false; // create even while Redis is down; PING then tells the truth
        _options.ConnectTimeout = 5000;
        _options.SyncTimeout = 5000;
    }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var connection = await ConnectAsync();
            await connection.GetDatabase().PingAsync();
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "Redis does not answer.", ex);
        }
    }

    private async Task<ConnectionMultiplexer> ConnectAsync()
    {
        if (_connection is { } existing) return existing;
        await _connectLock.WaitAsync();
        try { return _connection ??= await ConnectionMultiplexer.ConnectAsync(_options); }
        finally { _connectLock.Release(); }
    }

    public void Dispose() => _connection?.Dispose();
}
