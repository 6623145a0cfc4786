using System.Text.RegularExpressions;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Mesh.Catalog.Cache;
using Mesh.Catalog.Changes;
using Mesh.Catalog.Domain;
using Mesh.Catalog.Seats;
using Mesh.Catalog.V1;
using Mesh.ServiceDefaults.Auth;

namespace Mesh.Catalog;

/// <summary>
/// The gRPC endpoint: validation (INVALID_ARGUMENT with field violations), authorization (partners write their own
/// venues and what is in them, admins anything, everyone reads), proto ⇄ row mapping. No SQL here (CatalogStore).
/// </summary>
public sealed partial class CatalogApi(CatalogStore store, CatalogCache cache, ISeatAvailability availability, ISlotUsage slotUsage, TimeProvider time) : V1.Catalog.CatalogBase
{
    public const string Partner = "partner";
    public const string Admin = "admin";
    private const int DefaultPageSize = 20;
    private const int MaxPageSize = 100;

    [GeneratedRegex("^[A-Z]{3}$")] private static partial Regex CurrencyCode();
    [GeneratedRegex("^[a-z0-9_-]{1,40}$")] private static partial Regex Slug();
    [GeneratedRegex("^[a-z]{2}$")] private static partial Regex LanguageCode();

    // ---- cities

    public override async Task<ListCitiesResponse> ListCities(ListCitiesRequest request, ServerCallContext context)
    {
        var response = new ListCitiesResponse();
        response.Cities.AddRange((await store.ListCitiesAsync()).Select(c => new City { Id = c.Id, Name = c.Name, CountryCode = c.CountryCode, TimeZone = c.TimeZone }));
        return response;
    }

    // ---- venues

    public override async Task<Venue> CreateVenue(CreateVenueRequest request, ServerCallContext context)
    {
        var user = context.RequireRole(Partner, Admin);
        var venue = request.Venue;
        var violations = new FieldViolations();
        if (venue is null) violations.Add("venue", "is required").ThrowIfAny();
        CheckVenueFields(venue!, violations);
        if (!string.IsNullOrEmpty(venue!.OwnerId) && venue.OwnerId != user.Subject && !user.IsInRole(Admin))
            violations.Add("venue.owner_id", "may only be set by an admin");
        violations.Check("venue.city_id", venue.CityId.Length == 0 ? "is required" : null);
        violations.ThrowIfAny();
        if (await store.FindCityAsync(venue.CityId) is null)
            violations.Add("venue.city_id", $"\"{venue.CityId}\" is not a city of the catalog").ThrowIfAny();

        var now = time.GetUtcNow().UtcDateTime;
        var row = new VenueRow
        {
            Id = Guid.CreateVersion7(), CityId = venue.CityId, OwnerId = string.IsNullOrEmpty(venue.OwnerId) ? user.Subject : venue.OwnerId,
            Name = venue.Name.Trim(), Address = venue.Address.Trim(), Latitude = venue.Location.Latitude, Longitude = venue.Location.Longitude,
            Amenities = NormalizeTags(venue.Amenities), CreateTime = now, UpdateTime = now,
        };
        await store.CreateVenueAsync(row);
        return ToProto(row, []);
    }

    public override async Task<ListVenuesResponse> ListVenues(ListVenuesRequest request, ServerCallContext context)
    {
        new FieldViolations()
            .Check("page_size", request.PageSize is < 0 or > MaxPageSize ? $"must be 0-{MaxPageSize}" : null)
            .Check("city", request.City.Length > 0 && !Slug().IsMatch(request.City) ? "must be a city id such as berlin" : null)
            .ThrowIfAny();
        var size = request.PageSize == 0 ? DefaultPageSize : request.PageSize;
        var fingerprint = PageToken.Fingerprint("venues", request.City);
        Guid? afterId = null;
        if (request.PageToken.Length > 0)
            afterId = (PageToken.TryDecode(request.PageToken, fingerprint) ?? throw Invalid("page_token", "is not a token from a previous page of this list (the city must stay the same)")).AfterId;
        var rows = await store.ListVenuesAsync(NullIfEmpty(request.City), afterId, size + 1);
        var page = rows.Take(size).ToList();
        var screens = await store.ListScreenNamesAsync(page.Select(v => v.Id).ToList());
        var response = new ListVenuesResponse();
        response.Venues.AddRange(page.Select(v => ToProto(v, screens.TryGetValue(v.Id, out var own) ? own : [], withSeatMaps: false)));
        await WithRatingsAsync(response.Venues, "venues", v => v.Id, (v, r) => v.Rating = r, context);
        if (rows.Count > size) response.NextPageToken = new PageToken(DateTime.UnixEpoch, page[^1].Id, fingerprint).Encode();
        return response;
    }

    public override async Task<Venue> GetVenue(GetVenueRequest request, ServerCallContext context)
    {
        var id = FieldViolations.RequireUuid("id", request.Id);
        var venue = await store.FindVenueAsync(id) ?? throw NotFound("venue", request.Id);
        var found = ToProto(venue, await store.ListScreensAsync(id));
        await WithRatingsAsync([found], "venues", v => v.Id, (v, r) => v.Rating = r, context);
        return found;
    }

    public override async Task<Venue> UpdateVenue(UpdateVenueRequest request, ServerCallContext context)
    {
        var user = context.RequireRole(Partner, Admin);
        var id = FieldViolations.RequireUuid("id", request.Id);
        var violations = new FieldViolations();
        if (request.Venue is null) violations.Add("venue", "is required").ThrowIfAny();
        CheckVenueFields(request.Venue!, violations);
        if (request.Venue!.CityId.Length > 0) violations.Add("venue.city_id", "cannot be changed");
        violations.ThrowIfAny();

        var existing = await store.FindVenueAsync(id) ?? throw NotFound("venue", request.Id);
        RequireOwner(user, existing.OwnerId, "venue");
        existing.Name = request.Venue.Name.Trim();
        existing.Address = request.Venue.Address.Trim();
        existing.Latitude = request.Venue.Location.Latitude;
        existing.Longitude = request.Venue.Location.Longitude;
        existing.Amenities = NormalizeTags(request.Venue.Amenities);
        existing.UpdateTime = time.GetUtcNow().UtcDateTime;
        var (updated, change) = await store.UpdateVenueAsync(existing) ?? throw NotFound("venue", request.Id);
        // Shows carry the venue's name: drop their cached copies now (best effort); the change event guarantees it.
        await cache.InvalidateAsync(change);
        return ToProto(updated, await store.ListScreensAsync(id));
    }

    public override async Task<Empty> DeleteVenue(DeleteVenueRequest request, ServerCallContext context)
    {
        var user = context.RequireRole(Partner, Admin);
        var id = FieldViolations.RequireUuid("id", request.Id);
        var existing = await store.FindVenueAsync(id) ?? throw NotFound("venue", request.Id);
        RequireOwner(user, existing.OwnerId, "venue");
        return await store.DeleteVenueAsync(id) switch
        {
            DeleteOutcome.InUse => throw new RpcException(new Status(StatusCode.FailedPrecondition, "The venue has shows; cancel them instead of deleting the venue.")),
            _ => new Empty(),
        };
    }

    public override async Task<Screen> CreateScreen(CreateScreenRequest request, ServerCallContext context)
    {
        var user = context.RequireRole(Partner, Admin);
        var venueId = FieldViolations.RequireUuid("venue_id", request.VenueId);
        var violations = new FieldViolations();
        if (request.Screen is null) violations.Add("screen", "is required").ThrowIfAny();
        var name = request.Screen!.Name.Trim();
        violations.Check("screen.name", name.Length is 0 or > 100 ? "must be 1-100 characters" : null);
        foreach (var (field, problem) in SeatMapRules.Check(request.Screen.SeatMap, "screen.seat_map")) violations.Add(field, problem);
        violations.ThrowIfAny();

        var venue = await store.FindVenueAsync(venueId) ?? throw NotFound("venue", request.VenueId);
        RequireOwner(user, venue.OwnerId, "venue");
        var map = request.Screen.SeatMap;
        var screen = new ScreenRow { Id = Guid.CreateVersion7(), VenueId = venueId, Name = name, Layout = JsonFormatter.Default.Format(map) };
        var position = 0;
        var seats = map.Rows.SelectMany(row => row.Seats.Select(seat => new SeatRowData
        {
            Id = Guid.CreateVersion7(), RowLabel = row.Label, Label = seat.Label, Category = seat.Category,
            Accessible = seat.Accessible, Blocked = seat.Blocked, Position = position++,
        })).ToList();
        if (!await store.CreateScreenAsync(screen, map.Categories.Select(c => (c.Code, c.Name.Length > 0 ? c.Name : c.Code, c.Tier)), seats))
            throw new RpcException(new Status(StatusCode.AlreadyExists, $"The venue already has a screen named \"{name}\"."));
        return new Screen { Id = screen.Id.ToString(), VenueId = venueId.ToString(), Name = name, SeatMap = map };
    }

    // ---- events and shows

    public override async Task<Event> CreateEvent(CreateEventRequest request, ServerCallContext context)
    {
        var user = context.RequireRole(Partner, Admin);
        var violations = new FieldViolations();
        if (request.Event is null) violations.Add("event", "is required").ThrowIfAny();
        var e = request.Event!;
        CheckEventFields(e, violations);
        violations.ThrowIfAny();

        var row = ToRow(e, Guid.CreateVersion7(), user.Subject);
        await store.CreateEventAsync(row);
        return ToProto(row);
    }

    public override async Task<Show> CreateShow(CreateShowRequest request, ServerCallContext context)
    {
        var user = context.RequireRole(Partner, Admin);
        var violations = new FieldViolations();
        if (request.Show is null) violations.Add("show", "is required").ThrowIfAny();
        var show = request.Show!;
        var eventId = violations.Uuid("show.event_id", show.EventId);
        var screenId = violations.Uuid("show.screen_id", show.ScreenId);
        var now = time.GetUtcNow().UtcDateTime;
        if (show.StartTime is null) violations.Add("show.start_time", "is required");
        else if (show.StartTime.ToDateTime() <= now) violations.Add("show.start_time", "must be in the future");
        violations.Check("show.currency", CurrencyCode().IsMatch(show.Currency) ? null : "must be an ISO 4217 code such as EUR");
        if (show.Prices.Count == 0) violations.Add("show.prices", "must price every seat category of the screen");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < show.Prices.Count; i++)
        {
            if (show.Prices[i].PriceMinor < 0) violations.Add($"show.prices[{i}].price_minor", "must be at least 0");
            if (!seen.Add(show.Prices[i].Category)) violations.Add($"show.prices[{i}].category", $"repeats \"{show.Prices[i].Category}\"");
        }
        violations.ThrowIfAny();

        var screen = await store.FindScreenAsync(screenId!.Value);
        var ev = await store.FindEventAsync(eventId!.Value);
        violations.Check("show.screen_id", screen is null ? "does not name a screen" : null).Check("show.event_id", ev is null ? "does not name an event" : null).ThrowIfAny();
        RequireOwner(user, screen!.OwnerId, "venue");
        var categories = await store.ListCategoryCodesAsync(screen.Id);
        foreach (var missing in categories.Except(seen)) violations.Add("show.prices", $"has no price for category \"{missing}\"");
        for (var i = 0; i < show.Prices.Count; i++)
            if (!categories.Contains(show.Prices[i].Category)) violations.Add($"show.prices[{i}].category", $"\"{show.Prices[i].Category}\" is not a seat category of the screen");
        violations.ThrowIfAny();

        var start = show.StartTime!.ToDateTime();
        var prices = show.Prices.Select(p => new PriceRow(p.Category, p.PriceMinor)).ToList();
        var row = new ShowRow
        {
            Id = Guid.CreateVersion7(), EventId = ev!.Id, ScreenId = screen.Id, VenueId = screen.VenueId, CityId = screen.CityId,
            StartTime = start, EndTime = start.AddMinutes(ev.DurationMinutes), Currency = show.Currency,
            MinPriceMinor = prices.Min(p => p.PriceMinor), MaxPriceMinor = prices.Max(p => p.PriceMinor), Status = "scheduled",
        };
        switch (await store.CreateShowAsync(row, prices, ev.Title))
        {
            case CreateShowOutcome.Overlaps:
                throw new RpcException(new Status(StatusCode.FailedPrecondition, "Another show is scheduled on this screen at that time."));
            case CreateShowOutcome.NotInFuture:
                new FieldViolations().Add("show.start_time", "must be in the future").ThrowIfAny();
                break;
        }
        await cache.InvalidateAsync(CatalogChanged.OfShow(row.Id));   // searches may now list it; the event repeats this
        return await LoadShowAsync(row.Id) ?? throw NotFound("show", row.Id.ToString());
    }

    public override async Task<Show> CancelShow(CancelShowRequest request, ServerCallContext context)
    {
        var user = context.RequireRole(Partner, Admin);
        var id = FieldViolations.RequireUuid("id", request.Id);
        var existing = await store.FindShowAsync(id) ?? throw NotFound("show", request.Id);
        RequireOwner(user, existing.OwnerId, "venue");
        await store.CancelShowAsync(id);
        // Best effort right after the commit; the change event written with it clears a copy a racing read re-cached.
        await cache.InvalidateAsync(CatalogChanged.OfShow(id));
        return await LoadShowAsync(id) ?? throw NotFound("show", request.Id);
    }

    public override async Task<ListShowsResponse> ListShows(ListShowsRequest request, ServerCallContext context)
    {
        var violations = new FieldViolations();
        violations.Check("page_size", request.PageSize is < 0 or > MaxPageSize ? $"must be 0-{MaxPageSize}" : null)
            .Check("min_price_minor", request.MinPriceMinor < 0 ? "must be at least 0" : null)
            .Check("max_price_minor", request.MaxPriceMinor < 0 ? "must be at least 0" : request.MaxPriceMinor > 0 && request.MaxPriceMinor < request.MinPriceMinor ? "must not be below min_price_minor" : null)
            .Check("q", request.Q.Length > 200 ? "must be at most 200 characters" : null)
            .Check("language", request.Language.Length > 0 && !LanguageCode().IsMatch(request.Language) ? "must be an ISO 639-1 code such as en" : null);
        DateTime? from = request.From?.ToDateTime(), to = request.To?.ToDateTime();
        if (from is not null && to is not null && to <= from) violations.Add("to", "must be after from");
        violations.ThrowIfAny();

        // Popular searches repeat: the page is cached under a fingerprint of the normalised request (case and spacing
        // of q do not matter to the query either) and the current search generation.
        var query = string.Join(' ', request.Q.ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        var searchKey = PageToken.Fingerprint("shows", request.City, from, to, query, request.Genre.ToLowerInvariant(), request.Language,
            request.MinPriceMinor, request.MaxPriceMinor, request.PageSize, request.PageToken);
        return await cache.GetSearchAsync(searchKey, () => SearchShowsAsync(request, from, to, query));
    }

    private async Task<ListShowsResponse?> SearchShowsAsync(ListShowsRequest request, DateTime? from, DateTime? to, string query)
    {
        var filter = new ShowFilter(
            City: NullIfEmpty(request.City), From: from ?? time.GetUtcNow().UtcDateTime, To: to, Query: NullIfEmpty(query),
            Genre: NullIfEmpty(request.Genre.ToLowerInvariant()), Language: NullIfEmpty(request.Language),
            MinPrice: request.MinPriceMinor > 0 ? request.MinPriceMinor : null, MaxPrice: request.MaxPriceMinor > 0 ? request.MaxPriceMinor : null);
        // "from" defaults to now, which moves between pages: the fingerprint covers only what the caller chose.
        var fingerprint = PageToken.Fingerprint(filter.City, from, to, filter.Query, filter.Genre, filter.Language, filter.MinPrice, filter.MaxPrice);
        PageToken? after = null;
        if (request.PageToken.Length > 0)
            after = PageToken.TryDecode(request.PageToken, fingerprint)
                ?? throw Invalid("page_token", "is not a token from a previous page of this search (filters must stay the same)");

        var size = request.PageSize == 0 ? DefaultPageSize : request.PageSize;
        var rows = await store.SearchShowsAsync(filter, after, size + 1);
        var page = rows.Take(size).ToList();
        var response = new ListShowsResponse();
        var ids = page.Select(r => r.Id).ToList();
        var prices = await store.ListPricesAsync(ids);
        var events = await store.ListEventsAsync(page.Select(r => r.EventId).Distinct().ToList());
        response.Shows.AddRange(page.Select(r => ToProto(r, events[r.EventId], prices.TryGetValue(r.Id, out var p) ? p : [])));
        if (rows.Count > size) response.NextPageToken = new PageToken(page[^1].StartTime, page[^1].Id, fingerprint).Encode();
        return response;
    }

    public override async Task<Show> GetShow(GetShowRequest request, ServerCallContext context)
    {
        var id = FieldViolations.RequireUuid("id", request.Id);
        return await cache.GetShowAsync(id, () => LoadShowAsync(id)) ?? throw NotFound("show", request.Id);
    }

    public override async Task<ListShowSeatsResponse> ListShowSeats(ListShowSeatsRequest request, ServerCallContext context)
    {
        var id = FieldViolations.RequireUuid("id", request.Id);
        // The seat map with prices is cached; availability is the booking service's and is overlaid fresh on every read.
        var seats = await cache.GetSeatMapAsync(id, () => LoadSeatMapAsync(id)) ?? throw NotFound("show", request.Id);
        var taken = await availability.GetTakenSeatsAsync(id, context.CancellationToken);
        foreach (var seat in seats.Seats)
            seat.Status = Guid.TryParse(seat.Id, out var seatId) && taken.TryGetValue(seatId, out var status) ? status : SeatStatus.Available;
        return seats;
    }

    // ---- bookable services

    public override async Task<BookableService> CreateService(CreateServiceRequest request, ServerCallContext context)
    {
        var user = context.RequireRole(Partner, Admin);
        var venueId = FieldViolations.RequireUuid("venue_id", request.VenueId);
        var violations = new FieldViolations();
        if (request.Service is null) violations.Add("service", "is required").ThrowIfAny();
        var s = request.Service!;
        var name = s.Name.Trim();
        violations
            .Check("service.name", name.Length is 0 or > 200 ? "must be 1-200 characters" : null)
            .Check("service.category", Slug().IsMatch(s.Category) ? null : "must be 1-40 of a-z, 0-9, '-' or '_'")
            .Check("service.duration_minutes", s.DurationMinutes is < 5 or > 480 ? "must be 5-480" : null)
            .Check("service.capacity", s.Capacity < 1 ? "must be at least 1" : null)
            .Check("service.price_minor", s.PriceMinor < 0 ? "must be at least 0" : null)
            .Check("service.currency", CurrencyCode().IsMatch(s.Currency) ? null : "must be an ISO 4217 code such as EUR");
        if (s.OpeningHours.Count == 0) violations.Add("service.opening_hours", "must have at least one day");
        for (var i = 0; i < s.OpeningHours.Count; i++)
        {
            var h = s.OpeningHours[i];
            violations.Check($"service.opening_hours[{i}].day_of_week", h.DayOfWeek is < 1 or > 7 ? "must be 1 (Monday) to 7 (Sunday)" : null);
            var opensOk = SlotGenerator.TryParseTime(h.Opens, out var opens);
            var closesOk = SlotGenerator.TryParseTime(h.Closes, out var closes);
            violations.Check($"service.opening_hours[{i}].opens", opensOk ? null : "must be HH:MM");
            violations.Check($"service.opening_hours[{i}].closes", !closesOk ? "must be HH:MM" : opensOk && closes <= opens ? "must be after opens" : null);
        }
        violations.ThrowIfAny();

        var venue = await store.FindVenueAsync(venueId) ?? throw NotFound("venue", request.VenueId);
        RequireOwner(user, venue.OwnerId, "venue");
        var row = new ServiceRow
        {
            Id = Guid.CreateVersion7(), VenueId = venueId, CityId = venue.CityId, Name = name, Category = s.Category,
            DurationMinutes = s.DurationMinutes, Capacity = s.Capacity, PriceMinor = s.PriceMinor, Currency = s.Currency,
            OpeningHours = OpeningHoursJson.Write(s.OpeningHours),
        };
        await store.CreateServiceAsync(row);
        return ToProto(row);
    }

    public override async Task<ListServicesResponse> ListServices(ListServicesRequest request, ServerCallContext context)
    {
        new FieldViolations().Check("page_size", request.PageSize is < 0 or > MaxPageSize ? $"must be 0-{MaxPageSize}" : null).ThrowIfAny();
        var size = request.PageSize == 0 ? DefaultPageSize : request.PageSize;
        var fingerprint = PageToken.Fingerprint(request.City, request.Category);
        Guid? afterId = null;
        if (request.PageToken.Length > 0)
            afterId = (PageToken.TryDecode(request.PageToken, fingerprint) ?? throw Invalid("page_token", "is not a token from a previous page of this list")).AfterId;
        var rows = await store.ListServicesAsync(NullIfEmpty(request.City), NullIfEmpty(request.Category), afterId, size + 1);
        var response = new ListServicesResponse();
        response.Services.AddRange(rows.Take(size).Select(ToProto));
        await WithRatingsAsync(response.Services, "services", s => s.Id, (s, r) => s.Rating = r, context);
        if (rows.Count > size) response.NextPageToken = new PageToken(DateTime.UnixEpoch, rows[size - 1].Id, fingerprint).Encode();
        return response;
    }

    public override async Task<ListServiceSlotsResponse> ListServiceSlots(ListServiceSlotsRequest request, ServerCallContext context)
    {
        var id = FieldViolations.RequireUuid("id", request.Id);
        if (!DateOnly.TryParseExact(request.Date, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var date))
            throw Invalid("date", "must be a date such as 2026-05-01");
        var service = await store.FindServiceAsync(id) ?? throw NotFound("service", request.Id);
        var city = await store.FindCityAsync(service.CityId);
        var zone = TimeZoneInfo.TryFindSystemTimeZoneById(city?.TimeZone ?? "UTC", out var z) ? z : TimeZoneInfo.Utc;
        var response = new ListServiceSlotsResponse();
        var slots = SlotGenerator.ForDate(date, OpeningHoursJson.Read(service.OpeningHours), service.DurationMinutes, zone);
        // Places held or booked belong to the booking service: one call for the day's slots.
        var taken = slots.Count == 0 ? new Dictionary<DateTime, int>()
            : await slotUsage.GetTakenPlacesAsync(id, slots[0].Start, slots[^1].Start.AddTicks(1), context.CancellationToken);
        foreach (var (start, end) in slots)
            response.Slots.Add(new ServiceSlot
            {
                StartTime = Timestamp.FromDateTime(start), EndTime = Timestamp.FromDateTime(end), Capacity = service.Capacity,
                Available = Math.Max(0, service.Capacity - taken.GetValueOrDefault(start)),
            });
        return response;
    }

    // ---- loading for the cache

    private async Task<Show?> LoadShowAsync(Guid id)
    {
        return await store.FindShowDetailsAsync(id) is var (row, ev, prices) ? ToProto(row, ev, prices) : null;
    }

    private async Task<ListShowSeatsResponse?> LoadSeatMapAsync(Guid showId)
    {
        var show = await store.FindShowAsync(showId);
        if (show is null) return null;
        var prices = (await store.ListPricesAsync(showId)).ToDictionary(p => p.Category, p => p.PriceMinor);
        var response = new ListShowSeatsResponse();
        foreach (var seat in await store.ListSeatsAsync(show.ScreenId))
        {
            if (seat.Blocked) continue;
            response.Seats.Add(new ShowSeat
            {
                Id = seat.Id.ToString(), Row = seat.RowLabel, Label = seat.Label, Category = seat.Category,
                PriceMinor = prices.GetValueOrDefault(seat.Category), Currency = show.Currency, Accessible = seat.Accessible,
                Status = SeatStatus.Available,
            });
        }
        return response;
    }

    // ---- helpers

    private static void CheckEventFields(Event e, FieldViolations violations)
    {
        violations
            .Check("event.kind", Slug().IsMatch(e.Kind) ? null : "must be 1-40 of a-z, 0-9, '-' or '_' (e.g. movie, concert, play)")
            .Check("event.title", e.Title.Trim().Length is 0 or > 200 ? "must be 1-200 characters" : null)
            .Check("event.description", e.Description.Length > 5000 ? "must be at most 5000 characters" : null)
            .Check("event.duration_minutes", e.DurationMinutes is < 1 or > 1440 ? "must be 1-1440" : null)
            .Check("event.age_rating", e.AgeRating.Length > 20 ? "must be at most 20 characters" : null);
        for (var i = 0; i < e.Genres.Count; i++)
            violations.Check($"event.genres[{i}]", Slug().IsMatch(e.Genres[i].ToLowerInvariant()) ? null : "must be 1-40 of a-z, 0-9, '-' or '_'");
        for (var i = 0; i < e.Languages.Count; i++)
            violations.Check($"event.languages[{i}]", LanguageCode().IsMatch(e.Languages[i]) ? null : "must be an ISO 639-1 code such as en");
        for (var i = 0; i < e.ImageUrls.Count; i++)
            violations.Check($"event.image_urls[{i}]", Uri.TryCreate(e.ImageUrls[i], UriKind.Absolute, out var u) && u.Scheme == Uri.UriSchemeHttps ? null : "must be an absolute https URL");
    }

    /// <summary>A checked event as its row; rich details (image urls) go to the jsonb document.</summary>
    private static EventRow ToRow(Event e, Guid id, string ownerId)
    {
        var details = new Struct();
        details.Fields["image_urls"] = Value.ForList(e.ImageUrls.Select(Value.ForString).ToArray());
        return new EventRow
        {
            Id = id, OwnerId = ownerId, Kind = e.Kind, Title = e.Title.Trim(), Description = e.Description,
            Genres = NormalizeTags(e.Genres), Languages = e.Languages.Distinct().ToArray(), DurationMinutes = e.DurationMinutes,
            AgeRating = e.AgeRating, Details = JsonFormatter.Default.Format(details),
        };
    }

    private static void CheckVenueFields(Venue venue, FieldViolations violations)
    {
        var name = venue.Name.Trim();
        var address = venue.Address.Trim();
        violations
            .Check("venue.name", name.Length is 0 or > 200 ? "must be 1-200 characters" : null)
            .Check("venue.address", address.Length is 0 or > 500 ? "must be 1-500 characters" : null);
        if (venue.Location is null) violations.Add("venue.location", "is required");
        else
        {
            violations.Check("venue.location.latitude", venue.Location.Latitude is >= -90 and <= 90 ? null : "must be between -90 and 90");
            violations.Check("venue.location.longitude", venue.Location.Longitude is >= -180 and <= 180 ? null : "must be between -180 and 180");
        }
        violations.Check("venue.amenities", venue.Amenities.Count > 30 ? "must have at most 30 entries" : null);
        for (var i = 0; i < venue.Amenities.Count; i++)
            violations.Check($"venue.amenities[{i}]", Slug().IsMatch(venue.Amenities[i].ToLowerInvariant()) ? null : "must be 1-40 of a-z, 0-9, '-' or '_'");
    }

    /// <summary>Partners act on what they own; admins on anything.</summary>
    private static void RequireOwner(AuthenticatedUser user, string ownerId, string what)
    {
        if (user.IsInRole(Admin) || user.Subject == ownerId) return;
        throw new RpcException(new Status(StatusCode.PermissionDenied, $"Only the {what}'s owner or an admin may change it."));
    }



    private static RpcException Invalid(string field, string problem)
    {
        try { new FieldViolations().Add(field, problem).ThrowIfAny(); }
        catch (RpcException e) { return e; }
        throw new InvalidOperationException("unreachable");
    }

    private static RpcException NotFound(string what, string id) => new(new Status(StatusCode.NotFound, $"No {what} with id {id}."));

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    private static string[] NormalizeTags(IEnumerable<string> tags) => tags.Select(t => t.Trim().ToLowerInvariant()).Distinct().ToArray();

    /// <summary>A venue with its screens; a listing leaves their seat maps out (<paramref name="withSeatMaps"/> false).</summary>
    private static Venue ToProto(VenueRow v, IEnumerable<ScreenRow> screens, bool withSeatMaps = true)
    {
        var venue = new Venue
        {
            Id = v.Id.ToString(), CityId = v.CityId, Name = v.Name, Address = v.Address, OwnerId = v.OwnerId,
            Location = new GeoPoint { Latitude = v.Latitude, Longitude = v.Longitude },
            CreateTime = Timestamp.FromDateTime(DateTime.SpecifyKind(v.CreateTime, DateTimeKind.Utc)),
            UpdateTime = Timestamp.FromDateTime(DateTime.SpecifyKind(v.UpdateTime, DateTimeKind.Utc)),
        };
        venue.Amenities.AddRange(v.Amenities);
        venue.Screens.AddRange(screens.Select(s => new Screen
        {
            Id = s.Id.ToString(), VenueId = s.VenueId.ToString(), Name = s.Name,
            SeatMap = withSeatMaps ? JsonParser.Default.Parse<SeatMap>(s.Layout) : null,
        }));
        return venue;
    }

    private static Event ToProto(EventRow e)
    {
        var ev = new Event
        {
            Id = e.Id.ToString(), Kind = e.Kind, Title = e.Title, Description = e.Description, DurationMinutes = e.DurationMinutes,
            AgeRating = e.AgeRating, OwnerId = e.OwnerId,
        };
        ev.Genres.AddRange(e.Genres);
        ev.Languages.AddRange(e.Languages);
        var details = JsonParser.Default.Parse<Struct>(e.Details);
        if (details.Fields.TryGetValue("image_urls", out var urls) && urls.ListValue is { } list)
            ev.ImageUrls.AddRange(list.Values.Where(v => v.KindCase == Value.KindOneofCase.StringValue).Select(v => v.StringValue));
        return ev;
    }

    private static Show ToProto(ShowRow s, EventRow e, IEnumerable<PriceRow> prices)
    {
        var show = new Show
        {
            Id = s.Id.ToString(), EventId = s.EventId.ToString(), ScreenId = s.ScreenId.ToString(), VenueId = s.VenueId.ToString(),
            VenueName = s.VenueName, CityId = s.CityId, Currency = s.Currency,
            StartTime = Timestamp.FromDateTime(DateTime.SpecifyKind(s.StartTime, DateTimeKind.Utc)),
            EndTime = Timestamp.FromDateTime(DateTime.SpecifyKind(s.EndTime, DateTimeKind.Utc)),
            Status = s.Status == "cancelled" ? ShowStatus.Cancelled : ShowStatus.Scheduled,
            Event = ToProto(e),
        };
        show.Prices.AddRange(prices.Select(p => new CategoryPrice { Category = p.Category, PriceMinor = p.PriceMinor }));
        return show;
    }

    private static BookableService ToProto(ServiceRow s)
    {
        var service = new BookableService
        {
            Id = s.Id.ToString(), VenueId = s.VenueId.ToString(), CityId = s.CityId, Name = s.Name, Category = s.Category,
            DurationMinutes = s.DurationMinutes, Capacity = s.Capacity, PriceMinor = s.PriceMinor, Currency = s.Currency,
        };
        service.OpeningHours.AddRange(OpeningHoursJson.Read(s.OpeningHours));
        return service;
    }
}
