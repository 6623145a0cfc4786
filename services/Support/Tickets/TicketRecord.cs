namespace Mesh.Support.Tickets;

/// <summary>A ticket row as stored (status, category and priority in the database's lower-case spelling).</summary>
public sealed class TicketRecord
{
    public Guid Id { get; set; }
    /// <summary>Creation order (identity): what list pages are keyed by.</summary>
    public long Number { get; set; }
    public Guid CustomerId { get; set; }
    public string Subject { get; set; } = "";
    public string Body { get; set; } = "";
    public string Category { get; set; } = "";
    public string Priority { get; set; } = "";
    public string Status { get; set; } = "";
    public Guid? BookingId { get; set; }
    public Guid? PaymentId { get; set; }
    public Guid? AssigneeId { get; set; }
    public DateTime CreateTime { get; set; }
    public DateTime UpdateTime { get; set; }
    public DateTime FirstResponseDeadline { get; set; }
    public DateTime ResolutionDeadline { get; set; }
    public DateTime? FirstResponseTime { get; set; }
    public DateTime? ResolveTime { get; set; }
    public DateTime? CloseTime { get; set; }
    public long LastSequence { get; set; }
}

/// <summary>A message of a ticket's conversation (chat, REST reply or internal note) as stored.</summary>
public sealed class MessageRecord
{
    public Guid TicketId { get; set; }
    public long Sequence { get; set; }
    public Guid AuthorId { get; set; }
    public string AuthorRole { get; set; } = "";
    public string Body { get; set; } = "";
    public bool Internal { get; set; }
    public string? ClientMessageId { get; set; }
    public DateTime CreateTime { get; set; }
}

/// <summary>The statuses as the database spells them.</summary>
public static class TicketStatuses
{
    public const string Open = "open";
    public const string PendingAgent = "pending_agent";
    public const string PendingCustomer = "pending_customer";
    public const string Resolved = "resolved";
    public const string Closed = "closed";

    /// <summary>Still being worked on: counts towards an agent's load and towards the SLA deadlines.</summary>
    public static bool IsActive(string status) => status is not (Resolved or Closed);
}

/// <summary>The categories a ticket may have.</summary>
public static class TicketCategories
{
    public static readonly string[] All = ["booking", "payment", "account", "other"];
}
