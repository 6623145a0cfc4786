using Npgsql;

namespace Mesh.Referral;

/// <summary>The referral database: migrations and transactions. The SQL of each concern sits in its folder's store.</summary>
public sealed class ReferralStore(NpgsqlDataSource db)
{
    public const string UniqueViolation = "23505";
    public const string CheckViolation = "23514";

    public NpgsqlDataSource Db => db;

    public Task MigrateAsync(CancellationToken cancellationToken) =>
        Mesh.ServiceDefaults.Data.SqlMigrations.ApplyAsync(db, typeof(ReferralStore).Assembly, cancellationToken);

    public async Task<(NpgsqlConnection Connection, NpgsqlTransaction Transaction)> BeginAsync(CancellationToken cancellationToken)
    {
        var connection = await db.OpenConnectionAsync(cancellationToken);
        try
        {
            return (connection, await connection.BeginTransactionAsync(cancellationToken));
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }
}
