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
    /// <summary>Makes the hold's claims permanent (a confirmed booking). Returns how many claim rows it kept.</summary>
    public static async Task<int> MakePermanentAsync(NpgsqlTransaction transaction, Guid holdId)
    {
        var connection = transaction.Connection!;
        return await connection.ExecuteAsync("UPDATE seat_claims SET expires_at = 'infinity' WHERE hold_id = @holdId", new { holdId }, transaction)
             + await connection.ExecuteAsync("UPDATE slot_claims SET expires_at = 'infinity' WHERE hold_id = @holdId", new { holdId }, transaction);
    }

    /// <summary>
    /// Keeps the hold's claims until <paramref name="until"/> (e.g. while a checkout waits for payment). Returns how
    /// many claim rows it kept, so a caller can tell that claims it expected are gone.
    /// </summary>
    public static async Task<int> ExtendAsync(NpgsqlTransaction transaction, Guid holdId, DateTime until)
    {
        var connection = transaction.Connection!;
        return await connection.ExecuteAsync("UPDATE seat_claims SET expires_at = @until WHERE hold_id = @holdId", new { holdId, until }, transaction)
             + await connection.ExecuteAsync("UPDATE slot_claims SET expires_at = @until WHERE hold_id = @holdId", new { holdId, until }, transaction);
    }

    /// <summary>Frees the hold's seats or places at once.</summary>
    public static async Task ReleaseAsync(NpgsqlTransaction transaction, Guid holdId)
    {
        var connection = transaction.Connection!;
        await connection.ExecuteAsync("DELETE FROM seat_claims WHERE hold_id = @holdId", new { holdId }, transaction);
        await connection.ExecuteAsync("DELETE FROM slot_claims WHERE hold_id = @holdId", new { holdId }, transaction);
    }
}
