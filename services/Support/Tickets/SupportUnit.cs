using Dapper;
using Mesh.ServiceDefaults.Messaging;
using Npgsql;

namespace Mesh.Support.Tickets;

/// <summary>
/// One transaction of the support service: lock a ticket, change it, add messages, outbox rows and chat wake-ups, commit.
/// Disposing without <see cref="CommitAsync"/> rolls everything back — a rejected request writes nothing.
/// </summary>
public sealed class SupportUnit(NpgsqlConnection connection, NpgsqlTransaction transaction) : IAsyncDisposable
{
    /// <summary>The channel every replica LISTENs on (Chat/ChatFanout).</summary>
    public const string ChatChannel = "support_chat";

    public NpgsqlTransaction Transaction => transaction;

    public Task<TicketRecord?> LockTicketAsync(Guid id) =>
        connection.QuerySingleOrDefaultAsync<TicketRecord>($"SELECT {TicketStore.TicketColumns} FROM tickets WHERE id = @id FOR UPDATE", new { id }, transaction);

    public Task InsertTicketAsync(TicketRecord t) => connection.ExecuteAsync("""
        INSERT INTO tickets (id, customer_id, subject, body, category, priority, status, booking_id, payment_id, assignee_id, create_time,
                             update_time, first_response_deadline, resolution_deadline)
        VALUES (@Id, @CustomerId, @Subject, @Body, @Category, @Priority, @Status, @BookingId, @PaymentId, @AssigneeId, @CreateTime,
                @UpdateTime, @FirstResponseDeadline, @ResolutionDeadline)
        """, t, transaction);

    /// <summary>Writes back every field a rule may change.</summary>
    public Task UpdateTicketAsync(TicketRecord t) => connection.ExecuteAsync("""
        UPDATE tickets SET status = @Status, priority = @Priority, assignee_id = @AssigneeId, update_time = @UpdateTime,
            first_response_deadline = @FirstResponseDeadline, resolution_deadline = @ResolutionDeadline,
            first_response_time = @FirstResponseTime, resolve_time = @ResolveTime, close_time = @CloseTime, last_sequence = @LastSequence
        WHERE id = @Id
        """, t, transaction);

    /// <summary>The message an author already sent with this client id (a retry), or null.</summary>
    public Task<MessageRecord?> FindByClientIdAsync(Guid ticketId, Guid authorId, string clientMessageId) =>
        connection.QuerySingleOrDefaultAsync<MessageRecord>($"""
            SELECT {TicketStore.MessageColumns} FROM ticket_messages
            WHERE ticket_id = @ticketId AND author_id = @authorId AND client_message_id = @clientMessageId
            """, new { ticketId, authorId, clientMessageId }, transaction);

    public Task InsertMessageAsync(MessageRecord m) => connection.ExecuteAsync("""
        INSERT INTO ticket_messages (ticket_id, sequence, author_id, author_role, body, internal, client_message_id, create_time)
        VALUES (@TicketId, @Sequence, @AuthorId, @AuthorRole, @Body, @Internal, @ClientMessageId, @CreateTime)
        """, m, transaction);

    /// <summary>Raises a reader's receipt (never lowers it); false when it was already at or past <paramref name="sequence"/>.</summary>
    public async Task<bool> MarkReadAsync(Guid ticketId, Guid readerId, long sequence) =>
        await connection.ExecuteAsync("""
            INSERT INTO ticket_reads (ticket_id, reader_id, sequence) VALUES (@ticketId, @readerId, @sequence)
            ON CONFLICT (ticket_id, reader_id) DO UPDATE SET sequence = excluded.sequence WHERE ticket_reads.sequence < excluded.sequence
            """, new { ticketId, readerId, sequence }, transaction) > 0;

    /// <summary>The least loaded agent (fewest active tickets; ties: longest since an assignment, then id), or null.</summary>
    public async Task<Guid?> LeastLoadedAgentAsync()
    {
        // Automatic assignments one at a time, so two at once do not both pick the same "least loaded" agent.
        await connection.ExecuteAsync("SELECT pg_advisory_xact_lock(7021001)", transaction: transaction);
        return await connection.QuerySingleOrDefaultAsync<Guid?>("""
            SELECT a.id FROM agents a
            LEFT JOIN tickets t ON t.assignee_id = a.id AND t.status NOT IN ('resolved', 'closed')
            GROUP BY a.id, a.last_assigned_time
            ORDER BY count(t.id), a.last_assigned_time NULLS FIRST, a.id
            LIMIT 1
            """, transaction: transaction);
    }

    /// <summary>Marks an assignment to a known agent; false when <paramref name="agentId"/> is not one.</summary>
    public async Task<bool> TouchAgentAsync(Guid agentId, DateTime now) =>
        await connection.ExecuteAsync("UPDATE agents SET last_assigned_time = @now WHERE id = @agentId", new { agentId, now }, transaction) > 0;

    public Task AddAsync(OutboxMessage message) => Outbox.AddAsync(transaction, message);

    /// <summary>Wakes the chat streams of a ticket on every replica once this transaction commits (payload: ChatSignal).</summary>
    public Task NotifyAsync(string payload) =>
        connection.ExecuteAsync("SELECT pg_notify(@channel, @payload)", new { channel = ChatChannel, payload }, transaction);

    public Task CommitAsync(CancellationToken cancellationToken) => transaction.CommitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await transaction.DisposeAsync();
        await connection.DisposeAsync();
    }
}
