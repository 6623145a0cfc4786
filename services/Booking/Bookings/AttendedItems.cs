using System.Globalization;
using System.Text;
using Dapper;
using Google.Protobuf.WellKnownTypes;
using Mesh.Booking.V1;
using Mesh.ServiceDefaults.Auth;
using Npgsql;

namespace Mesh.Booking.Bookings;

/// <summary>
/// ListAttendedItems: the caller's CONFIRMED bookings whose show or slot has started, latest first, keyset-paged on
/// (starts_at, id) over the bookings_user_start index. What "bought it" means to the rating service (verified reviews):
/// a cancelled, failed or pending booking never counts, nor one whose start is still ahead. The caller is always the
/// token's subject (rating forwards the customer's own token), so nobody learns what someone else attended.
/// </summary>
public sealed class AttendedItems(NpgsqlDataSource db, TimeProvider time)
{
    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 500;

    private sealed record Row(Guid Id, Guid? ShowId, Guid? ServiceId, DateTime StartsAt);

    public async Task<ListAttendedItemsResponse> ListAsync(ListAttendedItemsRequest request, ServerCallContext context)
    {
        var user = context.RequireUser();
        var violations = new FieldViolations();
        if (request.PageSize is < 0 or > MaxPageSize) violations.Add("page_size", $"must be between 1 and {MaxPageSize} (0: {DefaultPageSize})");
        (DateTime StartsAt, Guid Id)? after = null;
        if (request.PageToken.Length > 0)
        {
            after = ParseToken(request.PageToken);
            if (after is null) violations.Add("page_token", "is not a token from a previous page of this listing");
        }
        violations.ThrowIfAny();

        var size = request.PageSize == 0 ? DefaultPageSize : request.PageSize;
        var now = time.GetUtcNow().UtcDateTime;
        await using var connection = await db.OpenConnectionAsync(context.CancellationToken);
        var rows = (await connection.QueryAsync<Row>("""
            SELECT id, show_id AS ShowId, service_id AS ServiceId, starts_at AS StartsAt FROM bookings
            WHERE user_id = @userId AND status = 'CONFIRMED' AND starts_at <= @now
              AND (NOT @hasAfter OR (starts_at, id) < (@afterStart, @afterId))
            ORDER BY starts_at DESC, id DESC LIMIT @limit
            """, new { userId = user.Subject, now, hasAfter = after is not null, afterStart = after?.StartsAt ?? now, afterId = after?.Id ?? Guid.Empty, limit = size + 1 })).AsList();

        var response = new ListAttendedItemsResponse();
        foreach (var row in rows.Take(size))
            response.Items.Add(new AttendedItem
            {
                BookingId = row.Id.ToString(), ShowId = row.ShowId?.ToString() ?? "", ServiceId = row.ServiceId?.ToString() ?? "",
                StartsAt = Timestamp.FromDateTime(DateTime.SpecifyKind(row.StartsAt, DateTimeKind.Utc)),
            });
        if (rows.Count > size) response.NextPageToken = FormatToken(rows[size - 1].StartsAt, rows[size - 1].Id);
        return response;
    }

    private static string FormatToken(DateTime startsAt, Guid id) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes($"a|{startsAt.Ticks.ToString(CultureInfo.InvariantCulture)}|{id:N}"))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static (DateTime, Guid)? ParseToken(string token)
    {
        try
        {
            var s = token.Replace('-', '+').Replace('_', '/');
            var parts = Encoding.ASCII.GetString(Convert.FromBase64String(s + new string('=', (4 - s.Length % 4) % 4))).Split('|');
            if (parts.Length != 3 || parts[0] != "a") return null;
            if (!long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) || ticks > DateTime.MaxValue.Ticks) return null;
            return Guid.TryParseExact(parts[2], "N", out var id) ? (new DateTime(ticks, DateTimeKind.Utc), id) : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
