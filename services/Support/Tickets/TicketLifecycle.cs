namespace Mesh.Support.Tickets;

/// <summary>
/// The status rules, as plain functions on a ticket row (the caller holds its lock and writes it back):
/// OPEN → PENDING_AGENT / PENDING_CUSTOMER by replies → RESOLVED → CLOSED; RESOLVED → PENDING_AGENT by a reopen within
/// the reopen window. CLOSED is final. Each returns whether the status changed (a change raises a notification).
/// </summary>
public static class TicketLifecycle
{
    /// <summary>
    /// A message is being added: a customer's makes the ticket wait for an agent, an agent's public reply waits for
    /// the customer and is the first response if none came before. Notes change nothing (and may still be added to a
    /// RESOLVED ticket). No reply is taken on a RESOLVED ticket (reopen first); nothing at all on a CLOSED one.
    /// </summary>
    public static bool OnMessage(TicketRecord ticket, SupportCaller author, bool isInternal, DateTime now)
    {
        if (ticket.Status == TicketStatuses.Closed) throw SupportErrors.Closed(ticket);
        ticket.UpdateTime = now;
        if (isInternal) return false; // staff may still annotate a resolved ticket (e.g. a refund made after it)
        if (ticket.Status == TicketStatuses.Resolved) throw SupportErrors.ResolvedNeedsReopen(ticket);
        var before = ticket.Status;
        if (author.IsStaff)
        {
            ticket.FirstResponseTime ??= now;
            ticket.Status = TicketStatuses.PendingCustomer;
        }
        else
        {
            ticket.Status = TicketStatuses.PendingAgent;
        }
        return before != ticket.Status;
    }

    public static bool Resolve(TicketRecord ticket, DateTime now)
    {
        if (ticket.Status == TicketStatuses.Closed) throw SupportErrors.Closed(ticket);
        if (ticket.Status == TicketStatuses.Resolved) return false;
        ticket.Status = TicketStatuses.Resolved;
        ticket.ResolveTime = now;
        ticket.UpdateTime = now;
        return true;
    }

    public static bool Reopen(TicketRecord ticket, DateTime now, TimeSpan window)
    {
        if (ticket.Status == TicketStatuses.Closed) throw SupportErrors.Closed(ticket);
        if (ticket.Status != TicketStatuses.Resolved) throw SupportErrors.WrongState(ticket, "reopened");
        if (now - ticket.ResolveTime!.Value > window) throw SupportErrors.ReopenWindowPassed(ticket, window);
        ticket.Status = TicketStatuses.PendingAgent;
        ticket.ResolveTime = null;
        ticket.UpdateTime = now;
        return true;
    }

    public static bool Close(TicketRecord ticket, DateTime now)
    {
        if (ticket.Status == TicketStatuses.Closed) return false;
        if (ticket.Status != TicketStatuses.Resolved) throw SupportErrors.WrongState(ticket, "closed before it is resolved");
        ticket.Status = TicketStatuses.Closed;
        ticket.CloseTime = now;
        ticket.UpdateTime = now;
        return true;
    }
}
