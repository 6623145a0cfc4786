using Npgsql;

namespace Mesh.ServiceDefaults.Messaging;

/// <summary>
/// The transactional outbox: a row in the service's own database, written in the SAME transaction as the state
/// change it announces, so either both happen or neither. <see cref="OutboxRelay"/> publishes the rows later, even
/// if RabbitMQ was down at write time.
/// <code>
/// await using var tx = await connection.BeginTransactionAsync();
/// …change state…
/// await Outbox.AddAsync(tx, OutboxMessage.Json("payment.succeeded", evt));
/// await tx.CommitAsync();
/// </code>
/// </summary>
public static class Outbox
{
    /// <summary>
    /// The outbox and inbox tables. Run once at start-up (idempotent), e.g. next to the service's own migrations.
    /// </summary>
    public const string Schema = """
        CREATE TABLE IF NOT EXISTS mesh_outbox (
            seq          bigserial   PRIMARY KEY,
            id           uuid        NOT NULL UNIQUE,
            type         text        NOT NULL CHECK (length(type) BETWEEN 1 AND 255),
            content_type text        NOT NULL,
            body         bytea       NOT NULL,
            traceparent  text,
            tracestate   text,
            created_at   timestamptz NOT NULL DEFAULT now(),
            sent_at      timestamptz,
            attempts     int         NOT NULL DEFAULT 0
        );
        CREATE INDEX IF NOT EXISTS mesh_outbox_unsent ON mesh_outbox (seq) WHERE sent_at IS NULL;
        CREATE TABLE IF NOT EXISTS mesh_inbox (
            consumer     text        NOT NULL,
            message_id   uuid        NOT NULL,
            processed_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (consumer, message_id)
        );
        """;

    public static Task MigrateAsync(NpgsqlDataSource db, CancellationToken cancellationToken = default) =>
        Mesh.ServiceDefaults.Data.StartupRetry.RunAsync("the outbox and inbox tables", () => MigrateOnceAsync(db, cancellationToken), cancellationToken);

    private static async Task MigrateOnceAsync(NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        // A transaction-scoped lock: released by the commit, and by the rollback when the schema fails, so it never
        // stays with a pooled connection (services may keep sessions across pool returns: No Reset On Close).
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(7007999); " + Schema, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// Adds a message inside <paramref name="transaction"/>. The current trace context is stored with it, so the
    /// relay's publish span (and the consumer's) continue the trace of the request that caused it.
    /// </summary>
    public static async Task AddAsync(NpgsqlTransaction transaction, OutboxMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(message);
        if (PlantedFault.SkipsThisOne(message.Type)) return;
        await using var command = new NpgsqlCommand(InsertSql, transaction.Connection, transaction);
        AddParameters(command.Parameters, message);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// The same insert as <see cref="AddAsync"/>, as a command for the caller's <see cref="NpgsqlBatch"/>, so a state
    /// change and its message can reach the database in one round trip. The batch must run in the transaction of the
    /// state change; the trace context is the current one, as with <see cref="AddAsync"/>.
    /// </summary>
    public static NpgsqlBatchCommand BatchCommand(OutboxMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (PlantedFault.SkipsThisOne(message.Type)) return new NpgsqlBatchCommand("SELECT NULL");
        var command = new NpgsqlBatchCommand(InsertSql);
        AddParameters(command.Parameters, message);
        return command;
    }

    private const string InsertSql = "INSERT INTO mesh_outbox (id, type, content_type, body, traceparent, tracestate) VALUES ($1, $2, $3, $4, $5, $6)";

    private static void AddParameters(NpgsqlParameterCollection parameters, OutboxMessage message)
    {
        var activity = System.Diagnostics.Activity.Current;
        parameters.Add(new() { Value = message.Id });
        parameters.Add(new() { Value = message.Type });
        parameters.Add(new() { Value = message.ContentType });
        parameters.Add(new() { Value = message.Body.ToArray() });
        parameters.Add(new() { Value = (object?)activity?.Id ?? DBNull.Value });
        parameters.Add(new() { Value = (object?)activity?.TraceStateString ?? DBNull.Value });
    }
}

/// <summary>
/// A fault planted on purpose by the chaos suite (tests/Mesh.Chaos.Tests) to prove its invariants catch a lost
/// message: with the environment variable <c>MESH_CHAOS_SKIP_OUTBOX_TYPE</c> set to a message type, the first outbox
/// write of that type in this process is silently skipped. Unset (always, outside that test), it does nothing.
/// </summary>
internal static class PlantedFault
{
    private static readonly string? SkippedType = Environment.GetEnvironmentVariable("MESH_CHAOS_SKIP_OUTBOX_TYPE") is { Length: > 0 } type ? type : null;
    private static int _skipped;

    public static bool SkipsThisOne(string type) =>
        SkippedType is not null && string.Equals(type, SkippedType, StringComparison.Ordinal) && Interlocked.Exchange(ref _skipped, 1) == 0;
}
