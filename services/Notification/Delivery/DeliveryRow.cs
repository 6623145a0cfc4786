namespace Mesh.Notification.Delivery;

/// <summary>A row of deliveries, with its notification's text.</summary>
public sealed class DeliveryRow
{
    public Guid Id { get; set; }
    public Guid NotificationId { get; set; }
    public Guid UserId { get; set; }
    public string Channel { get; set; } = "";
    public string Destination { get; set; } = "";
    public string State { get; set; } = "";
    public int Attempts { get; set; }
    public string? LastError { get; set; }
    public DateTime NextAttemptTime { get; set; }
    public DateTime CreateTime { get; set; }
    public string Title { get; set; } = "";
    public string Body { get; set; } = "";

    public const string Columns = """
        d.id, d.notification_id AS NotificationId, d.user_id AS UserId, d.channel, d.destination, d.state, d.attempts, d.last_error AS LastError,
        d.next_attempt_time AS NextAttemptTime, d.create_time AS CreateTime, n.title, n.body
        """;
}
