using Mesh.Catalog.V1;

namespace Mesh.Booking;

/// <summary>
/// The show and its priced seat map, from the catalog over gRPC: the only source of prices (never the client).
/// </summary>
public sealed class CatalogSeats(Mesh.Catalog.V1.Catalog.CatalogClient catalog)
{
    public sealed record ShowSeats(Show Show, IReadOnlyDictionary<Guid, ShowSeat> Seats);

    /// <summary>The show with its sellable seats by id, or null when the catalog has no such show.</summary>
    public async Task<ShowSeats?> FindAsync(Guid showId, CancellationToken cancellationToken)
    {
        try
        {
            // Both at once: a hold waits for one catalog round trip, not two.
            var showCall = catalog.GetShowAsync(new GetShowRequest { Id = showId.ToString() }, cancellationToken: cancellationToken).ResponseAsync;
            var seatsCall = catalog.ListShowSeatsAsync(new ListShowSeatsRequest { Id = showId.ToString() }, cancellationToken: cancellationToken).ResponseAsync;
            await Task.WhenAll(showCall, seatsCall);
            var (show, seats) = (await showCall, await seatsCall);
            var byId = new Dictionary<Guid, ShowSeat>();
            foreach (var seat in seats.Seats)
                if (Guid.TryParse(seat.Id, out var id)) byId[id] = seat;
            return new ShowSeats(show, byId);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return null;
        }
    }
}
