using Dapper;
using Mesh.Catalog.Changes;
using Mesh.Catalog.Domain;
using Npgsql;

namespace Mesh.Catalog;

/// <summary>Listing and editing events, and editing shows: the SQL behind the edit half of the catalog.</summary>
public sealed partial class CatalogStore
{
    /// <summary>Events of an owner (and genre) in id order (v7: creation order), after the cursor id.</summary>
    public async Task<IReadOnlyList<EventRow>> ListEventsAsync(string? owner, string? genre, Guid? afterId, int limit)
    {
        await using var connection = await db.OpenConnectionAsync();
        return (await connection.QueryAsync<EventRow>($"""
            SELECT {EventColumns} FROM events
            WHERE (@owner::text IS NULL OR owner_id = @owner) AND (@genre::text IS NULL OR @genre = ANY (genres))
              AND (@afterId::uuid IS NULL OR id > @afterId::uuid)
            ORDER BY id LIMIT @limit
            """, new { owner, genre, afterId, limit })).AsList();
    }

    /// <summary>
    /// Writes every mutable column of the event (the API merged the update mask) and moves the end of its scheduled,
    /// unfinished shows to the new duration — the exclusion constraint still decides whether they now overlap.
    /// </summary>
    public async Task<(UpdateEventOutcome Outcome, CatalogChanged? Change)> UpdateEventAsync(EventRow e)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        try
        {
            var updated = await connection.ExecuteAsync("""
                UPDATE events SET kind = @Kind, title = @Title, description = @Description, genres = @Genres, languages = @Languages,
                    duration_minutes = @DurationMinutes, age_rating = @AgeRating, details = @Details::jsonb
                WHERE id = @Id
                """, e, transaction);
            if (updated == 0) return (UpdateEventOutcome.NotFound, null);
            await connection.ExecuteAsync("""
                UPDATE shows SET end_time = start_time + make_interval(mins => @DurationMinutes)
                WHERE event_id = @Id AND status = 'scheduled' AND end_time > now() AND end_time <> start_time + make_interval(mins => @DurationMinutes)
                """, e, transaction);
            // Every show embeds its event (title, genres, …): all of them leave the cache.
            var shows = (await connection.QueryAsync<Guid>("SELECT id FROM shows WHERE event_id = @Id", e, transaction)).ToArray();
            var change = new CatalogChanged(CatalogChanged.Event, e.Id, shows, SearchesChanged: true);
            await changes.AddAsync(transaction, change);
            await transaction.CommitAsync();
            return (UpdateEventOutcome.Updated, change);
        }
        catch (PostgresException ex) when (ex.SqlState == ExclusionViolation)
        {
            return (UpdateEventOutcome.Overlaps, null);
        }
    }

    /// <summary>Deletes an event no show refers to; refuses while it has scheduled shows still to come.</summary>
    public async Task<(DeleteEventOutcome Outcome, CatalogChanged? Change)> DeleteEventAsync(Guid id)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        // Lock the event first: a show created concurrently waits (its foreign key check) until this decides.
        if (await connection.ExecuteScalarAsync<Guid?>("SELECT id FROM events WHERE id = @id FOR UPDATE", new { id }, transaction) is null)
            return (DeleteEventOutcome.NotFound, null);
        if (await connection.ExecuteScalarAsync<bool>(
                "SELECT EXISTS (SELECT 1 FROM shows WHERE event_id = @id AND status = 'scheduled' AND start_time > now())", new { id }, transaction))
            return (DeleteEventOutcome.HasScheduledShows, null);
        if (await connection.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM shows WHERE event_id = @id)", new { id }, transaction))
            return (DeleteEventOutcome.HasShows, null);
        await connection.ExecuteAsync("DELETE FROM events WHERE id = @id", new { id }, transaction);
        var change = new CatalogChanged(CatalogChanged.Event, id, [], SearchesChanged: true);
        await changes.AddAsync(transaction, change);
        await transaction.CommitAsync();
        return (DeleteEventOutcome.Deleted, change);
    }

    /// <summary>
    /// Moves or reprices a scheduled show: its row (screen, venue, city, times, currency, price range) and its prices in
    /// one transaction. The exclusion constraint decides overlaps, the update trigger that the start is still ahead.
    /// </summary>
    public async Task<UpdateShowOutcome> UpdateShowAsync(ShowRow show, IReadOnlyList<PriceRow> prices)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        try
        {
            var updated = await connection.ExecuteAsync("""
                UPDATE shows SET screen_id = @ScreenId, venue_id = @VenueId, city_id = @CityId, start_time = @StartTime, end_time = @EndTime,
                    currency = @Currency, min_price_minor = @MinPriceMinor, max_price_minor = @MaxPriceMinor
                WHERE id = @Id AND status = 'scheduled'
                """, show, transaction);
            if (updated == 0)
                return await connection.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM shows WHERE id = @Id)", show, transaction)
                    ? UpdateShowOutcome.NotScheduled : UpdateShowOutcome.NotFound;
            await connection.ExecuteAsync("DELETE FROM show_prices WHERE show_id = @Id", show, transaction);
            await connection.ExecuteAsync("INSERT INTO show_prices (show_id, category, price_minor) VALUES (@ShowId, @Category, @PriceMinor)",
                prices.Select(p => new { ShowId = show.Id, p.Category, p.PriceMinor }), transaction);
            await changes.AddAsync(transaction, CatalogChanged.OfShow(show.Id));
            await transaction.CommitAsync();
            return UpdateShowOutcome.Updated;
        }
        catch (PostgresException e) when (e.SqlState == ExclusionViolation)
        {
            return UpdateShowOutcome.Overlaps;
        }
        catch (PostgresException e) when (e.SqlState == CheckViolation && e.ConstraintName == "shows_start_in_future")
        {
            return UpdateShowOutcome.NotInFuture;
        }
    }
}
