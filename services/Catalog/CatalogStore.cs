using Dapper;
using Mesh.Catalog.Changes;
using Mesh.Catalog.Domain;
using Npgsql;

namespace Mesh.Catalog;

/// <summary>
/// All SQL of the catalog, parameterised (Dapper), against catalogdb. Rule violations callers can cause (an
/// overlapping show, a show in the past, a venue still in use) come back as outcomes, not exceptions. Every write
/// adds its <see cref="CatalogChanged"/> to the outbox in the same transaction (<see cref="ChangeOutbox"/>).
/// </summary>
public sealed partial class CatalogStore(NpgsqlDataSource db, ChangeOutbox changes)
{
    private const string ExclusionViolation = "23P01";
    private const string CheckViolation = "23514";
    private const string ForeignKeyViolation = "23503";

    private const string VenueColumns = "id, city_id AS CityId, owner_id AS OwnerId, name, address, latitude, longitude, amenities, create_time AS CreateTime, update_time AS UpdateTime";
    private const string EventColumns = "id, owner_id AS OwnerId, kind, title, description, genres, languages, duration_minutes AS DurationMinutes, age_rating AS AgeRating, details::text AS Details";
    private const string ShowColumns = """
        s.id, s.event_id AS EventId, s.screen_id AS ScreenId, s.venue_id AS VenueId, s.city_id AS CityId, s.start_time AS StartTime,
        s.end_time AS EndTime, s.currency, s.min_price_minor AS MinPriceMinor, s.max_price_minor AS MaxPriceMinor, s.status,
        v.name AS VenueName, v.owner_id AS OwnerId
        """;
    private const string ServiceColumns = "id, venue_id AS VenueId, city_id AS CityId, name, category, duration_minutes AS DurationMinutes, capacity, price_minor AS PriceMinor, currency, opening_hours::text AS OpeningHours";

    /// <summary>Applies the embedded Migrations/*.sql not yet applied, in name order, each in its own transaction, one replica at a time.</summary>
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await Mesh.ServiceDefaults.Data.SqlMigrations.ApplyAsync(db, typeof(CatalogStore).Assembly, cancellationToken);
    }

    // ---- cities

    public async Task<IReadOnlyList<CityRow>> ListCitiesAsync()
    {
        await using var connection = await db.OpenConnectionAsync();
        return (await connection.QueryAsync<CityRow>("SELECT id, name, country_code AS CountryCode, time_zone AS TimeZone FROM cities ORDER BY name, id")).AsList();
    }

    public async Task<CityRow?> FindCityAsync(string id)
    {
        await using var connection = await db.OpenConnectionAsync();
        return await connection.QuerySingleOrDefaultAsync<CityRow>("SELECT id, name, country_code AS CountryCode, time_zone AS TimeZone FROM cities WHERE id = @id", new { id });
    }

    public async Task UpsertCityAsync(CityRow city)
    {
        await using var connection = await db.OpenConnectionAsync();
        await connection.ExecuteAsync("""
            INSERT INTO cities (id, name, country_code, time_zone) VALUES (@Id, @Name, @CountryCode, @TimeZone)
            ON CONFLICT (id) DO UPDATE SET name = excluded.name, country_code = excluded.country_code, time_zone = excluded.time_zone
            """, city);
    }

    // ---- venues and screens

    public async Task CreateVenueAsync(VenueRow venue)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await connection.ExecuteAsync("""
            INSERT INTO venues (id, city_id, owner_id, name, address, latitude, longitude, amenities, create_time, update_time)
            VALUES (@Id, @CityId, @OwnerId, @Name, @Address, @Latitude, @Longitude, @Amenities, @CreateTime, @UpdateTime)
            """, venue, transaction);
        await changes.AddAsync(transaction, new CatalogChanged(CatalogChanged.Venue, venue.Id, [], SearchesChanged: false));
        await transaction.CommitAsync();
    }

    public async Task<VenueRow?> FindVenueAsync(Guid id)
    {
        await using var connection = await db.OpenConnectionAsync();
        return await connection.QuerySingleOrDefaultAsync<VenueRow>($"SELECT {VenueColumns} FROM venues WHERE id = @id", new { id });
    }

    /// <summary>The updated venue and the change it announced (its shows carry the venue's name), or null when it is gone.</summary>
    public async Task<(VenueRow Venue, CatalogChanged Change)?> UpdateVenueAsync(VenueRow venue)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var updated = await connection.QuerySingleOrDefaultAsync<VenueRow>($"""
            UPDATE venues SET name = @Name, address = @Address, latitude = @Latitude, longitude = @Longitude, amenities = @Amenities, update_time = @UpdateTime
            WHERE id = @Id RETURNING {VenueColumns}
            """, venue, transaction);
        if (updated is null) return null;
        var shows = (await connection.QueryAsync<Guid>("SELECT id FROM shows WHERE venue_id = @Id", venue, transaction)).ToArray();
        var change = new CatalogChanged(CatalogChanged.Venue, venue.Id, shows, SearchesChanged: shows.Length > 0);
        await changes.AddAsync(transaction, change);
        await transaction.CommitAsync();
        return (updated, change);
    }

    public async Task<DeleteOutcome> DeleteVenueAsync(Guid id)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        try
        {
            if (await connection.ExecuteAsync("DELETE FROM venues WHERE id = @id", new { id }, transaction) == 0) return DeleteOutcome.NotFound;
            await changes.AddAsync(transaction, new CatalogChanged(CatalogChanged.Venue, id, [], SearchesChanged: false));
            await transaction.CommitAsync();
            return DeleteOutcome.Deleted;
        }
        catch (PostgresException e) when (e.SqlState == ForeignKeyViolation)
        {
            return DeleteOutcome.InUse;   // shows refer to it (history is kept)
        }
    }

    /// <summary>Venues in id order (creation order: ids are UUIDv7), of one city or all, after a keyset cursor.</summary>
    public async Task<IReadOnlyList<VenueRow>> ListVenuesAsync(string? city, Guid? afterId, int limit)
    {
        await using var connection = await db.OpenConnectionAsync();
        return (await connection.QueryAsync<VenueRow>($"""
            SELECT {VenueColumns} FROM venues
            WHERE (@city::text IS NULL OR city_id = @city) AND (@afterId::uuid IS NULL OR id > @afterId::uuid)
            ORDER BY id LIMIT @limit
            """, new { city, afterId, limit })).AsList();
    }

    /// <summary>The screens of several venues without their seat maps (for listings), by venue.</summary>
    public async Task<IReadOnlyDictionary<Guid, List<ScreenRow>>> ListScreenNamesAsync(IReadOnlyList<Guid> venueIds)
    {
        if (venueIds.Count == 0) return new Dictionary<Guid, List<ScreenRow>>();
        await using var connection = await db.OpenConnectionAsync();
        var rows = await connection.QueryAsync<ScreenRow>("""
            SELECT id, venue_id AS VenueId, name FROM screens WHERE venue_id = ANY(@venueIds) ORDER BY name, id
            """, new { venueIds = venueIds.ToArray() });
        return rows.GroupBy(r => r.VenueId).ToDictionary(g => g.Key, g => g.ToList());
    }

    public async Task<IReadOnlyList<ScreenRow>> ListScreensAsync(Guid venueId)
    {
        await using var connection = await db.OpenConnectionAsync();
        return (await connection.QueryAsync<ScreenRow>("""
            SELECT sc.id, sc.venue_id AS VenueId, sc.name, sc.layout::text AS Layout, v.owner_id AS OwnerId, v.city_id AS CityId
            FROM screens sc JOIN venues v ON v.id = sc.venue_id WHERE sc.venue_id = @venueId ORDER BY sc.name, sc.id
            """, new { venueId })).AsList();
    }

    public async Task<ScreenRow?> FindScreenAsync(Guid id)
    {
        await using var connection = await db.OpenConnectionAsync();
        return await connection.QuerySingleOrDefaultAsync<ScreenRow>("""
            SELECT sc.id, sc.venue_id AS VenueId, sc.name, sc.layout::text AS Layout, v.owner_id AS OwnerId, v.city_id AS CityId
            FROM screens sc JOIN venues v ON v.id = sc.venue_id WHERE sc.id = @id
            """, new { id });
    }

    /// <summary>A screen, its categories and its seats in one transaction; false when the venue already has a screen of that name.</summary>
    public async Task<bool> CreateScreenAsync(ScreenRow screen, IEnumerable<(string Code, string Name, int Tier)> categories, IEnumerable<SeatRowData> seats)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var inserted = await connection.ExecuteAsync("""
            INSERT INTO screens (id, venue_id, name, layout) VALUES (@Id, @VenueId, @Name, @Layout::jsonb) ON CONFLICT (venue_id, name) DO NOTHING
            """, screen, transaction);
        if (inserted == 0) return false;
        await connection.ExecuteAsync("INSERT INTO seat_categories (screen_id, code, name, tier) VALUES (@ScreenId, @Code, @Name, @Tier)",
            categories.Select(c => new { ScreenId = screen.Id, c.Code, c.Name, c.Tier }), transaction);
        await connection.ExecuteAsync("""
            INSERT INTO seats (id, screen_id, row_label, label, category, accessible, blocked, position)
            VALUES (@Id, @ScreenId, @RowLabel, @Label, @Category, @Accessible, @Blocked, @Position)
            """, seats.Select(s => new { s.Id, ScreenId = screen.Id, s.RowLabel, s.Label, s.Category, s.Accessible, s.Blocked, s.Position }), transaction);
        await changes.AddAsync(transaction, new CatalogChanged(CatalogChanged.Screen, screen.Id, [], SearchesChanged: false));
        await transaction.CommitAsync();
        return true;
    }

    public async Task<IReadOnlyList<string>> ListCategoryCodesAsync(Guid screenId)
    {
        await using var connection = await db.OpenConnectionAsync();
        return (await connection.QueryAsync<string>("SELECT code FROM seat_categories WHERE screen_id = @screenId ORDER BY tier, code", new { screenId })).AsList();
    }

    public async Task<IReadOnlyList<SeatRowData>> ListSeatsAsync(Guid screenId)
    {
        await using var connection = await db.OpenConnectionAsync();
        return (await connection.QueryAsync<SeatRowData>("""
            SELECT id, row_label AS RowLabel, label, category, accessible, blocked, position FROM seats WHERE screen_id = @screenId ORDER BY position
            """, new { screenId })).AsList();
    }

    // ---- events and shows

    public async Task CreateEventAsync(EventRow e)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await connection.ExecuteAsync("""
            INSERT INTO events (id, owner_id, kind, title, description, genres, languages, duration_minutes, age_rating, details)
            VALUES (@Id, @OwnerId, @Kind, @Title, @Description, @Genres, @Languages, @DurationMinutes, @AgeRating, @Details::jsonb)
            """, e, transaction);
        await changes.AddAsync(transaction, new CatalogChanged(CatalogChanged.Event, e.Id, [], SearchesChanged: false));
        await transaction.CommitAsync();
    }

    public async Task<EventRow?> FindEventAsync(Guid id)
    {
        await using var connection = await db.OpenConnectionAsync();
        return await connection.QuerySingleOrDefaultAsync<EventRow>($"SELECT {EventColumns} FROM events WHERE id = @id", new { id });
    }

    /// <summary>
    /// Inserts a show and its prices in one transaction. The database decides overlaps (exclusion constraint) and
    /// the future-start rule (trigger), so concurrent writers cannot both win.
    /// </summary>
    public async Task<CreateShowOutcome> CreateShowAsync(ShowRow show, IReadOnlyList<PriceRow> prices, string eventTitle = "")
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        try
        {
            await connection.ExecuteAsync("""
                INSERT INTO shows (id, event_id, screen_id, venue_id, city_id, start_time, end_time, currency, min_price_minor, max_price_minor, status)
                VALUES (@Id, @EventId, @ScreenId, @VenueId, @CityId, @StartTime, @EndTime, @Currency, @MinPriceMinor, @MaxPriceMinor, @Status)
                """, show, transaction);
            await connection.ExecuteAsync("INSERT INTO show_prices (show_id, category, price_minor) VALUES (@ShowId, @Category, @PriceMinor)",
                prices.Select(p => new { ShowId = show.Id, p.Category, p.PriceMinor }), transaction);
            await changes.AddAsync(transaction, CatalogChanged.OfShow(show.Id));
            await changes.AddAsync(transaction, new ShowCreated(show.Id, show.EventId, show.VenueId, show.CityId,
                DateTime.SpecifyKind(show.StartTime, DateTimeKind.Utc), eventTitle));
            await transaction.CommitAsync();
            return CreateShowOutcome.Created;
        }
        catch (PostgresException e) when (e.SqlState == ExclusionViolation)
        {
            return CreateShowOutcome.Overlaps;
        }
        catch (PostgresException e) when (e.SqlState == CheckViolation && e.ConstraintName == "shows_start_in_future")
        {
            return CreateShowOutcome.NotInFuture;
        }
    }

    /// <summary>Marks a show cancelled; the cancelled row, or null when there is no such show.</summary>
    public async Task<ShowRow?> CancelShowAsync(Guid id)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        if (await connection.ExecuteAsync("UPDATE shows SET status = 'cancelled' WHERE id = @id", new { id }, transaction) == 1)
            await changes.AddAsync(transaction, CatalogChanged.OfShow(id));
        await transaction.CommitAsync();
        return await FindShowAsync(connection, id);
    }

    public async Task<ShowRow?> FindShowAsync(Guid id)
    {
        await using var connection = await db.OpenConnectionAsync();
        return await FindShowAsync(connection, id);
    }

    /// <summary>A show with its event and prices in one round trip (the cache's load on a miss).</summary>
    public async Task<(ShowRow Show, EventRow Event, IReadOnlyList<PriceRow> Prices)?> FindShowDetailsAsync(Guid id)
    {
        await using var connection = await db.OpenConnectionAsync();
        using var results = await connection.QueryMultipleAsync($"""
            SELECT {ShowColumns} FROM shows s JOIN venues v ON v.id = s.venue_id WHERE s.id = @id;
            SELECT {EventColumns} FROM events WHERE id = (SELECT event_id FROM shows WHERE id = @id);
            SELECT category, price_minor AS PriceMinor FROM show_prices WHERE show_id = @id ORDER BY category;
            """, new { id });
        var show = await results.ReadSingleOrDefaultAsync<ShowRow>();
        var ev = await results.ReadSingleOrDefaultAsync<EventRow>();
        var prices = (await results.ReadAsync<PriceRow>()).AsList();
        return show is null || ev is null ? null : (show, ev, prices);
    }

    private static Task<ShowRow?> FindShowAsync(NpgsqlConnection connection, Guid id) =>
        connection.QuerySingleOrDefaultAsync<ShowRow>($"SELECT {ShowColumns} FROM shows s JOIN venues v ON v.id = s.venue_id WHERE s.id = @id", new { id });

    public async Task<IReadOnlyList<PriceRow>> ListPricesAsync(Guid showId)
    {
        await using var connection = await db.OpenConnectionAsync();
        return (await connection.QueryAsync<PriceRow>("SELECT category, price_minor AS PriceMinor FROM show_prices WHERE show_id = @showId ORDER BY category", new { showId })).AsList();
    }

    public async Task<IReadOnlyDictionary<Guid, List<PriceRow>>> ListPricesAsync(IReadOnlyCollection<Guid> showIds)
    {
        await using var connection = await db.OpenConnectionAsync();
        var rows = await connection.QueryAsync<(Guid ShowId, string Category, long PriceMinor)>(
            "SELECT show_id, category, price_minor FROM show_prices WHERE show_id = ANY(@ids) ORDER BY show_id, category", new { ids = showIds.ToArray() });
        return rows.GroupBy(r => r.ShowId).ToDictionary(g => g.Key, g => g.Select(r => new PriceRow(r.Category, r.PriceMinor)).ToList());
    }

    public async Task<IReadOnlyDictionary<Guid, EventRow>> ListEventsAsync(IReadOnlyCollection<Guid> ids)
    {
        await using var connection = await db.OpenConnectionAsync();
        var rows = await connection.QueryAsync<EventRow>($"SELECT {EventColumns} FROM events WHERE id = ANY(@ids)", new { ids = ids.ToArray() });
        return rows.ToDictionary(r => r.Id);
    }

    /// <summary>
    /// Scheduled shows matching <paramref name="filter"/> in (start_time, id) order — a total order, so keyset pages
    /// neither repeat nor skip rows — after the cursor. Free text: full-text match on title and description, or a
    /// trigram word similarity to the title (catches typos such as "hamlte").
    /// </summary>
    public async Task<IReadOnlyList<ShowRow>> SearchShowsAsync(ShowFilter filter, PageToken? after, int limit)
    {
        await using var connection = await db.OpenConnectionAsync();
        var parameters = new DynamicParameters();
        parameters.Add("city", filter.City);
        parameters.Add("from", filter.From);
        parameters.Add("to", filter.To);
        parameters.Add("q", filter.Query);
        parameters.Add("genre", filter.Genre);
        parameters.Add("language", filter.Language);
        parameters.Add("minPrice", filter.MinPrice);
        parameters.Add("maxPrice", filter.MaxPrice);
        parameters.Add("afterTime", after?.AfterTime);
        parameters.Add("afterId", after?.AfterId);
        parameters.Add("limit", limit);
        var rows = await connection.QueryAsync<ShowRow>($"""
            SELECT {ShowColumns}
            FROM shows s JOIN venues v ON v.id = s.venue_id JOIN events e ON e.id = s.event_id
            WHERE s.status = 'scheduled'
              AND s.start_time >= @from
              AND (@to::timestamptz IS NULL OR s.start_time < @to)
              AND (@city::text IS NULL OR s.city_id = @city)
              AND (@genre::text IS NULL OR @genre = ANY (e.genres))
              AND (@language::text IS NULL OR @language = ANY (e.languages))
              AND (@q::text IS NULL
                   OR e.search @@ plainto_tsquery('simple', @q)
                   OR word_similarity(lower(@q), lower(e.title)) >= 0.45)
              AND (@minPrice::bigint IS NULL AND @maxPrice::bigint IS NULL
                   OR EXISTS (SELECT 1 FROM show_prices p WHERE p.show_id = s.id
                              AND p.price_minor >= coalesce(@minPrice::bigint, 0)
                              AND p.price_minor <= coalesce(@maxPrice::bigint, 9223372036854775807)))
              AND (@afterTime::timestamptz IS NULL OR (s.start_time, s.id) > (@afterTime::timestamptz, @afterId::uuid))
            ORDER BY s.start_time, s.id
            LIMIT @limit
            """, parameters);
        return rows.AsList();
    }

    // ---- bookable services

    public async Task CreateServiceAsync(ServiceRow service)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await connection.ExecuteAsync("""
            INSERT INTO services (id, venue_id, city_id, name, category, duration_minutes, capacity, price_minor, currency, opening_hours)
            VALUES (@Id, @VenueId, @CityId, @Name, @Category, @DurationMinutes, @Capacity, @PriceMinor, @Currency, @OpeningHours::jsonb)
            """, service, transaction);
        await changes.AddAsync(transaction, new CatalogChanged(CatalogChanged.Service, service.Id, [], SearchesChanged: false));
        await transaction.CommitAsync();
    }

    public async Task<ServiceRow?> FindServiceAsync(Guid id)
    {
        await using var connection = await db.OpenConnectionAsync();
        return await connection.QuerySingleOrDefaultAsync<ServiceRow>($"SELECT {ServiceColumns} FROM services WHERE id = @id", new { id });
    }

    /// <summary>Services of a city (and category) in (category, id) order, after the cursor id.</summary>
    public async Task<IReadOnlyList<ServiceRow>> ListServicesAsync(string? city, string? category, Guid? afterId, int limit)
    {
        await using var connection = await db.OpenConnectionAsync();
        return (await connection.QueryAsync<ServiceRow>($"""
            SELECT {ServiceColumns} FROM services
            WHERE (@city::text IS NULL OR city_id = @city) AND (@category::text IS NULL OR category = @category)
              AND (@afterId::uuid IS NULL OR id > @afterId::uuid)
            ORDER BY id LIMIT @limit
            """, new { city, category, afterId, limit })).AsList();
    }

    // ---- demo data

    public async Task<bool> IsEmptyAsync(CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return !await connection.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM cities)");
    }

    /// <summary>
    /// Writes a whole demo catalog in one transaction, holding the seeding lock and re-checking emptiness under it,
    /// so replicas starting together seed once.
    /// </summary>
    public async Task<bool> SeedAsync(DemoCatalog demo, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync("SELECT pg_advisory_xact_lock(7008002)", transaction: transaction);
        if (await connection.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM cities)", transaction: transaction)) return false;
        await connection.ExecuteAsync("INSERT INTO cities (id, name, country_code, time_zone) VALUES (@Id, @Name, @CountryCode, @TimeZone)", demo.Cities, transaction);
        await connection.ExecuteAsync("""
            INSERT INTO venues (id, city_id, owner_id, name, address, latitude, longitude, amenities, create_time, update_time)
            VALUES (@Id, @CityId, @OwnerId, @Name, @Address, @Latitude, @Longitude, @Amenities, @CreateTime, @UpdateTime)
            """, demo.Venues, transaction);
        await connection.ExecuteAsync("INSERT INTO screens (id, venue_id, name, layout) VALUES (@Id, @VenueId, @Name, @Layout::jsonb)", demo.Screens, transaction);
        await connection.ExecuteAsync("INSERT INTO seat_categories (screen_id, code, name, tier) VALUES (@ScreenId, @Code, @Name, @Tier)", demo.Categories, transaction);
        // The big tables go in as arrays through unnest: one statement instead of thousands of round trips.
        await connection.ExecuteAsync("""
            INSERT INTO seats (id, screen_id, row_label, label, category, accessible, blocked, position)
            SELECT * FROM unnest(@Id, @ScreenId, @RowLabel, @Label, @Category, @Accessible, @Blocked, @Position)
            """, new
            {
                Id = demo.Seats.Select(x => x.Id).ToArray(), ScreenId = demo.Seats.Select(x => x.ScreenId).ToArray(),
                RowLabel = demo.Seats.Select(x => x.RowLabel).ToArray(), Label = demo.Seats.Select(x => x.Label).ToArray(),
                Category = demo.Seats.Select(x => x.Category).ToArray(), Accessible = demo.Seats.Select(x => x.Accessible).ToArray(),
                Blocked = demo.Seats.Select(x => x.Blocked).ToArray(), Position = demo.Seats.Select(x => x.Position).ToArray(),
            }, transaction);
        await connection.ExecuteAsync("""
            INSERT INTO events (id, owner_id, kind, title, description, genres, languages, duration_minutes, age_rating, details)
            VALUES (@Id, @OwnerId, @Kind, @Title, @Description, @Genres, @Languages, @DurationMinutes, @AgeRating, @Details::jsonb)
            """, demo.Events, transaction);
        await connection.ExecuteAsync("""
            INSERT INTO shows (id, event_id, screen_id, venue_id, city_id, start_time, end_time, currency, min_price_minor, max_price_minor, status)
            SELECT * FROM unnest(@Id, @EventId, @ScreenId, @VenueId, @CityId, @StartTime, @EndTime, @Currency, @MinPriceMinor, @MaxPriceMinor, @Status)
            """, new
            {
                Id = demo.Shows.Select(x => x.Id).ToArray(), EventId = demo.Shows.Select(x => x.EventId).ToArray(),
                ScreenId = demo.Shows.Select(x => x.ScreenId).ToArray(), VenueId = demo.Shows.Select(x => x.VenueId).ToArray(),
                CityId = demo.Shows.Select(x => x.CityId).ToArray(), StartTime = demo.Shows.Select(x => x.StartTime).ToArray(),
                EndTime = demo.Shows.Select(x => x.EndTime).ToArray(), Currency = demo.Shows.Select(x => x.Currency).ToArray(),
                MinPriceMinor = demo.Shows.Select(x => x.MinPriceMinor).ToArray(), MaxPriceMinor = demo.Shows.Select(x => x.MaxPriceMinor).ToArray(),
                Status = demo.Shows.Select(x => x.Status).ToArray(),
            }, transaction);
        await connection.ExecuteAsync("INSERT INTO show_prices (show_id, category, price_minor) SELECT * FROM unnest(@ShowId, @Category, @PriceMinor)", new
        {
            ShowId = demo.Prices.Select(x => x.ShowId).ToArray(), Category = demo.Prices.Select(x => x.Category).ToArray(),
            PriceMinor = demo.Prices.Select(x => x.PriceMinor).ToArray(),
        }, transaction);
        await connection.ExecuteAsync("""
            INSERT INTO services (id, venue_id, city_id, name, category, duration_minutes, capacity, price_minor, currency, opening_hours)
            VALUES (@Id, @VenueId, @CityId, @Name, @Category, @DurationMinutes, @Capacity, @PriceMinor, @Currency, @OpeningHours::jsonb)
            """, demo.Services, transaction);
        await InsertDemoProductsAsync(connection, transaction, demo.Products);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// Adds the demo products to a catalog seeded before products existed: under the seeding lock, only when there is
    /// no product at all, and only for demo venues present. Returns how many were added.
    /// </summary>
    public async Task<int> SeedProductsIfNoneAsync(IReadOnlyList<ProductRow> products, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync("SELECT pg_advisory_xact_lock(7008002)", transaction: transaction);
        if (await connection.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM products)", transaction: transaction)) return 0;
        var added = await InsertDemoProductsAsync(connection, transaction, products);
        await transaction.CommitAsync(cancellationToken);
        return added;
    }

    private static Task<int> InsertDemoProductsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<ProductRow> products) =>
        connection.ExecuteAsync("""
            INSERT INTO products (id, venue_id, city_id, name, description, category, price_minor, currency, stock, active, create_time, update_time)
            SELECT u.* FROM unnest(@Id, @VenueId, @CityId, @Name, @Description, @Category, @PriceMinor, @Currency, @Stock, @Active, @CreateTime, @UpdateTime)
                AS u (id, venue_id, city_id, name, description, category, price_minor, currency, stock, active, create_time, update_time)
            WHERE EXISTS (SELECT 1 FROM venues v WHERE v.id = u.venue_id)
            ON CONFLICT (id) DO NOTHING
            """, new
            {
                Id = products.Select(x => x.Id).ToArray(), VenueId = products.Select(x => x.VenueId).ToArray(), CityId = products.Select(x => x.CityId).ToArray(),
                Name = products.Select(x => x.Name).ToArray(), Description = products.Select(x => x.Description).ToArray(),
                Category = products.Select(x => x.Category).ToArray(), PriceMinor = products.Select(x => x.PriceMinor).ToArray(),
                Currency = products.Select(x => x.Currency).ToArray(), Stock = products.Select(x => x.Stock).ToArray(),
                Active = products.Select(x => x.Active).ToArray(), CreateTime = products.Select(x => x.CreateTime).ToArray(),
                UpdateTime = products.Select(x => x.UpdateTime).ToArray(),
            }, transaction);
}
