using System.Collections.Concurrent;
using Mesh.Catalog.V1;

namespace Mesh.Rating.Tests.Support;

/// <summary>
/// A test double of the catalog's gRPC contract, as far as rating (GetEvent, GetShow, GetVenue, GetProduct,
/// ListServices) and booking's start-up use it: events with shows at venues in cities, services at venues, products.
/// </summary>
public sealed class FakeCatalog : Mesh.Catalog.V1.Catalog.CatalogBase
{
    private readonly ConcurrentDictionary<string, Event> _events = new();
    private readonly ConcurrentDictionary<string, Show> _shows = new();
    private readonly ConcurrentDictionary<string, Venue> _venues = new();
    private readonly ConcurrentDictionary<string, BookableService> _services = new();
    private readonly ConcurrentDictionary<string, Product> _products = new();

    public string AddVenue(string city)
    {
        var venue = new Venue { Id = Guid.NewGuid().ToString(), CityId = city, Name = "Hall" };
        _venues[venue.Id] = venue;
        return venue.Id;
    }

    public string AddEvent()
    {
        var e = new Event { Id = Guid.NewGuid().ToString(), Kind = "concert", Title = "Gig" };
        _events[e.Id] = e;
        return e.Id;
    }

    public string AddShow(string eventId, string venueId)
    {
        var show = new Show { Id = Guid.NewGuid().ToString(), EventId = eventId, VenueId = venueId, CityId = _venues[venueId].CityId, Currency = "EUR" };
        _shows[show.Id] = show;
        return show.Id;
    }

    public string AddService(string venueId)
    {
        var service = new BookableService { Id = Guid.NewGuid().ToString(), VenueId = venueId, CityId = _venues[venueId].CityId, Name = "Yoga", Category = "yoga", Capacity = 10 };
        _services[service.Id] = service;
        return service.Id;
    }

    public string AddProduct(string venueId)
    {
        var product = new Product { Id = Guid.NewGuid().ToString(), VenueId = venueId, CityId = _venues[venueId].CityId, Name = "Popcorn", Active = true };
        _products[product.Id] = product;
        return product.Id;
    }

    public override Task<Event> GetEvent(GetEventRequest request, ServerCallContext context) => Find(_events, request.Id, "event");
    public override Task<Show> GetShow(GetShowRequest request, ServerCallContext context) => Find(_shows, request.Id, "show");
    public override Task<Venue> GetVenue(GetVenueRequest request, ServerCallContext context) => Find(_venues, request.Id, "venue");
    public override Task<Product> GetProduct(GetProductRequest request, ServerCallContext context) => Find(_products, request.Id, "product");

    /// <summary>All services in id order, paged (the token is the offset), so rating's paging is exercised.</summary>
    public override Task<ListServicesResponse> ListServices(ListServicesRequest request, ServerCallContext context)
    {
        var all = _services.Values.OrderBy(s => s.Id, StringComparer.Ordinal).ToList();
        var offset = request.PageToken.Length == 0 ? 0 : int.Parse(request.PageToken, System.Globalization.CultureInfo.InvariantCulture);
        var size = request.PageSize == 0 ? 20 : request.PageSize;
        var response = new ListServicesResponse { Services = { all.Skip(offset).Take(size) } };
        if (offset + size < all.Count) response.NextPageToken = (offset + size).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Task.FromResult(response);
    }

    private static Task<T> Find<T>(ConcurrentDictionary<string, T> items, string id, string what) =>
        items.TryGetValue(id, out var item) ? Task.FromResult(item) : throw new RpcException(new Status(StatusCode.NotFound, $"no such {what}"));
}
