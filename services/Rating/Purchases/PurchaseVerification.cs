using Mesh.Booking.V1;
using Mesh.Rating.Items;

namespace Mesh.Rating.Purchases;

/// <summary>The booking that makes a review verified, and the city the item is ranked in.</summary>
public sealed record Purchase(string BookingId, string ShowId, string ServiceId, DateTime StartsAt, string CityId);

/// <summary>
/// "Only a customer who bought it may review it": asks the booking service, with the customer's own token, which shows
/// and service slots they attended (CONFIRMED bookings that have started — a cancelled one is never among them), and
/// matches them against the item through the catalog: an event by its shows, a venue by its shows and services, a
/// service directly. Products cannot be bought yet (no order flow exists in the mesh), so they are refused honestly.
/// </summary>
public sealed class PurchaseVerification(Mesh.Booking.V1.Booking.BookingClient booking, CatalogItems catalog)
{
    private const int PageSize = 200;

    public async Task<Purchase> VerifyAsync(ItemName item, string authorization, CancellationToken cancellationToken)
    {
        var found = await catalog.FindAsync(item, cancellationToken) ?? throw RatingErrors.ItemNotFound(item.Value);
        if (item.Kind == ItemName.Products) throw RatingErrors.NotSoldYet(item.Value);

        var id = item.Id.ToString();
        var headers = new Metadata { { "authorization", authorization } };
        var request = new ListAttendedItemsRequest { PageSize = PageSize };
        var shows = new Dictionary<string, Catalog.V1.Show?>();
        var services = new Dictionary<string, Catalog.V1.BookableService?>();
        while (true)
        {
            ListAttendedItemsResponse page;
            try
            {
                page = await booking.ListAttendedItemsAsync(request, headers, cancellationToken: cancellationToken);
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
            {
                throw RatingErrors.BookingUnavailable(e);
            }

            foreach (var attended in page.Items)
            {
                var city = await MatchAsync(item, id, attended, found, shows, services, cancellationToken);
                if (city is not null) return new Purchase(attended.BookingId, attended.ShowId, attended.ServiceId, attended.StartsAt.ToDateTime(), city);
            }
            if (page.NextPageToken.Length == 0) throw RatingErrors.NotPurchased(item.Value);
            request.PageToken = page.NextPageToken;
        }
    }

    /// <summary>The item's city when this attended show or slot is of the item, else null.</summary>
    private async Task<string?> MatchAsync(ItemName item, string id, AttendedItem attended, CatalogItems.Item found,
        Dictionary<string, Catalog.V1.Show?> shows, Dictionary<string, Catalog.V1.BookableService?> services, CancellationToken cancellationToken)
    {
        if (attended.ServiceId.Length > 0)
        {
            if (item.Kind == ItemName.Services) return attended.ServiceId == id ? found.CityId : null;
            if (item.Kind != ItemName.Venues) return null;
            if (!services.TryGetValue(attended.ServiceId, out var service))
                services[attended.ServiceId] = service = await catalog.FindServiceAsync(attended.ServiceId, cancellationToken);
            return service?.VenueId == id ? found.CityId : null;
        }
        if (attended.ShowId.Length == 0 || item.Kind is not (ItemName.Events or ItemName.Venues)) return null;
        if (!shows.TryGetValue(attended.ShowId, out var show))
            shows[attended.ShowId] = show = await catalog.FindShowAsync(attended.ShowId, cancellationToken);
        if (show is null) return null;
        if (item.Kind == ItemName.Events) return show.EventId == id ? show.CityId : null;
        return show.VenueId == id ? found.CityId : null;
    }
}
