using Dapper;
using Mesh.ServiceDefaults.Messaging;
using Npgsql;

namespace Mesh.Support.Tickets;

/// <summary>
/// The SQL of tickets, messages and agents (Dapper, parameterised) against supportdb. Reads open their own connection;
/// changes go through a <see cref="SupportUnit"/>: one transaction holding the ticket's row lock, its messages, the
/// outbox rows and the chat wake-up (NOTIFY, delivered by PostgreSQL only when the transaction commits).
/// </summary>
public sealed class TicketStore(NpgsqlDataSource db)
{
    internal const string TicketColumns = """
        id, number, customer_id AS CustomerId, subject, body, category, priority, status, booking_id AS BookingId, payment_id AS PaymentId,
        assignee_id AS AssigneeId, create_time AS CreateTime, update_time AS UpdateTime, first_response_deadline AS FirstResponseDeadline,
        resolution_deadline AS ResolutionDeadline, first_response_time AS FirstResponseTime, resolve_time AS ResolveTime,
        close_time AS CloseTime, last_sequence AS LastSequence
        """;
    internal const string MessageColumns = """
        ticket_id AS TicketId, sequence, author_id AS AuthorId, author_role AS AuthorRole, body, internal,
        client_message_id AS ClientMessageId, create_time AS CreateTime
        """;

    public NpgsqlDataSource DataSource => db;

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await Mesh.ServiceDefaults.Data.SqlMigrations.ApplyAsync(db, typeof(TicketStore).Assembly, cancellationToken);
        await Outbox.MigrateAsync(db, cancellationToken);
    }

    public async Task<SupportUnit> BeginAsync(CancellationToken cancellationToken)
    {
        var connection = await db.OpenConnectionAsync(cancellationToken);
        var transaction = await connection.BeginTransactionAsync(cancellationToken);
        return new SupportUnit(connection, transaction);
    }

    public async Task<TicketRecord?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<TicketRecord>($"SELECT {TicketColumns} FROM tickets WHERE id = @id", new { id });
    }

    public async Task<IReadOnlyList<string>> BreachesAsync(Guid ticketId, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<string>("SELECT kind FROM sla_breaches WHERE ticket_id = @ticketId ORDER BY kind", new { ticketId })).AsList();
    }

    /// <summary>
    /// One page of tickets in creation order: a customer's own newest first, staff queues oldest first (the longest
    /// waiting on top). <paramref name="after"/> is the last number of the previous page.
    /// </summary>
    public async Task<IReadOnlyList<TicketRecord>> ListAsync(TicketFilter filter, long? after, int limit, CancellationToken cancellationToken)
    {
        var where = new List<string>();
        if (filter.CustomerId is not null) where.Add("customer_id = @CustomerId");
        if (filter.Status is not null) where.Add("status = @Status");
        if (filter.Category is not null) where.Add("category = @Category");
        if (filter.Priority is not null) where.Add("priority = @Priority");
        if (filter.Unassigned) where.Add("assignee_id IS NULL");
        else if (filter.AssigneeId is not null) where.Add("assignee_id = @AssigneeId");
        var newestFirst = filter.CustomerId is not null;
        if (after is not null) where.Add(newestFirst ? "number < @after" : "number > @after");
        var sql = $"SELECT {TicketColumns} FROM tickets {(where.Count > 0 ? "WHERE " + string.Join(" AND ", where) : "")} ORDER BY number {(newestFirst ? "DESC" : "ASC")} LIMIT @limit";
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var args = new DynamicParameters(filter);
        args.Add("after", after);
        args.Add("limit", limit);
        return (await connection.QueryAsync<TicketRecord>(sql, args)).AsList();
    }

    /// <summary>Messages after <paramref name="afterSequence"/> in sequence order; internal notes only when asked.</summary>
    public async Task<IReadOnlyList<MessageRecord>> MessagesAfterAsync(Guid ticketId, long afterSequence, bool withInternal, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<MessageRecord>($"""
            SELECT {MessageColumns} FROM ticket_messages
            WHERE ticket_id = @ticketId AND sequence > @afterSequence AND (@withInternal OR NOT internal)
            ORDER BY sequence LIMIT @limit
            """, new { ticketId, afterSequence, withInternal, limit })).AsList();
    }

    public async Task<IReadOnlyList<(Guid Reader, long Sequence)>> ReadReceiptsAsync(Guid ticketId, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<(Guid, long)>("SELECT reader_id, sequence FROM ticket_reads WHERE ticket_id = @ticketId ORDER BY reader_id", new { ticketId })).AsList();
    }

    /// <summary>A chat signal outside any transaction (typing: nothing is stored).</summary>
    public async Task NotifyAsync(string payload, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync("SELECT pg_notify(@channel, @payload)", new { channel = SupportUnit.ChatChannel, payload });
    }

    /// <summary>Remembers a staff member with the agent role as one assignment may pick (once; cheap when known).</summary>
    public async Task RegisterAgentAsync(Guid agentId, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync("INSERT INTO agents (id) VALUES (@agentId) ON CONFLICT DO NOTHING", new { agentId });
    }
}

/// <summary>What a ticket listing is narrowed to (null: any).</summary>
public sealed record TicketFilter(Guid? CustomerId, string? Status, string? Category, string? Priority, Guid? AssigneeId, bool Unassigned);
