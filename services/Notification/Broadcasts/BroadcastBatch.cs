using Mesh.ServiceDefaults.Messaging;

namespace Mesh.Notification.Broadcasts;

/// <summary>
/// One batch of a broadcast, a task on the broadcast work queue: the users of the city whose ids are in
/// [FromUserId, ToUserId) (ToUserId null = to the end). Type <c>notification.broadcast_batch</c>, sent through this
/// service's own outbox to <see cref="Queue"/>, which only the broadcast consumer reads — never the queue of
/// single-user events.
/// </summary>
public sealed record BroadcastBatch(Guid BroadcastId, int Index, Guid FromUserId, Guid? ToUserId)
{
    public const string Type = "notification.broadcast_batch";
    public const string Queue = "notification.broadcast-batches";

    /// <summary>Declared by the relay too, so batches sent before the consumer first ran wait in the queue.</summary>
    public static readonly Dictionary<string, string[]> Queues = new() { [Queue] = [Type] };

    public OutboxMessage Message() => OutboxMessage.Json(Type, this);
}
