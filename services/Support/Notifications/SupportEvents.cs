using Mesh.ServiceDefaults.Messaging;

namespace Mesh.Support.Notifications;

/// <summary>
/// What support announces through its outbox. <c>notification.requested</c> is the shape the payment service already
/// uses for its notifications (#19's notification service will consume it): body JSON
/// <c>{UserId, Kind, Subject, Body, Data}</c>; Kind is a stable machine name — "support_reply" (an agent answered the
/// customer, or the customer answered the assigned agent) and "support_ticket_status" (the ticket's status changed);
/// Data holds ticket_id, status and sequence as strings. <c>support.sla_breached</c> tells the back office a deadline
/// passed: <c>{TicketId, Kind ("first_response" | "resolution"), Deadline, AssigneeId}</c>, once per ticket and kind.
/// </summary>
public static class SupportEvents
{
    public const string NotificationRequestedType = "notification.requested";
    public const string SlaBreachedType = "support.sla_breached";

    public sealed record NotificationRequested(Guid UserId, string Kind, string Subject, string Body, IReadOnlyDictionary<string, string> Data);

    public sealed record SlaBreached(Guid TicketId, string Kind, DateTime Deadline, Guid? AssigneeId);

    public static OutboxMessage Reply(Guid recipient, Guid ticketId, string subject, long sequence) =>
        OutboxMessage.Json(NotificationRequestedType, new NotificationRequested(recipient, "support_reply", $"New reply on \"{subject}\"",
            "There is a new reply on your support ticket.", new Dictionary<string, string> { ["ticket_id"] = ticketId.ToString(), ["sequence"] = sequence.ToString(System.Globalization.CultureInfo.InvariantCulture) }));

    public static OutboxMessage StatusChanged(Guid customer, Guid ticketId, string subject, string status) =>
        OutboxMessage.Json(NotificationRequestedType, new NotificationRequested(customer, "support_ticket_status", $"Your ticket \"{subject}\" is {status.Replace('_', ' ')}",
            $"The status of your support ticket changed to {status.ToUpperInvariant()}.", new Dictionary<string, string> { ["ticket_id"] = ticketId.ToString(), ["status"] = status.ToUpperInvariant() }));

    public static OutboxMessage Breached(Guid ticketId, string kind, DateTime deadline, Guid? assignee) =>
        OutboxMessage.Json(SlaBreachedType, new SlaBreached(ticketId, kind, deadline, assignee));
}
