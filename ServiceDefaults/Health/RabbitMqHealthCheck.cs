using Microsoft.Extensions.Diagnostics.HealthChecks;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Mesh.ServiceDefaults.Health;

/// <summary>RabbitMQ accepts a connection. The connection is kept and reopened only when it has closed.</summary>
public sealed class RabbitMqHealthCheck(string connectionString) : IHealthCheck, IAsyncDisposable
{
    private readonly ConnectionFactory _factory = new()
    {
        Uri = new Uri(connectionString),
        RequestedConnectionTimeout = TimeSpan.FromSeconds(5),
        AutomaticRecoveryEnabled = false, // the check itself decides when to reconnect
        ClientProvidedName = "health-check",
    };
    private readonly SemaphoreSlim _lock = new(1, 1);
    private IConnection? _connection;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            if (_connection is { IsOpen: true }) return HealthCheckResult.Healthy();
            if (_connection is not null) await _connection.DisposeAsync();
            _connection = null;
            _connection = await _factory.CreateConnectionAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is BrokerUnreachableException or OperationInterruptedException or IOException or TimeoutException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "RabbitMQ does not accept connections.", ex);
        }
        finally
        {
            _lock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null) await _connection.DisposeAsync();
    }
}
