using Dapper;
using Npgsql;

namespace Mesh.Booking;

/// <summary>
/// The one lifecycle of a hold's claims (seat_claims for a show, slot_claims for a service slot), shared by holds,
/// checkout and cancellation so every path frees or keeps places the same way. A claim counts while its expires_at
/// is in the future: a hold's claims expire with the hold, a confirmed booking's claims never expire ('infinity'),
/// and releasing, failing or cancelling deletes them.
/// </summary>
public static class HoldClaims
{
    /// <summary>
    /// One statement keeping both kinds of claims of hold @HoldId until @Until (e.g. while a checkout waits for
    /// payment) and returning how many claim rows it kept, so a caller can tell that claims it expected are gone. For
    /// callers that send it together with their other statements (checkout's TX1: BookingsStore.InsertPendingAsync).
    /// </summary>
    public const string ExtendSql = """
        WITH seats AS (UPDATE seat_claims SET expires_at = @Until WHERE hold_id = @HoldId RETURNING 1),
             slots AS (UPDATE slot_claims SET expires_at = @Until WHERE hold_id = @HoldId RETURNING 1)
        SELECT ((SELECT count(*) FROM seats) + (SELECT count(*) FROM slots))::int
        """;

    private const string MakePermanentSql = """
        WITH seats AS (UPDATE seat_claims SET expires_at = 'infinity' WHERE hold_id = @holdId RETURNING 1),
             slots AS (UPDATE slot_claims SET expires_at = 'infinity' WHERE hold_id = @holdId RETURNING 1)
        SELECT ((SELECT count(*) FROM seats) + (SELECT count(*) FROM slots))::int
        """;

    /// <summary>Makes the hold's claims permanent (a confirmed booking). Returns how many claim rows it kept.</summary>
    public static Task<int> MakePermanentAsync(NpgsqlTransaction transaction, Guid holdId) =>
        transaction.Connection!.ExecuteScalarAsync<int>(MakePermanentSql, new { holdId }, transaction);

    /// <summary>Frees the hold's seats or places at once (both deletes in one round trip).</summary>
    public static async Task ReleaseAsync(NpgsqlTransaction transaction, Guid holdId)
    {
        await transaction.Connection!.ExecuteAsync(
            "DELETE FROM seat_claims WHERE hold_id = @holdId; DELETE FROM slot_claims WHERE hold_id = @holdId", new { holdId }, transaction);
    }
}
