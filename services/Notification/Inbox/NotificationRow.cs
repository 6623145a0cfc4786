namespace Mesh.Notification.Inbox;

/// <summary>A row of notifications as read back.</summary>
public sealed class NotificationRow
{
    public Guid Id { get; set; }
    public long Seq { get; set; }
    public Guid UserId { get; set; }
    public Guid EventId { get; set; }
    public string Kind { get; set; } = "";
    public string Category { get; set; } = "";
    public string Title { get; set; } = "";
    public string Body { get; set; } = "";
    public string Data { get; set; } = "{}";
    public DateTime CreateTime { get; set; }
    public DateTime? ReadTime { get; set; }

    public const string Columns = "id, seq, user_id AS UserId, event_id AS EventId, kind, category, title, body, data::text AS data, create_time AS CreateTime, read_time AS ReadTime";
}
