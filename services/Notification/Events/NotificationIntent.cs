using Mesh.Notification.Templates;

namespace Mesh.Notification.Events;

/// <summary>
/// "Tell this user this": what one event means for one user. <see cref="EventId"/> is the event's message id (a
/// reminder's or broadcast's own id), the inbox's dedupe key per user; <see cref="Fallback"/> is the producer's own
/// text for a notification.requested kind without a template.
/// </summary>
public sealed record NotificationIntent(Guid UserId, Guid EventId, string Kind, IReadOnlyDictionary<string, string> Data, Rendered? Fallback = null)
{
    public string Category => Categories.Of(Kind);
}
