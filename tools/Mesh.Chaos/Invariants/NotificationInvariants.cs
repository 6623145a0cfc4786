namespace Mesh.Chaos.Invariants;

/// <summary>
/// Notifications: each event a customer is told about reaches their inbox once, and each email or SMS of it is handed
/// to the provider once per channel — across the broker's and the database's restarts and the services' deaths.
/// </summary>
public static class NotificationInvariants
{
    /// <summary>
    /// Read from both ends: every booking.confirmed and booking.cancelled that booking sent (its outbox, by message id)
    /// made exactly one inbox notification (the notification keeps the event's message id); every delivery row ended
    /// sent (or dead with its error); and the sandbox provider recorded each sent delivery exactly once (its key is
    /// the delivery id) and nothing no delivery asked for.
    /// </summary>
    public static async Task<InvariantResult> DeliveredOncePerChannelAsync(MeshDatabases db, CancellationToken ct)
    {
        var events = await db.QueryAsync<Guid>("bookingdb",
            "SELECT id FROM mesh_outbox WHERE type IN ('booking.confirmed', 'booking.cancelled') AND sent_at IS NOT NULL", ct);
        var counts = await db.QueryAsync<(Guid EventId, long Count)>("notificationdb",
            "SELECT event_id, count(*) FROM notifications WHERE event_id = ANY(@ids) GROUP BY event_id", ct, new { ids = events.ToArray() });
        var missing = events.Count - counts.Count;
        var twice = counts.Count(c => c.Count > 1);

        var deliveries = await db.QueryAsync<(string Channel, string State, long Count)>("notificationdb",
            "SELECT channel, state, count(*) FROM deliveries GROUP BY channel, state ORDER BY channel, state", ct);
        var pending = deliveries.Where(d => d.State == "pending").Sum(d => d.Count);
        var perChannelTwice = await db.ScalarAsync<long>("notificationdb",
            "SELECT count(*) FROM (SELECT notification_id, channel FROM deliveries GROUP BY notification_id, channel HAVING count(*) > 1) t", ct);
        var sentUnrecorded = await db.ScalarAsync<long>("notificationdb",
            "SELECT count(*) FROM deliveries d WHERE d.state = 'sent' AND NOT EXISTS (SELECT 1 FROM sandbox_messages m WHERE m.idempotency_key = d.id)", ct);
        var recordedUnasked = await db.ScalarAsync<long>("notificationdb",
            "SELECT count(*) FROM sandbox_messages m WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.id = m.idempotency_key)", ct);
        var dead = await db.QueryAsync<(string Channel, string? Error)>("notificationdb",
            "SELECT channel, last_error FROM deliveries WHERE state = 'dead' ORDER BY dead_time LIMIT 3", ct);

        var holds = missing == 0 && twice == 0 && pending == 0 && perChannelTwice == 0 && sentUnrecorded == 0 && recordedUnasked == 0 && dead.Count == 0;
        return new("each notification delivered once per channel", holds,
            $"{events.Count} booking events: {missing} without a notification, {twice} notified twice; deliveries "
            + (deliveries.Count == 0 ? "none" : string.Join(", ", deliveries.Select(d => $"{d.Count} {d.Channel} {d.State}")))
            + $"; {perChannelTwice} twice on a channel, {sentUnrecorded} sent but not at the provider, {recordedUnasked} at the provider unasked"
            + string.Concat(dead.Select(d => $"; dead {d.Channel}: {d.Error}")));
    }
}
