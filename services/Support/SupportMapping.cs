using Google.Protobuf.WellKnownTypes;
using Mesh.Support.Tickets;
using Mesh.Support.V1;

namespace Mesh.Support;

/// <summary>Rows ⇄ contract: the database's lower-case names to the proto enums and back.</summary>
public static class SupportMapping
{
    public static TicketStatus Status(string status) => status switch
    {
        TicketStatuses.Open => TicketStatus.Open,
        TicketStatuses.PendingAgent => TicketStatus.PendingAgent,
        TicketStatuses.PendingCustomer => TicketStatus.PendingCustomer,
        TicketStatuses.Resolved => TicketStatus.Resolved,
        TicketStatuses.Closed => TicketStatus.Closed,
        _ => TicketStatus.Unspecified,
    };

    public static string? Status(TicketStatus status) => status switch
    {
        TicketStatus.Open => TicketStatuses.Open,
        TicketStatus.PendingAgent => TicketStatuses.PendingAgent,
        TicketStatus.PendingCustomer => TicketStatuses.PendingCustomer,
        TicketStatus.Resolved => TicketStatuses.Resolved,
        TicketStatus.Closed => TicketStatuses.Closed,
        _ => null,
    };

    public static TicketPriority Priority(string priority) => priority switch
    {
        "low" => TicketPriority.Low,
        "normal" => TicketPriority.Normal,
        "high" => TicketPriority.High,
        "urgent" => TicketPriority.Urgent,
        _ => TicketPriority.Unspecified,
    };

    public static string? Priority(TicketPriority priority) => priority switch
    {
        TicketPriority.Low => "low",
        TicketPriority.Normal => "normal",
        TicketPriority.High => "high",
        TicketPriority.Urgent => "urgent",
        _ => null,
    };

    public static Ticket ToProto(TicketRecord t, IReadOnlyList<string>? breaches = null)
    {
        var ticket = new Ticket
        {
            Id = t.Id.ToString(), CustomerId = t.CustomerId.ToString(), Subject = t.Subject, Body = t.Body, Category = t.Category,
            Priority = Priority(t.Priority), Status = Status(t.Status), BookingId = t.BookingId?.ToString() ?? "",
            PaymentId = t.PaymentId?.ToString() ?? "", AssigneeId = t.AssigneeId?.ToString() ?? "",
            CreateTime = Time(t.CreateTime), UpdateTime = Time(t.UpdateTime),
            FirstResponseDeadline = Time(t.FirstResponseDeadline), ResolutionDeadline = Time(t.ResolutionDeadline),
            FirstResponseTime = Time(t.FirstResponseTime), ResolveTime = Time(t.ResolveTime), CloseTime = Time(t.CloseTime),
        };
        if (breaches is not null) ticket.BreachedSlas.AddRange(breaches);
        return ticket;
    }

    public static TicketMessage ToProto(MessageRecord m) => new()
    {
        TicketId = m.TicketId.ToString(), Sequence = m.Sequence, AuthorId = m.AuthorId.ToString(), AuthorRole = m.AuthorRole,
        Body = m.Body, Internal = m.Internal, ClientMessageId = m.ClientMessageId ?? "", CreateTime = Time(m.CreateTime),
    };

    private static Timestamp? Time(DateTime? value) => value is { } v ? Timestamp.FromDateTime(DateTime.SpecifyKind(v, DateTimeKind.Utc)) : null;
}
