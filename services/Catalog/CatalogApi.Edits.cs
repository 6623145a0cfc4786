using Google.Protobuf.WellKnownTypes;
using Mesh.Catalog.Changes;
using Mesh.Catalog.Domain;
using Mesh.Catalog.V1;
using Mesh.ServiceDefaults.Auth;

namespace Mesh.Catalog;

/// <summary>Listing, editing and deleting events; editing shows.</summary>
public sealed partial class CatalogApi
{
    private static readonly string[] EventPaths = ["kind", "title", "description", "genres", "languages", "duration_minutes", "age_rating", "image_urls"];
    private static readonly string[] ShowPaths = ["start_time", "screen_id", "prices", "currency"];

    public override async Task<ListEventsResponse> ListEvents(ListEventsRequest request, ServerCallContext context)
    {
        new FieldViolations().Check("page_size", request.PageSize is < 0 or > MaxPageSize ? $"must be 0-{MaxPageSize}" : null).ThrowIfAny();
        var size = request.PageSize == 0 ? DefaultPageSize : request.PageSize;
        var genre = request.Genre.ToLowerInvariant();
        var fingerprint = PageToken.Fingerprint("events", request.Partner, genre);
        Guid? afterId = null;
        if (request.PageToken.Length > 0)
            afterId = (PageToken.TryDecode(request.PageToken, fingerprint) ?? throw Invalid("page_token", "is not a token from a previous page of this list")).AfterId;
        var rows = await store.ListEventsAsync(NullIfEmpty(request.Partner), NullIfEmpty(genre), afterId, size + 1);
        var response = new ListEventsResponse();
        response.Events.AddRange(rows.Take(size).Select(ToProto));
        await WithRatingsAsync(response.Events, "events", e => e.Id, (e, r) => e.Rating = r, context);
        if (rows.Count > size) response.NextPageToken = new PageToken(DateTime.UnixEpoch, rows[size - 1].Id, fingerprint).Encode();
        return response;
    }

    public override async Task<Event> GetEvent(GetEventRequest request, ServerCallContext context)
    {
        var id = FieldViolations.RequireUuid("id", request.Id);
        var ev = ToProto(await store.FindEventAsync(id) ?? throw NotFound("event", request.Id));
        await WithRatingsAsync([ev], "events", e => e.Id, (e, r) => e.Rating = r, context);
        return ev;
    }

    public override async Task<Event> UpdateEvent(UpdateEventRequest request, ServerCallContext context)
    {
        var user = context.RequireRole(Partner, Admin);
        var id = FieldViolations.RequireUuid("id", request.Id);
        var violations = new FieldViolations();
        if (request.Event is null) violations.Add("event", "is required").ThrowIfAny();
        var mask = UpdateMask.Parse(request.UpdateMask, EventPaths, violations);
        violations.ThrowIfAny();

        var existing = await store.FindEventAsync(id) ?? throw NotFound("event", request.Id);
        RequireOwner(user, existing.OwnerId, "event");
        var merged = ToProto(existing);
        var patch = request.Event!;
        if (mask.Has("kind")) merged.Kind = patch.Kind;
        if (mask.Has("title")) merged.Title = patch.Title;
        if (mask.Has("description")) merged.Description = patch.Description;
        if (mask.Has("genres")) { merged.Genres.Clear(); merged.Genres.AddRange(patch.Genres); }
        if (mask.Has("languages")) { merged.Languages.Clear(); merged.Languages.AddRange(patch.Languages); }
        if (mask.Has("duration_minutes")) merged.DurationMinutes = patch.DurationMinutes;
        if (mask.Has("age_rating")) merged.AgeRating = patch.AgeRating;
        if (mask.Has("image_urls")) { merged.ImageUrls.Clear(); merged.ImageUrls.AddRange(patch.ImageUrls); }
        CheckEventFields(merged, violations);
        violations.ThrowIfAny();

        var row = ToRow(merged, id, existing.OwnerId);
        var (outcome, change) = await store.UpdateEventAsync(row);
        switch (outcome)
        {
            case UpdateEventOutcome.NotFound: throw NotFound("event", request.Id);
            case UpdateEventOutcome.Overlaps: throw CatalogErrors.ShowsWouldOverlap("With the new duration a show of this event");
        }
        await cache.InvalidateAsync(change!);
        return ToProto(row);
    }

    public override async Task<Empty> DeleteEvent(DeleteEventRequest request, ServerCallContext context)
    {
        var user = context.RequireRole(Partner, Admin);
        var id = FieldViolations.RequireUuid("id", request.Id);
        var existing = await store.FindEventAsync(id) ?? throw NotFound("event", request.Id);
        RequireOwner(user, existing.OwnerId, "event");
        var (outcome, change) = await store.DeleteEventAsync(id);
        switch (outcome)
        {
            case DeleteEventOutcome.NotFound: throw NotFound("event", request.Id);
            case DeleteEventOutcome.HasScheduledShows: throw CatalogErrors.EventHasScheduledShows(id);
            case DeleteEventOutcome.HasShows: throw CatalogErrors.EventHasShows(id);
        }
        await cache.InvalidateAsync(change!);
        return new Empty();
    }

    public override async Task<Show> UpdateShow(UpdateShowRequest request, ServerCallContext context)
    {
        var user = context.RequireRole(Partner, Admin);
        var id = FieldViolations.RequireUuid("id", request.Id);
        var violations = new FieldViolations();
        if (request.Show is null) violations.Add("show", "is required").ThrowIfAny();
        var mask = UpdateMask.Parse(request.UpdateMask, ShowPaths, violations);
        var patch = request.Show!;
        Guid? newScreenId = mask.Has("screen_id") ? violations.Uuid("show.screen_id", patch.ScreenId) : null;
        if (mask.Has("start_time") && patch.StartTime is null) violations.Add("show.start_time", "is required");
        if (mask.Has("currency")) violations.Check("show.currency", CurrencyCode().IsMatch(patch.Currency) ? null : "must be an ISO 4217 code such as EUR");
        if (mask.Has("prices")) CheckPrices(patch.Prices, violations);
        violations.ThrowIfAny();

        var existing = await store.FindShowAsync(id) ?? throw NotFound("show", request.Id);
        RequireOwner(user, existing.OwnerId, "venue");
        if (existing.Status != "scheduled") throw CatalogErrors.ShowNotScheduled(id);
        var screen = newScreenId is { } screenId && screenId != existing.ScreenId
            ? await store.FindScreenAsync(screenId) ?? throw Invalid("show.screen_id", "does not name a screen")
            : null;
        if (screen is not null) RequireOwner(user, screen.OwnerId, "venue");   // moving onto someone else's screen is not an edit of one's own

        var start = mask.Has("start_time") ? patch.StartTime!.ToDateTime() : DateTime.SpecifyKind(existing.StartTime, DateTimeKind.Utc);
        if (start <= time.GetUtcNow().UtcDateTime) violations.Add("show.start_time", "must be in the future");
        var prices = mask.Has("prices") ? patch.Prices.Select(p => new PriceRow(p.Category, p.PriceMinor)).ToList() : (await store.ListPricesAsync(id)).ToList();
        var categories = await store.ListCategoryCodesAsync(screen?.Id ?? existing.ScreenId);
        var field = mask.Has("prices") ? "show.prices" : "show.screen_id";
        foreach (var missing in categories.Except(prices.Select(p => p.Category))) violations.Add(field, $"has no price for category \"{missing}\" of the screen");
        for (var i = 0; i < prices.Count; i++)
            if (!categories.Contains(prices[i].Category))
                violations.Add(mask.Has("prices") ? $"show.prices[{i}].category" : field, $"\"{prices[i].Category}\" is not a seat category of the screen");
        violations.ThrowIfAny();

        var ev = await store.FindEventAsync(existing.EventId) ?? throw NotFound("event", existing.EventId.ToString());
        var row = new ShowRow
        {
            Id = id, EventId = existing.EventId, ScreenId = screen?.Id ?? existing.ScreenId, VenueId = screen?.VenueId ?? existing.VenueId,
            CityId = screen?.CityId ?? existing.CityId, StartTime = start, EndTime = start.AddMinutes(ev.DurationMinutes),
            Currency = mask.Has("currency") ? patch.Currency : existing.Currency,
            MinPriceMinor = prices.Min(p => p.PriceMinor), MaxPriceMinor = prices.Max(p => p.PriceMinor), Status = "scheduled",
        };
        switch (await store.UpdateShowAsync(row, prices))
        {
            case UpdateShowOutcome.NotFound: throw NotFound("show", request.Id);
            case UpdateShowOutcome.NotScheduled: throw CatalogErrors.ShowNotScheduled(id);
            case UpdateShowOutcome.Overlaps: throw CatalogErrors.ShowsWouldOverlap("The show at its new time or screen");
            case UpdateShowOutcome.NotInFuture: throw Invalid("show.start_time", "must be in the future");
        }
        await cache.InvalidateAsync(CatalogChanged.OfShow(id));
        return await LoadShowAsync(id) ?? throw NotFound("show", request.Id);
    }

    private static void CheckPrices(IList<CategoryPrice> prices, FieldViolations violations)
    {
        if (prices.Count == 0) violations.Add("show.prices", "must price every seat category of the screen");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < prices.Count; i++)
        {
            if (prices[i].PriceMinor < 0) violations.Add($"show.prices[{i}].price_minor", "must be at least 0");
            if (!seen.Add(prices[i].Category)) violations.Add($"show.prices[{i}].category", $"repeats \"{prices[i].Category}\"");
        }
    }
}
