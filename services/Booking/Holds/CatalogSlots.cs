using Mesh.Catalog.V1;

namespace Mesh.Booking;

/// <summary>
/// A bookable service and one of its generated slots, from the catalog over gRPC: the only source of a slot's
/// existence, capacity and price (never the client).
/// </summary>
public sealed class CatalogSlots(Mesh.Catalog.V1.Catalog.CatalogClient catalog)
{
    private const int PageSize = 100;


    public abstract record Lookup
    {
        public sealed record Found(BookableService Service, ServiceSlot Slot) : Lookup;
        public sealed record NoSuchService : Lookup;
        public sealed record NoSuchSlot(BookableService Service) : Lookup;
    }

    /// <summary>The service and its slot starting exactly at <paramref name="slotStart"/> (UTC).</summary>
    public async Task<Lookup> FindAsync(Guid serviceId, DateTime slotStart, CancellationToken cancellationToken)
    {
        // Both at once; slots are generated per local date of the venue's city, so the city's zone is needed too.
        var serviceCall = FindServiceAsync(serviceId.ToString(), cancellationToken);
        var citiesCall = catalog.ListCitiesAsync(new ListCitiesRequest(), cancellationToken: cancellationToken).ResponseAsync;
        await Task.WhenAll(serviceCall, citiesCall);
        var (service, cities) = (await serviceCall, await citiesCall);
        if (service is null) return new Lookup.NoSuchService();

        var zoneId = cities.Cities.FirstOrDefault(c => c.Id == service.CityId)?.TimeZone ?? "UTC";
        var zone = TimeZoneInfo.TryFindSystemTimeZoneById(zoneId, out var z) ? z : TimeZoneInfo.Utc;
        var localDate = DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(slotStart, zone));
        var slots = await catalog.ListServiceSlotsAsync(
            new ListServiceSlotsRequest { Id = service.Id, Date = localDate.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) },
            cancellationToken: cancellationToken);
        var slot = slots.Slots.FirstOrDefault(s => s.StartTime is not null && s.StartTime.ToDateTime() == slotStart);
        return slot is null ? new Lookup.NoSuchSlot(service) : new Lookup.Found(service, slot);
    }

    /// <summary>
    /// The catalog's contract has no GetService yet, so this pages ListServices (stable id order) until it meets the
    /// id. Fine for the demo's tens of services; replace with a GetService call once the catalog offers one.
    /// </summary>
    private async Task<BookableService?> FindServiceAsync(string id, CancellationToken cancellationToken)
    {
        var request = new ListServicesRequest { PageSize = PageSize };
        while (true)
        {
            var page = await catalog.ListServicesAsync(request, cancellationToken: cancellationToken);
            var found = page.Services.FirstOrDefault(s => s.Id == id);
            if (found is not null || page.NextPageToken.Length == 0) return found;
            request.PageToken = page.NextPageToken;
        }
    }
}
