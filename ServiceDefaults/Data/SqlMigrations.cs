using System.Reflection;
using Npgsql;

namespace Mesh.ServiceDefaults.Data;

/// <summary>
/// A service's schema: the SQL files it embeds as <c>Migrations/NNNN_name.sql</c>, applied in name order, each once
/// (recorded in schema_migrations) and in its own transaction. An advisory lock held for each transaction serialises
/// replicas starting together; advisory locks belong to the current database, so one key serves every service.
/// </summary>
public static class SqlMigrations
{
    private const string Prefix = "Migrations/";
    private const long LockKey = 7000001;

    /// <summary>
    /// Applies the migrations embedded in <paramref name="assembly"/> that this database has not applied yet; a transient
    /// failure is tried again (<see cref="StartupRetry"/>: each migration is its own transaction, recorded when it commits).
    /// </summary>
    public static Task ApplyAsync(NpgsqlDataSource db, Assembly assembly, CancellationToken cancellationToken) =>
        StartupRetry.RunAsync($"migrations of {assembly.GetName().Name}", () => ApplyOnceAsync(db, assembly, cancellationToken), cancellationToken);

    private static async Task ApplyOnceAsync(NpgsqlDataSource db, Assembly assembly, CancellationToken cancellationToken)
    {
        var scripts = assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToList();
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await ExecuteAsync(connection, null, "CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())", cancellationToken);
        foreach (var script in scripts)
        {
            var version = script[Prefix.Length..^".sql".Length];
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await ExecuteAsync(connection, transaction, $"SELECT pg_advisory_xact_lock({LockKey})", cancellationToken);
            await using (var check = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)", connection, transaction))
            {
                check.Parameters.Add(new NpgsqlParameter { Value = version });
                if ((bool)(await check.ExecuteScalarAsync(cancellationToken))!)
                {
                    await transaction.CommitAsync(cancellationToken);
                    continue;
                }
            }
            using (var reader = new StreamReader(assembly.GetManifestResourceStream(script)!))
                await ExecuteAsync(connection, transaction, await reader.ReadToEndAsync(cancellationToken), cancellationToken);
            await using (var record = new NpgsqlCommand("INSERT INTO schema_migrations (version) VALUES ($1)", connection, transaction))
            {
                record.Parameters.Add(new NpgsqlParameter { Value = version });
                await record.ExecuteNonQueryAsync(cancellationToken);
            }
            await transaction.CommitAsync(cancellationToken);
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
