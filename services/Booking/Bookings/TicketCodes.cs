using System.Security.Cryptography;
using System.Text;
using Dapper;
using Npgsql;

namespace Mesh.Booking.Bookings;

/// <summary>
/// Signed ticket codes a venue can check without trusting the holder: "{ticket id}.{booking id}.{HMAC-SHA256}" where
/// the MAC covers a version tag and both ids. The key is Booking:TicketSigningKey (base64, ≥ 32 bytes) or, when not
/// configured, one generated once and kept in bookingdb, so every replica and every restart signs alike.
/// </summary>
public sealed class TicketCodes(NpgsqlDataSource db, BookingOptions options)
{
    private const string Version = "mesh-ticket-v1";
    private readonly SemaphoreSlim _loading = new(1, 1);
    private byte[]? _key;

    public async Task<string> SignAsync(Guid ticketId, Guid bookingId, CancellationToken cancellationToken)
    {
        var mac = Mac(await KeyAsync(cancellationToken), ticketId, bookingId);
        return $"{ticketId:N}.{bookingId:N}.{Base64Url(mac)}";
    }

    /// <summary>The ids a code names when its signature is valid; null for anything malformed or forged.</summary>
    public async Task<(Guid TicketId, Guid BookingId)?> VerifyAsync(string code, CancellationToken cancellationToken)
    {
        var parts = code.Split('.');
        if (parts.Length != 3 || !Guid.TryParseExact(parts[0], "N", out var ticketId) || !Guid.TryParseExact(parts[1], "N", out var bookingId)) return null;
        byte[] given;
        try { given = Convert.FromBase64String(FromBase64Url(parts[2])); }
        catch (FormatException) { return null; }
        var expected = Mac(await KeyAsync(cancellationToken), ticketId, bookingId);
        return CryptographicOperations.FixedTimeEquals(given, expected) ? (ticketId, bookingId) : null;
    }

    private static byte[] Mac(byte[] key, Guid ticketId, Guid bookingId) =>
        HMACSHA256.HashData(key, Encoding.ASCII.GetBytes($"{Version}|{ticketId:N}|{bookingId:N}"));

    private async Task<byte[]> KeyAsync(CancellationToken cancellationToken)
    {
        if (_key is { } key) return key;
        await _loading.WaitAsync(cancellationToken);
        try
        {
            if (_key is not null) return _key;
            if (options.TicketSigningKey is { Length: > 0 } configured)
            {
                var bytes = Convert.FromBase64String(configured);
                if (bytes.Length < 32) throw new InvalidOperationException("Booking:TicketSigningKey must be at least 32 bytes (base64).");
                return _key = bytes;
            }
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            // The first replica to get here stores its random key; every other one reads that.
            await connection.ExecuteAsync("INSERT INTO ticket_signing_keys (id, key) VALUES (1, @key) ON CONFLICT (id) DO NOTHING",
                new { key = RandomNumberGenerator.GetBytes(32) });
            return _key = await connection.ExecuteScalarAsync<byte[]>("SELECT key FROM ticket_signing_keys WHERE id = 1")
                ?? throw new InvalidOperationException("The ticket signing key could not be stored.");
        }
        finally
        {
            _loading.Release();
        }
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string FromBase64Url(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        return s + new string('=', (4 - s.Length % 4) % 4);
    }
}
