using Mesh.ServiceDefaults.Messaging;

namespace Mesh.Payment.Notifications;

/// <summary>
/// What the user should be told, as a request through the outbox (type <c>notification.requested</c>), consumed by
/// services/Notification (its template for the kind, if it has one, else Subject and Body). Body JSON:
/// <c>{UserId, Kind, Subject, Body, Data}</c>; Kind is a stable machine name ("payment_failed", "subscription_canceled",
/// "payment_requires_action", "subscription_renewing"), Data holds ids and figures as strings.
/// </summary>
public static class NotificationRequests
{
    public const string Type = "notification.requested";

    public sealed record NotificationRequested(Guid UserId, string Kind, string Subject, string Body, IReadOnlyDictionary<string, string> Data);

    public static OutboxMessage For(Guid userId, string kind, string subject, string body, IReadOnlyDictionary<string, string> data) =>
        OutboxMessage.Json(Type, new NotificationRequested(userId, kind, subject, body, data));
}
