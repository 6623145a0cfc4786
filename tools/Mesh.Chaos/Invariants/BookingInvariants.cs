namespace Mesh.Chaos.Invariants;

/// <summary>Places: no seat sold twice, no slot over capacity, no hold outliving its expiry, every booking in a terminal state.</summary>
public static class BookingInvariants
{
    public static async Task<InvariantResult> SeatsSoldOnceAsync(MeshDatabases db, CancellationToken ct)
    {
        // From the bookings and what each one's hold held — not from seat_claims, whose key would hide a double sale.
        var sold = await db.ScalarAsync<long>("bookingdb", """
            SELECT count(*) FROM bookings b JOIN hold_seats s ON s.hold_id = b.hold_id WHERE b.status = 'CONFIRMED'
            """, ct);
        var twice = await db.ScalarAsync<long>("bookingdb", """
            SELECT count(*) FROM (SELECT b.show_id, s.seat_id FROM bookings b JOIN hold_seats s ON s.hold_id = b.hold_id
                                  WHERE b.status = 'CONFIRMED' GROUP BY b.show_id, s.seat_id HAVING count(*) > 1) t
            """, ct);
        return new("no seat sold twice", twice == 0, $"{twice} of {sold} seats sold are sold twice");
    }

    public static async Task<InvariantResult> SlotsWithinCapacityAsync(MeshDatabases db, CancellationToken ct)
    {
        var over = await db.QueryAsync<(Guid ServiceId, DateTime SlotStart, long Sold, int Capacity)>("bookingdb", """
            SELECT b.service_id, b.slot_start, sum(b.quantity)::bigint, u.capacity
            FROM bookings b JOIN slot_usage u ON u.service_id = b.service_id AND u.slot_start = b.slot_start
            WHERE b.status = 'CONFIRMED' GROUP BY b.service_id, b.slot_start, u.capacity HAVING sum(b.quantity) > u.capacity
            """, ct);
        var slots = await db.ScalarAsync<long>("bookingdb", "SELECT count(DISTINCT (service_id, slot_start)) FROM bookings WHERE status = 'CONFIRMED' AND service_id IS NOT NULL", ct);
        return new("no slot place sold twice", over.Count == 0,
            $"{over.Count} of {slots} slots sold over capacity" + string.Concat(over.Take(3).Select(o => $"; {o.ServiceId} {o.SlotStart:u}: {o.Sold} > {o.Capacity}")));
    }

    /// <summary>
    /// Expired claims stop counting at once (every read compares expires_at with now) and the sweeper deletes them each
    /// minute: after settling, a claim of a hold that did not become a booking must not be older than its expiry plus
    /// two sweeps.
    /// </summary>
    public static async Task<InvariantResult> NoHoldOutlivesItsExpiryAsync(MeshDatabases db, CancellationToken ct)
    {
        var stale = await db.ScalarAsync<long>("bookingdb", """
            SELECT (SELECT count(*) FROM seat_claims WHERE expires_at < now() - interval '2 minutes')
                 + (SELECT count(*) FROM slot_claims WHERE expires_at < now() - interval '2 minutes')
            """, ct);
        var holds = await db.ScalarAsync<long>("bookingdb", "SELECT count(*) FROM holds", ct);
        return new("no hold outlives its expiry", stale == 0, $"{stale} claims kept past expiry (+2 min) of {holds} holds");
    }

    public static async Task<InvariantResult> BookingsTerminalAsync(MeshDatabases db, CancellationToken ct)
    {
        var states = await db.QueryAsync<(string Status, long Count)>("bookingdb", "SELECT status, count(*) FROM bookings GROUP BY status ORDER BY status", ct);
        var pending = states.Where(s => s.Status == "PENDING").Sum(s => s.Count);
        var failures = await db.QueryAsync<(string? Reason, long Count)>("bookingdb",
            "SELECT failure_reason, count(*) FROM bookings WHERE status = 'FAILED' GROUP BY failure_reason ORDER BY count(*) DESC LIMIT 4", ct);
        return new("every booking in a terminal state", pending == 0, string.Join(", ", states.Select(s => $"{s.Count} {s.Status}"))
            + (failures.Count == 0 ? "" : "; failed: " + string.Join(", ", failures.Select(f => $"{f.Count} {f.Reason ?? "no reason"}"))));
    }
}
