using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Mesh.ServiceDefaults.Health;

/// <summary>
/// PostgreSQL answers a query. A fresh, unpooled connection each time: a pooled one could be a stale socket from
/// before a restart and report the server down after it is back (or up after it went away).
/// </summary>
public sealed class PostgresHealthCheck(string connectionString) : IHealthCheck
{
    private readonly string _connectionString = new NpgsqlConnectionStringBuilder(connectionString)
    {
        Pooling = false,
        Timeout = 5,
        CommandTimeout = 5,
    }.ConnectionString;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = new NpgsqlConnection(_connectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "PostgreSQL does not answer.", ex);
        }
    }
}
