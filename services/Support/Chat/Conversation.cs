using Mesh.Support.Notifications;
using Mesh.Support.Tickets;

namespace Mesh.Support.Chat;

/// <summary>
/// Adding to a ticket's conversation — the one path for chat messages, REST replies and internal notes: under the
/// ticket's lock the message takes the next sequence, the status follows the reply (TicketLifecycle), the
/// notifications go to the outbox and the chat wake-up is queued, all in one transaction. A message is acknowledged
/// only after that commit. A retry with the same client_message_id returns the stored message and writes nothing.
/// </summary>
public sealed class Conversation(TicketStore store, TimeProvider time)
{
    public const int MaxBody = 4000;
    public const int MaxClientMessageId = 64;

    public static void Validate(string body, string clientMessageId, string bodyField = "body", string idField = "client_message_id") =>
        new FieldViolations()
            .Check(bodyField, string.IsNullOrWhiteSpace(body) ? "is required" : body.Length > MaxBody ? $"must be at most {MaxBody} characters" : null)
            .MaxLength(idField, clientMessageId, MaxClientMessageId)
            .ThrowIfAny();

    /// <summary>
    /// Stores a message by <paramref name="author"/>; <paramref name="chat"/> = true when it comes from a chat stream
    /// (staff must then be the assignee or an admin). Returns the message and whether it was stored just now.
    /// </summary>
    public async Task<(MessageRecord Message, bool Stored)> PostAsync(SupportCaller author, Guid ticketId, string body, bool isInternal, string clientMessageId, bool chat, CancellationToken cancellationToken)
    {
        if (isInternal && !author.IsStaff) throw SupportErrors.InternalNoteByCustomer();
        await using var unit = await store.BeginAsync(cancellationToken);
        var ticket = await unit.LockTicketAsync(ticketId);
        if (ticket is null || !author.CanSee(ticket)) throw SupportErrors.TicketNotFound();
        if (chat) RequireParticipant(author, ticket);
        var clientId = clientMessageId.Length == 0 ? null : clientMessageId;
        if (clientId is not null && await unit.FindByClientIdAsync(ticketId, author.Id, clientId) is { } earlier) return (earlier, false);

        var now = Now();
        var statusChanged = TicketLifecycle.OnMessage(ticket, author, isInternal, now);
        ticket.LastSequence++;
        var message = new MessageRecord
        {
            TicketId = ticketId, Sequence = ticket.LastSequence, AuthorId = author.Id, AuthorRole = author.AuthorRole, Body = body,
            Internal = isInternal, ClientMessageId = clientId, CreateTime = now,
        };
        await unit.InsertMessageAsync(message);
        await unit.UpdateTicketAsync(ticket);
        if (!isInternal)
        {
            // The other side hears of a reply: the customer of an agent's, the assigned agent of a customer's.
            var recipient = author.IsStaff ? ticket.CustomerId : ticket.AssigneeId;
            if (recipient is { } to && to != author.Id) await unit.AddAsync(SupportEvents.Reply(to, ticketId, ticket.Subject, message.Sequence));
            if (statusChanged) await unit.AddAsync(SupportEvents.StatusChanged(ticket.CustomerId, ticketId, ticket.Subject, ticket.Status));
        }
        await unit.NotifyAsync(new ChatSignal(ChatSignal.Stored, ticketId).ToPayload());
        await unit.CommitAsync(cancellationToken);
        return (message, true);
    }

    /// <summary>Records that <paramref name="reader"/> has read up to <paramref name="sequence"/> and tells the other replicas.</summary>
    public async Task MarkReadAsync(SupportCaller reader, Guid ticketId, long sequence, CancellationToken cancellationToken)
    {
        await using var unit = await store.BeginAsync(cancellationToken);
        var ticket = await unit.LockTicketAsync(ticketId);
        if (ticket is null || !reader.CanSee(ticket)) throw SupportErrors.TicketNotFound();
        if (sequence < 0 || sequence > ticket.LastSequence)
            new FieldViolations().Add("read.sequence", $"must be between 0 and the ticket's last sequence ({ticket.LastSequence})").ThrowIfAny();
        if (!await unit.MarkReadAsync(ticketId, reader.Id, sequence)) return;
        await unit.NotifyAsync(new ChatSignal(ChatSignal.Read, ticketId, reader.Id, sequence).ToPayload());
        await unit.CommitAsync(cancellationToken);
    }

    /// <summary>Chat is between the ticket's customer and its assigned agent; admins may join any ticket.</summary>
    public static void RequireParticipant(SupportCaller caller, TicketRecord ticket)
    {
        if (!caller.CanSee(ticket)) throw SupportErrors.TicketNotFound();
        if (caller.IsStaff && !caller.IsAdmin && ticket.AssigneeId != caller.Id) throw SupportErrors.NotTheAssignee(ticket);
    }

    private DateTime Now() => Microseconds(time.GetUtcNow().UtcDateTime);

    /// <summary>PostgreSQL keeps microseconds: times are cut to them before they are stored, so what is returned is what is read back.</summary>
    public static DateTime Microseconds(DateTime value) => new(value.Ticks - value.Ticks % 10, DateTimeKind.Utc);
}
