using Mesh.Catalog.V1;
using Mesh.Rating.Items;

namespace Mesh.Rating.Purchases;

/// <summary>
/// What the rating service needs from the catalog (over gRPC): that a reviewed item exists, and the city, venue and
/// event behind an item or a booked show or service, for verification and for the top-rated list's city.
/// </summary>
public sealed class CatalogItems(Mesh.Catalog.V1.Catalog.CatalogClient catalog)
{
    private const int PageSize = 100;

    /// <summary>An item as the catalog knows it: its city ('' when it has none of its own, as an event).</summary>
    public sealed record Item(string CityId, string VenueId);

    /// <summary>The item, or null when the catalog has no such item.</summary>
    public async Task<Item?> FindAsync(ItemName item, CancellationToken cancellationToken)
    {
        var id = item.Id.ToString();
        try
        {
            switch (item.Kind)
            {
                case ItemName.Products:
                    var product = await catalog.GetProductAsync(new GetProductRequest { Id = id }, cancellationToken: cancellationToken);
                    return new Item(product.CityId, product.VenueId);
                case ItemName.Events:
                    await catalog.GetEventAsync(new GetEventRequest { Id = id }, cancellationToken: cancellationToken);
                    return new Item("", "");   // an event plays in many cities: its city is the reviewer's show's
                case ItemName.Venues:
                    var venue = await catalog.GetVenueAsync(new GetVenueRequest { Id = id }, cancellationToken: cancellationToken);
                    return new Item(venue.CityId, venue.Id);
                default:
                    return await FindServiceAsync(id, cancellationToken) is { } service ? new Item(service.CityId, service.VenueId) : null;
            }
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>A show (for its event, venue and city), or null.</summary>
    public async Task<Show?> FindShowAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            return await catalog.GetShowAsync(new GetShowRequest { Id = id }, cancellationToken: cancellationToken);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>
    /// A bookable service, or null. The catalog's contract has no GetService, so this pages ListServices (stable id
    /// order) until it meets the id, as booking does; fine for tens of services, to be replaced by a GetService call.
    /// </summary>
    public async Task<BookableService?> FindServiceAsync(string id, CancellationToken cancellationToken)
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
