using Dapper;
using Npgsql;

namespace Mesh.Chaos.Invariants;

/// <summary>One invariant's verdict, with the figure that shows it (e.g. "0 of 412 seats sold twice").</summary>
public sealed record InvariantResult(string Name, bool Holds, string Figure);

/// <summary>What the invariants read: each service database of the mesh, and the broker.</summary>
public sealed class MeshDatabases(IReadOnlyDictionary<string, string> connectionStrings, string broker)
{
    /// <summary>Every service database the app host makes (they all carry mesh_outbox and mesh_inbox).</summary>
    public static readonly string[] Names = ["usersdb", "catalogdb", "paymentdb", "bookingdb", "referraldb", "ratingdb", "supportdb", "adsdb", "feeddb", "notificationdb", "analyticsdb"];

    public string Broker { get; } = broker;

    /// <summary>The databases whose service sends or receives through RabbitMQ (they have mesh_outbox and mesh_inbox).</summary>
    public async Task<IReadOnlyList<string>> MessagingAsync(CancellationToken ct)
    {
        var names = new List<string>();
        foreach (var name in Names.Where(connectionStrings.ContainsKey))
            if (await ScalarAsync<bool>(name, "SELECT to_regclass('mesh_outbox') IS NOT NULL", ct)) names.Add(name);
        return names;
    }

    public async Task<NpgsqlConnection> OpenAsync(string database, CancellationToken ct)
    {
        // Unpooled: the database is restarted under this run, and a pooled connection would outlive its server.
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionStrings[database]) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(ct);
        return connection;
    }

    public async Task<T> ScalarAsync<T>(string database, string sql, CancellationToken ct, object? args = null)
    {
        await using var connection = await OpenAsync(database, ct);
        return await connection.ExecuteScalarAsync<T>(new CommandDefinition(sql, args, cancellationToken: ct)) ?? throw new InvalidOperationException($"{database}: no value for {sql}");
    }

    public async Task<IReadOnlyList<T>> QueryAsync<T>(string database, string sql, CancellationToken ct, object? args = null)
    {
        await using var connection = await OpenAsync(database, ct);
        return (await connection.QueryAsync<T>(new CommandDefinition(sql, args, cancellationToken: ct))).AsList();
    }
}
