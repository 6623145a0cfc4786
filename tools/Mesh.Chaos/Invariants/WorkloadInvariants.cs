namespace Mesh.Chaos.Invariants;

/// <summary>A run that booked nothing proves nothing: the flows the invariants speak of must have happened.</summary>
public static class WorkloadInvariants
{
    public static async Task<InvariantResult> ExercisedAsync(MeshDatabases db, CancellationToken ct)
    {
        var confirmed = await db.ScalarAsync<long>("bookingdb", "SELECT count(*) FROM bookings WHERE status IN ('CONFIRMED', 'CANCELLED')", ct);
        var cancelled = await db.ScalarAsync<long>("bookingdb", "SELECT count(*) FROM bookings WHERE status = 'CANCELLED'", ct);
        var payments = await db.ScalarAsync<long>("paymentdb", "SELECT count(*) FROM payments WHERE status = 'succeeded'", ct);
        return new("the workload exercised the flows", confirmed > 0 && cancelled > 0 && payments > 0,
            $"{confirmed} bookings confirmed (of which {cancelled} cancelled since), {payments} payments succeeded");
    }
}
