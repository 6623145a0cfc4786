using Dapper;
using Mesh.ServiceDefaults.Messaging;
using Npgsql;

namespace Mesh.Feed.Bookings;

/// <summary>A booking the feed has seen, with the booked show's event, venue, city and genres.</summary>
public sealed class BookedRow
{
    public Guid BookingId { get; init; }
    public string UserId { get; init; } = "";
    public Guid? ShowId { get; init; }
    public Guid? ServiceId { get; init; }
    public Guid? EventId { get; init; }
    public string Title { get; init; } = "";
    public string VenueId { get; init; } = "";
    public string CityId { get; init; } = "";
    public string[] Genres { get; init; } = [];
    public DateTime StartsAt { get; init; }
}

/// <summary>A show other people booked together with one of the user's events, and how many of them did.</summary>
public sealed class CoBookedShow
{
    public Guid ShowId { get; init; }
    public Guid EventId { get; init; }
    public string Title { get; init; } = "";
    public string VenueId { get; init; } = "";
    public string[] Genres { get; init; } = [];
    public DateTime StartsAt { get; init; }
    public long People { get; init; }
}

/// <summary>The SQL of feeddb: bookings as booking's events announce them, a user's own, and co-bookings.</summary>
public sealed class BookedStore(NpgsqlDataSource db)
{
    private const string Columns = """
        booking_id AS BookingId, user_id AS UserId, show_id AS ShowId, service_id AS ServiceId, event_id AS EventId, title,
        venue_id AS VenueId, city_id AS CityId, genres, starts_at AS StartsAt
        """;

    /// <summary>Migrations/*.sql in order, then the outbox and inbox tables (the consumer's dedupe).</summary>
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await Mesh.ServiceDefaults.Data.SqlMigrations.ApplyAsync(db, typeof(BookedStore).Assembly, cancellationToken);
        await Outbox.MigrateAsync(db, cancellationToken);
    }

    /// <summary>Records a confirmed booking (again: nothing changes, the booking id is the key).</summary>
    public static Task AddAsync(NpgsqlTransaction tx, BookedRow row) => tx.Connection!.ExecuteAsync("""
        INSERT INTO booked (booking_id, user_id, show_id, service_id, event_id, title, venue_id, city_id, genres, starts_at)
        VALUES (@BookingId, @UserId, @ShowId, @ServiceId, @EventId, @Title, @VenueId, @CityId, @Genres, @StartsAt)
        ON CONFLICT (booking_id) DO NOTHING
        """, row, tx);

    public static Task CancelAsync(NpgsqlTransaction tx, Guid bookingId) =>
        tx.Connection!.ExecuteAsync("UPDATE booked SET cancelled = true WHERE booking_id = @bookingId", new { bookingId }, tx);

    /// <summary>The user's bookings that stand (not cancelled), in every city.</summary>
    public async Task<IReadOnlyList<BookedRow>> OfUserAsync(string userId, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<BookedRow>(new CommandDefinition(
            $"SELECT {Columns} FROM booked WHERE user_id = @userId AND NOT cancelled", new { userId }, cancellationToken: cancellationToken))).AsList();
    }

    /// <summary>
    /// People who booked an event the user booked also booked these shows: upcoming, in the city, of events the user has
    /// not booked, by how many such people booked them.
    /// </summary>
    public async Task<IReadOnlyList<CoBookedShow>> CoBookedAsync(string userId, string city, DateTime now, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<CoBookedShow>(new CommandDefinition("""
            WITH mine AS (SELECT DISTINCT event_id FROM booked WHERE user_id = @userId AND NOT cancelled AND event_id IS NOT NULL),
                 people AS (SELECT DISTINCT b.user_id FROM booked b JOIN mine m ON m.event_id = b.event_id WHERE b.user_id <> @userId AND NOT b.cancelled)
            SELECT o.show_id AS ShowId, o.event_id AS EventId, min(o.title) AS Title, min(o.venue_id) AS VenueId, (array_agg(o.genres))[1] AS Genres,
                   min(o.starts_at) AS StartsAt, count(DISTINCT o.user_id) AS People
            FROM booked o JOIN people p ON p.user_id = o.user_id
            WHERE NOT o.cancelled AND o.show_id IS NOT NULL AND o.city_id = @city AND o.starts_at > @now
              AND o.event_id NOT IN (SELECT event_id FROM mine)
            GROUP BY o.show_id, o.event_id
            ORDER BY People DESC, o.show_id
            LIMIT @limit
            """, new { userId, city, now, limit }, cancellationToken: cancellationToken))).AsList();
    }
}
